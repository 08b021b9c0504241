"""SimpleEventQuery parameters → SQL (traceability.events.query), on hand-built stored events.

Each parameter is checked on events stored with `store.store_event`, so the identifier index and
the columns are the store's own. Times are compared in UTC whatever offset the event or the query
uses: GE_ bounds are inclusive, LT_ bounds exclusive.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from werkzeug.datastructures import MultiDict

from core.errors import Forbidden
from tests import factories
from tests.conftest import shared_path
from traceability.events import query, store
from traceability.events.query import QueryError

CP, IR = "8938501", "000001"  # GTIN 08938501000019
GTIN = "08938501000019"
OTHER_GTIN = "08938501000026"  # item reference 000002
CBV = "https://ref.gs1.org/cbv/"


def sgtin_urn(serial: str, item: str = IR) -> str:
    return f"urn:epc:id:sgtin:{CP}.{item}.{serial}"


def lgtin_urn(lot: str, item: str = IR) -> str:
    return f"urn:epc:class:lgtin:{CP}.{item}.{lot}"


def make_event(**fields) -> dict:
    """An ObjectEvent (OBSERVE, shipping, in transit, +07:00) changed by `fields`."""
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [],
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def save(event: dict, owner=None, user=None):
    """Store one event (owned by `owner`, a Producer, when given) and return its row."""
    stored = store.store_event(
        event,
        user=user,
        source="api",
        producer_id=owner.id if owner is not None else None,
    )
    assert stored.created, "test events must differ from each other"
    return stored.event


def ids(params: dict | MultiDict, user) -> set[str]:
    """The eventIDs a query finds (all pages: perPage large enough)."""
    args = params if isinstance(params, MultiDict) else MultiDict(params)
    if "perPage" not in args:
        args = MultiDict(args)
        args.add("perPage", "1000")
    return {e.event_id for e in query.page(args, user).events}


@pytest.fixture
def staff(app_ctx):
    return factories.staff()


def test_event_time_bounds_are_compared_in_utc_whatever_the_offsets(staff):
    # The same instant 01:00Z written with three offsets, and one millisecond later.
    same = [
        save(make_event(eventTime="2026-11-02T08:00:00+07:00", epcList=[sgtin_urn("A")])),
        save(
            make_event(
                eventTime="2026-11-02T03:00:00+02:00",
                eventTimeZoneOffset="+02:00",
                epcList=[sgtin_urn("B")],
            )
        ),
        save(make_event(eventTime="2026-11-01T20:00:00-05:00", epcList=[sgtin_urn("C")])),
    ]
    later = save(make_event(eventTime="2026-11-02T01:00:00.001Z", epcList=[sgtin_urn("D")]))
    at = {e.event_id for e in same}
    assert ids({"GE_eventTime": "2026-11-02T01:00:00Z"}, staff) == at | {later.event_id}
    assert ids({"GE_eventTime": "2026-11-02T08:00:00.001+07:00"}, staff) == {later.event_id}
    assert ids({"LT_eventTime": "2026-11-01T18:00:00-07:00"}, staff) == set()  # = 01:00Z
    assert ids({"LT_eventTime": "2026-11-02T03:00:00.001+02:00"}, staff) == at
    both = {"GE_eventTime": "2026-11-01T20:00:00-05:00", "LT_eventTime": "2026-11-02T01:00:00.001Z"}
    assert ids(both, staff) == at


def test_an_unencoded_plus_in_an_offset_is_read_as_plus(staff):
    event = save(make_event(epcList=[sgtin_urn("A")]))
    # "+07:00" typed into a URL without encoding reaches us as " 07:00".
    assert ids({"GE_eventTime": "2026-11-02T08:00:00 07:00"}, staff) == {event.event_id}
    assert ids({"GE_eventTime": "2026-11-02T08:00:01 07:00"}, staff) == set()


@pytest.mark.parametrize(
    "value", ["2026-11-02T08:00:00", "2026-11-02", "yesterday", "2026-13-02T08:00:00Z"]
)
def test_a_time_without_offset_or_not_a_time_is_a_query_parameter_exception(staff, value):
    with pytest.raises(QueryError) as raised:
        query.page(MultiDict({"GE_eventTime": value}), staff)
    assert raised.value.kind == "QueryParameterException"
    assert raised.value.status == 400


def test_record_time_bounds(staff, monkeypatch):
    moments = iter(
        [
            dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 3, 3, 0, tzinfo=dt.UTC),
        ]
    )
    monkeypatch.setattr(store, "utcnow", lambda: next(moments))
    first, second, third = (save(make_event(epcList=[sgtin_urn(s)])) for s in "ABC")
    assert second.document["recordTime"] == "2026-11-03T02:00:00.000Z"
    window = {"GE_recordTime": "2026-11-03T09:00:00+07:00", "LT_recordTime": "2026-11-03T03:00Z"}
    assert ids(window, staff) == {second.event_id}
    assert ids({"LT_recordTime": "2026-11-03T02:00:00Z"}, staff) == {first.event_id}
    assert ids({"GE_recordTime": "2026-11-03T02:00:00.001Z"}, staff) == {third.event_id}


def test_event_types_repeated_comma_or_pipe_separated_are_or(staff):
    obj = save(make_event(epcList=[sgtin_urn("A")]))
    agg = save(
        make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
        | {"childEPCs": [sgtin_urn("C")]}
    )
    trans = save(
        make_event(type="TransformationEvent", action=None, epcList=None)
        | {"inputEPCList": [sgtin_urn("I")], "outputEPCList": [sgtin_urn("O")]}
    )
    assert ids({"eventType": "ObjectEvent"}, staff) == {obj.event_id}
    assert ids({"eventType": "ObjectEvent,AggregationEvent"}, staff) == {
        obj.event_id,
        agg.event_id,
    }
    assert ids({"eventType": "AggregationEvent|TransformationEvent"}, staff) == {
        agg.event_id,
        trans.event_id,
    }
    repeated = MultiDict([("eventType", "ObjectEvent"), ("eventType", "TransformationEvent")])
    assert ids(repeated, staff) == {obj.event_id, trans.event_id}
    assert ids({"eventType": "AssociationEvent"}, staff) == set()


def test_action(staff):
    add = save(make_event(action="ADD", epcList=[sgtin_urn("A")]))
    observe = save(make_event(epcList=[sgtin_urn("B")]))
    assert ids({"EQ_action": "ADD"}, staff) == {add.event_id}
    assert ids({"EQ_action": "ADD|OBSERVE"}, staff) == {add.event_id, observe.event_id}
    with pytest.raises(QueryError, match="EQ_action"):
        ids({"EQ_action": "SHIP"}, staff)


@pytest.mark.parametrize(
    "asked",
    ["shipping", f"{CBV}BizStep-shipping", "urn:epcglobal:cbv:bizstep:shipping"],
)
def test_biz_step_as_bare_word_web_uri_or_urn(staff, asked):
    shipping = save(make_event(epcList=[sgtin_urn("A")]))
    save(make_event(bizStep=f"{CBV}BizStep-receiving", epcList=[sgtin_urn("B")]))
    custom = save(make_event(bizStep="https://example.org/steps/drying", epcList=[sgtin_urn("C")]))
    assert ids({"EQ_bizStep": asked}, staff) == {shipping.event_id}
    assert ids({"EQ_bizStep": "https://example.org/steps/drying"}, staff) == {custom.event_id}


def test_disposition(staff):
    transit = save(make_event(epcList=[sgtin_urn("A")]))
    active = save(make_event(disposition="active", epcList=[sgtin_urn("B")]))
    assert ids({"EQ_disposition": "in_transit"}, staff) == {transit.event_id}
    assert ids({"EQ_disposition": f"{CBV}Disp-active|in_transit"}, staff) == {
        transit.event_id,
        active.event_id,
    }


def test_read_point_and_biz_location_in_either_form(staff):
    here = save(
        make_event(
            epcList=[sgtin_urn("A")],
            readPoint={"id": "urn:epc:id:sgln:8938501.00001.0"},
            bizLocation={"id": "urn:dongnai-trace:site:7"},
        )
    )
    save(make_event(epcList=[sgtin_urn("B")], readPoint={"id": "urn:dongnai-trace:site:8"}))
    assert ids({"EQ_readPoint": "urn:epc:id:sgln:8938501.00001.0"}, staff) == {here.event_id}
    assert ids({"EQ_bizLocation": "urn:dongnai-trace:site:7"}, staff) == {here.event_id}
    assert ids({"EQ_bizLocation": "urn:dongnai-trace:site:8"}, staff) == set()


@pytest.mark.parametrize(
    "asked",
    [
        sgtin_urn("S1"),
        f"https://id.gs1.org/01/{GTIN}/21/S1",
        f"https://trace.example.vn/01/{GTIN}/21/S1",  # our own host, as printed in the QR code
        f"https://example.com/shop/01/{GTIN}/21/S1",
        f"https://id.gs1.org/01/{GTIN[1:]}/21/S1",  # a GTIN-13 in the path
    ],
)
def test_match_epc_finds_an_item_in_any_form(staff, asked):
    urn_captured = save(make_event(epcList=[sgtin_urn("S1")]))
    link_captured = save(
        make_event(
            epcList=[f"https://example.org/01/{GTIN}/21/S1"], eventTime="2026-11-03T08:00:00Z"
        )
    )
    save(make_event(epcList=[sgtin_urn("S2")]))
    assert ids({"MATCH_epc": asked}, staff) == {urn_captured.event_id, link_captured.event_id}
    assert ids({"MATCH_anyEPC": asked}, staff) == {urn_captured.event_id, link_captured.event_id}


def test_match_parameters_look_in_their_own_lists(staff):
    agg = save(
        make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
        | {"childEPCs": [sgtin_urn("C")]}
    )
    trans = save(
        make_event(type="TransformationEvent", action=None, epcList=None)
        | {"inputEPCList": [sgtin_urn("I")], "outputEPCList": [sgtin_urn("O")]}
    )
    assert ids({"MATCH_epc": sgtin_urn("C")}, staff) == {agg.event_id}  # childEPCs
    assert ids({"MATCH_epc": sgtin_urn("P")}, staff) == set()
    assert ids({"MATCH_parentID": sgtin_urn("P")}, staff) == {agg.event_id}
    assert ids({"MATCH_parentID": sgtin_urn("C")}, staff) == set()
    assert ids({"MATCH_inputEPC": sgtin_urn("I")}, staff) == {trans.event_id}
    assert ids({"MATCH_inputEPC": sgtin_urn("O")}, staff) == set()
    assert ids({"MATCH_outputEPC": sgtin_urn("O")}, staff) == {trans.event_id}
    for epc in ("P", "C", "I", "O"):
        assert ids({"MATCH_anyEPC": sgtin_urn(epc)}, staff) != set()
    assert ids({"MATCH_anyEPC": f"{sgtin_urn('P')}|{sgtin_urn('I')}"}, staff) == {
        agg.event_id,
        trans.event_id,
    }


def test_match_epc_class_in_quantity_lists(staff):
    lot = save(
        make_event(
            epcList=None,
            quantityList=[{"epcClass": lgtin_urn("L1"), "quantity": 12.5, "uom": "KGM"}],
        )
    )
    child = save(
        make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
        | {"childQuantityList": [{"epcClass": lgtin_urn("L1"), "quantity": 2}]}
    )
    transformed = save(
        make_event(type="TransformationEvent", action=None, epcList=None)
        | {
            "inputQuantityList": [{"epcClass": lgtin_urn("L1"), "quantity": 3}],
            "outputQuantityList": [{"epcClass": f"https://id.gs1.org/01/{OTHER_GTIN}/10/J1"}],
        }
    )
    gtin_only = save(
        make_event(epcList=None, quantityList=[{"epcClass": f"urn:epc:idpat:sgtin:{CP}.{IR}.*"}])
    )
    as_link = f"https://trace.example.vn/01/{GTIN}/10/L1"
    assert ids({"MATCH_epcClass": lgtin_urn("L1")}, staff) == {lot.event_id, child.event_id}
    assert ids({"MATCH_epcClass": as_link}, staff) == {lot.event_id, child.event_id}
    assert ids({"MATCH_inputEPCClass": as_link}, staff) == {transformed.event_id}
    assert ids({"MATCH_outputEPCClass": lgtin_urn("J1", "000002")}, staff) == {transformed.event_id}
    assert ids({"MATCH_anyEPCClass": as_link}, staff) == {
        lot.event_id,
        child.event_id,
        transformed.event_id,
    }
    # A GTIN-only class matches exactly: itself, not the GTIN's lots.
    assert ids({"MATCH_epcClass": f"https://id.gs1.org/01/{GTIN}"}, staff) == {gtin_only.event_id}
    # A company-prefix pattern matches the classes of every GTIN of the prefix.
    assert ids({"MATCH_anyEPCClass": f"urn:epc:idpat:sgtin:{CP}.*.*"}, staff) == {
        lot.event_id,
        child.event_id,
        transformed.event_id,
        gtin_only.event_id,
    }
    # Classes are not instances.
    assert ids({"MATCH_anyEPC": lgtin_urn("L1")}, staff) == set()


def test_sgtin_patterns_match_the_serials_of_a_gtin_or_company_prefix(staff):
    one = save(make_event(epcList=[sgtin_urn("A")]))
    other_item = save(make_event(epcList=[sgtin_urn("B", "000002")]))
    foreign = save(make_event(epcList=["urn:epc:id:sgtin:0614141.107346.2017"]))
    lot_only = save(make_event(epcList=None, quantityList=[{"epcClass": lgtin_urn("L1")}]))
    assert ids({"MATCH_epc": f"urn:epc:idpat:sgtin:{CP}.{IR}.*"}, staff) == {one.event_id}
    assert ids({"MATCH_anyEPC": f"urn:epc:idpat:sgtin:{CP}.*.*"}, staff) == {
        one.event_id,
        other_item.event_id,
    }
    assert ids({"MATCH_epc": "urn:epc:idpat:sgtin:0614141.*.*"}, staff) == {foreign.event_id}
    assert lot_only.event_id not in ids({"MATCH_anyEPC": f"urn:epc:idpat:sgtin:{CP}.*.*"}, staff)
    with pytest.raises(QueryError) as raised:
        ids({"MATCH_epc": "urn:epc:idpat:sscc:0614141.*"}, staff)
    assert raised.value.status == 501
    with pytest.raises(QueryError) as raised:  # 12 digits: no GTIN
        ids({"MATCH_epc": f"urn:epc:idpat:sgtin:{CP}.0001.*"}, staff)
    assert raised.value.kind == "QueryParameterException"


def test_event_id(staff):
    named = save(make_event(epcList=[sgtin_urn("A")], eventID="urn:uuid:6f4b1e3a-0000-4000-8000-1"))
    hashed = save(make_event(epcList=[sgtin_urn("B")]))
    assert hashed.event_id.startswith("ni:///sha-256;")
    assert ids({"EQ_eventID": "urn:uuid:6f4b1e3a-0000-4000-8000-1"}, staff) == {named.event_id}
    assert ids({"EQ_eventID": hashed.event_id}, staff) == {hashed.event_id}
    assert ids({"EQ_eventID": f"{hashed.event_id}|{named.event_id}"}, staff) == {
        hashed.event_id,
        named.event_id,
    }


def test_parameters_are_and(staff):
    wanted = save(make_event(epcList=[sgtin_urn("A")]))
    save(make_event(epcList=[sgtin_urn("A")], bizStep="receiving"))
    save(make_event(epcList=[sgtin_urn("B")]))
    assert ids({"MATCH_epc": sgtin_urn("A"), "EQ_bizStep": "shipping"}, staff) == {wanted.event_id}


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("colour", 400, "QueryParameterException"),
        ("MATCH_everything", 400, "QueryParameterException"),
        ("lang", 400, "QueryParameterException"),
        ("EQ_quantity", 501, "ImplementationException"),
        ("WD_bizLocation", 501, "ImplementationException"),
        ("EXISTS_errorDeclaration", 501, "ImplementationException"),
        ("EQ_dnt:note", 501, "ImplementationException"),
        ("GE_INNER_ILMD_ex:weight", 501, "ImplementationException"),
        ("EQ_bizTransaction_po", 501, "ImplementationException"),
        ("GE_value_CEL", 501, "ImplementationException"),
        ("GE_startTime", 501, "ImplementationException"),
        ("maxEventCount", 501, "ImplementationException"),
        ("GE_eventDate", 400, "QueryParameterException"),  # no such field, not qualified
        ("EQ_colour", 400, "QueryParameterException"),
    ],
)
def test_unknown_parameters_and_unsupported_standard_ones_are_refused(staff, name, status, kind):
    with pytest.raises(QueryError) as raised:
        query.page(MultiDict({name: "1"}), staff)
    assert (raised.value.status, raised.value.kind) == (status, kind)
    assert name in raised.value.detail


@pytest.mark.parametrize(
    "params",
    [
        {"orderBy": "bizStep"},
        {"orderDirection": "UP"},
        {"perPage": "0"},
        {"perPage": "ten"},
        MultiDict([("GE_eventTime", "2026-11-02T00:00Z"), ("GE_eventTime", "2026-11-03T00:00Z")]),
    ],
)
def test_bad_values_are_query_parameter_exceptions(staff, params):
    with pytest.raises(QueryError) as raised:
        query.page(MultiDict(params), staff)
    assert raised.value.kind == "QueryParameterException"


def test_per_page_above_the_limit_is_clamped(staff):
    assert query.page(MultiDict({"perPage": "5000"}), staff).per_page == query.MAX_PER_PAGE
    assert query.page(MultiDict(), staff).per_page == 30


def _seven(base: dt.datetime) -> list:
    """Seven events, two of them at the same eventTime (the id breaks the tie)."""
    minutes = [0, 10, 10, 20, 30, 40, 50]
    return [
        save(
            make_event(
                epcList=[sgtin_urn(f"P{i}")],
                eventTime=(base + dt.timedelta(minutes=m)).isoformat(),
            )
        )
        for i, m in enumerate(minutes)
    ]


@pytest.mark.parametrize(("direction", "descending"), [("ASC", False), ("DESC", True)])
def test_paging_through_three_pages_with_next_page_tokens(staff, direction, descending):
    events = _seven(dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    expected = sorted(events, key=lambda e: (e.event_time, e.id), reverse=descending)
    params = MultiDict({"orderBy": "eventTime", "orderDirection": direction, "perPage": "3"})
    params.add("EQ_bizStep", "shipping")
    seen, token, pages = [], None, 0
    while True:
        asked = MultiDict(params)
        if token:
            asked.add("nextPageToken", token)
        found = query.page(asked, staff)
        seen += found.events
        pages += 1
        token = found.next_token
        if token is None:
            break
    assert pages == 3
    assert [e.id for e in seen] == [e.id for e in expected]


def test_default_order_is_event_time_descending(staff):
    events = _seven(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
    found = query.page(MultiDict(), staff).events
    assert [e.id for e in found] == [
        e.id for e in sorted(events, key=lambda e: (e.event_time, e.id), reverse=True)
    ]


def test_record_time_order(staff, monkeypatch):
    moments = iter(dt.datetime(2026, 11, 3, h, tzinfo=dt.UTC) for h in (5, 3, 4))
    monkeypatch.setattr(store, "utcnow", lambda: next(moments))
    a, b, c = (save(make_event(epcList=[sgtin_urn(s)])) for s in "ABC")
    found = query.page(MultiDict({"orderBy": "recordTime", "orderDirection": "ASC"}), staff)
    assert [e.id for e in found.events] == [b.id, c.id, a.id]


def test_a_token_is_refused_for_other_parameters_or_when_tampered(staff):
    _seven(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
    first = query.page(MultiDict({"perPage": "3", "EQ_bizStep": "shipping"}), staff)
    token = first.next_token
    assert token
    # The same query with the token: fine, and perPage may change between pages.
    query.page(MultiDict({"perPage": "2", "EQ_bizStep": "shipping", "nextPageToken": token}), staff)
    for params in (
        {"perPage": "3", "EQ_bizStep": "receiving", "nextPageToken": token},
        {"perPage": "3", "nextPageToken": token},
        {"perPage": "3", "EQ_bizStep": "shipping", "nextPageToken": token[:-2] + "xy"},
        {"perPage": "3", "EQ_bizStep": "shipping", "nextPageToken": "not-a-token"},
    ):
        with pytest.raises(QueryError) as raised:
            query.page(MultiDict(params), staff)
        assert raised.value.kind == "QueryParameterException"
        assert "nextPageToken" in raised.value.detail


def test_a_producer_sees_only_its_own_events_staff_all_officers_none(app_ctx):
    from core.accounts.models import Role

    a, a_user = factories.producer()
    b, _b_user = factories.producer()
    mine = save(make_event(epcList=[sgtin_urn("A")]), owner=a)
    theirs = save(make_event(epcList=[sgtin_urn("B")]), owner=b)
    nobodys = save(make_event(epcList=[sgtin_urn("C")]))
    assert ids({}, a_user) == {mine.event_id}
    assert ids({"MATCH_epc": sgtin_urn("B")}, a_user) == set()
    assert ids({"EQ_eventID": theirs.event_id}, a_user) == set()
    assert ids({}, factories.staff()) >= {mine.event_id, theirs.event_id, nobodys.event_id}
    with pytest.raises(Forbidden):
        query.page(MultiDict(), factories.user(Role.OFFICER))


def _query_schema() -> dict:
    path = shared_path("conformance", "epcis", "schema", "query-schema-2.0.0.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_parameter_of_the_query_schema_is_evaluated_or_refused_as_not_implemented():
    names = set(_query_schema()["definitions"]["EPCIS-Query"]["properties"]) - {"@context"}
    assert names <= query.SUPPORTED | query.NOT_EVALUATED
    assert not query.SUPPORTED & query.NOT_EVALUATED
    # Ours beyond the schema: paging (the REST binding's) and the OpenAPI's spelling.
    assert query.SUPPORTED - names == query.PAGING
    assert query.NOT_EVALUATED - names == {"GE_errorDeclarationTime", "LT_errorDeclarationTime"}


def _as_url_parameters(body: dict) -> MultiDict:
    """A JSON query (query schema) as the REST binding's URL parameters (lists pipe-joined)."""
    params = MultiDict()
    for name, value in body.items():
        if name != "@context":
            params.add(name, "|".join(value) if isinstance(value, list) else str(value))
    return params


def _openepcis_query(name: str) -> MultiDict:
    path = shared_path("conformance", "epcis", "examples", "openepcis", "query", name)
    return _as_url_parameters(json.loads(path.read_text(encoding="utf-8")))


def test_openepcis_simple_event_query_runs_once_the_unevaluated_parameters_are_left_out(staff):
    params = _openepcis_query("Queries_SimpleEventQuery.json")
    with pytest.raises(QueryError) as raised:
        query.page(params, staff)
    assert raised.value.status == 501
    evaluated = MultiDict([(k, v) for k, v in params.items(multi=True) if k in query.SUPPORTED])
    assert set(evaluated) >= {"eventType", "GE_eventTime", "MATCH_epc", "EQ_bizLocation"}
    match = save(
        make_event(
            type="ObjectEvent",
            action="ADD",
            eventTime="2026-06-01T08:00:00+07:00",
            epcList=["urn:epc:id:sgtin:9521141.001234.2017"],
            bizLocation={"id": "https://id.gs1.org/414/9521141123452"},
        )
    )
    save(make_event(action="ADD", epcList=["urn:epc:id:sgtin:9521141.001234.2018"]))
    assert ids(evaluated, staff) == {match.event_id}


@pytest.mark.parametrize(
    "name",
    [
        "Queries_Invalid_Query_with_invalid_values.json",
        "Queries_Invalid_Query_with_unknown_parameter.json",
    ],
)
def test_openepcis_invalid_queries_are_query_parameter_exceptions(staff, name):
    with pytest.raises(QueryError) as raised:
        query.page(_openepcis_query(name), staff)
    assert raised.value.kind == "QueryParameterException"
