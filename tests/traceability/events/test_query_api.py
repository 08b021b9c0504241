"""The EPCIS 2.0 query and discovery routes under /api/epcis, and the /api/v1 exports.

Events are stored with `store.store_event` (built by hand); requests carry API tokens. Every
EPCISQueryDocument and EPCISDocument answered is checked against the 2.0.1 JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from core.accounts.models import Role
from core.extensions import db
from tests import factories
from tests.traceability.events.test_query import GTIN, lgtin_urn, make_event, save, sgtin_urn
from traceability.events import documents, identifiers

LINK_NEXT = 'rel="next"'


@pytest.fixture
def world(app_ctx):
    """Producers A and B, staff and an officer, each with a token (committed)."""
    a, a_user = factories.producer()
    b, b_user = factories.producer()
    users = {"a": a_user, "b": b_user, "staff": factories.staff()}
    users["officer"] = factories.user(Role.OFFICER)
    tokens = {name: factories.token(u) for name, u in users.items()}
    db.session.commit()
    return {"a": a, "b": b, "users": users, "tokens": tokens}


def auth(world, who: str, **headers) -> dict:
    return {"Authorization": f"Bearer {world['tokens'][who]}", **headers}


def event_ids(response) -> list[str]:
    body = response.get_json(force=True)
    assert documents.validate(body) == []
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_discovery_lists_the_resources_with_the_version_headers(client, world):
    response = client.get("/api/epcis", headers=auth(world, "a"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "Collection"
    assert {"events", "capture", "eventTypes", "epcs"} <= set(body["member"])
    for name, value in {
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
        "GS1-EPCIS-Min": "2.0.0",
        "GS1-EPCIS-Max": "2.0.0",
    }.items():
        assert response.headers[name] == value
    assert "dnt=https://truyxuat.dongnai.gov.vn/epcis/" in response.headers["GS1-Extensions"]
    assert response.headers["GS1-Vendor-Version"]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/epcis", {"GET", "OPTIONS"}),
        ("/api/epcis/events", {"GET", "POST", "OPTIONS"}),  # POST: capture of one event
        ("/api/epcis/events/" + quote("ni:///sha-256;00ab?ver=CBV2.0", safe=""), {"GET"}),
    ],
)
def test_options_answers_204_with_allow_and_the_versions(client, world, path, methods):
    response = client.options(path, headers=auth(world, "a"))
    assert response.status_code == 204
    assert methods <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert response.headers["GS1-EPCIS-Max"] == "2.0.0"
    assert response.headers["GS1-CBV-Min"] == "2.0.0"


def test_options_needs_a_token_too(client, world):
    response = client.options("/api/epcis/events")
    assert response.status_code == 401
    assert response.get_json()["type"] == "epcisException:SecurityException"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("application/json", "application/json"),
        ("application/ld+json", "application/ld+json"),
        ("application/ld+json, application/json;q=0.5", "application/ld+json"),
        ("*/*", "application/json"),
    ],
)
def test_the_answer_is_json_or_json_ld_by_accept(client, world, accept, media_type):
    save(make_event(epcList=[sgtin_urn("A")]), owner=world["a"])
    db.session.commit()
    headers = auth(world, "a") | ({"Accept": accept} if accept else {})
    response = client.get("/api/epcis/events", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert len(event_ids(response)) == 1


@pytest.mark.parametrize("accept", ["application/xml", "text/html"])
def test_another_accept_is_406_not_acceptable(client, world, accept):
    response = client.get("/api/epcis/events", headers=auth(world, "a", Accept=accept))
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "epcisException:NotAcceptableException"


def test_a_client_that_needs_a_later_epcis_version_is_406(client, world):
    response = client.get("/api/epcis/events", headers=auth(world, "a", **{"GS1-EPCIS-Min": "3.0"}))
    assert response.status_code == 406


def test_paging_through_three_pages_by_the_link_header(client, world):
    base = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    made = [
        save(
            make_event(
                epcList=[sgtin_urn(f"P{i}")], eventTime=(base + dt.timedelta(hours=i)).isoformat()
            ),
            owner=world["a"],
        )
        for i in range(7)
    ]
    db.session.commit()
    url = "/api/epcis/events?perPage=3&orderBy=eventTime&orderDirection=ASC&EQ_bizStep=shipping"
    seen, pages = [], 0
    while url:
        response = client.get(url, headers=auth(world, "a"))
        assert response.status_code == 200, response.get_data(as_text=True)
        seen += event_ids(response)
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            url = None
            continue
        assert link.endswith(LINK_NEXT)
        target = urlsplit(link[1 : link.index(">")])
        assert target.path == "/api/epcis/events"
        params = parse_qs(target.query)
        assert params["perPage"] == ["3"] and params["EQ_bizStep"] == ["shipping"]
        assert len(params["nextPageToken"]) == 1
        url = f"{target.path}?{target.query}"
    assert pages == 3
    assert seen == [e.event_id for e in made]


def test_a_tampered_token_is_a_query_parameter_problem(client, world):
    for i in range(3):
        save(make_event(epcList=[sgtin_urn(f"T{i}")]), owner=world["a"])
    db.session.commit()
    first = client.get("/api/epcis/events?perPage=2", headers=auth(world, "a"))
    link = first.headers["Link"]
    token = parse_qs(urlsplit(link[1 : link.index(">")]).query)["nextPageToken"][0]
    for bad in (token[:-3] + "abc", "eyJ9"):
        response = client.get(
            f"/api/epcis/events?perPage=2&nextPageToken={quote(bad)}", headers=auth(world, "a")
        )
        assert response.status_code == 400
        body = response.get_json()
        assert body["type"] == "epcisException:QueryParameterException"
        assert "nextPageToken" in body["detail"]
    # A token is no use for another query (here: one more filter).
    response = client.get(
        f"/api/epcis/events?perPage=2&EQ_action=ADD&nextPageToken={quote(token)}",
        headers=auth(world, "a"),
    )
    assert response.status_code == 400


def test_a_producer_finds_only_its_own_events(client, world):
    mine = save(make_event(epcList=[sgtin_urn("A")]), owner=world["a"])
    theirs = save(make_event(epcList=[sgtin_urn("A")], bizStep="receiving"), owner=world["b"])
    db.session.commit()
    url = "/api/epcis/events?MATCH_anyEPC=" + quote(f"https://id.gs1.org/01/{GTIN}/21/A")
    assert event_ids(client.get(url, headers=auth(world, "a"))) == [mine.event_id]
    assert event_ids(client.get(url, headers=auth(world, "b"))) == [theirs.event_id]
    assert set(event_ids(client.get(url, headers=auth(world, "staff")))) == {
        mine.event_id,
        theirs.event_id,
    }
    refused = client.get(url, headers=auth(world, "officer"))
    assert refused.status_code == 403
    assert refused.get_json()["type"] == "epcisException:SecurityException"


@pytest.mark.parametrize(
    ("query_string", "status", "kind"),
    [
        ("colour=red", 400, "QueryParameterException"),
        ("GE_eventTime=2026-11-02T08:00:00", 400, "QueryParameterException"),
        ("EQ_quantity=3", 501, "ImplementationException"),
    ],
)
def test_refused_parameters_are_problems(client, world, query_string, status, kind):
    response = client.get(f"/api/epcis/events?{query_string}", headers=auth(world, "a"))
    assert response.status_code == status
    body = response.get_json()
    assert body["type"] == f"epcisException:{kind}"
    assert body["status"] == status
    assert body["detail"]


def test_an_event_by_its_id_hash_or_uuid(client, world):
    hashed = save(make_event(epcList=[sgtin_urn("A")]), owner=world["a"])
    named = save(
        make_event(
            epcList=[sgtin_urn("B")], eventID="urn:uuid:0c9e0b2e-5a4f-4a7e-9b1d-2f0a1e3c4d5b"
        ),
        owner=world["a"],
    )
    db.session.commit()
    assert hashed.event_id.startswith("ni:///")
    for wanted in (hashed, named):
        url = "/api/epcis/events/" + quote(wanted.event_id, safe="")
        response = client.get(url, headers=auth(world, "a", Accept="application/ld+json"))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/ld+json"
        assert event_ids(response) == [wanted.event_id]
        assert client.get(url, headers=auth(world, "b")).status_code == 404
    missing = client.get(
        "/api/epcis/events/" + quote("urn:uuid:00000000-0000-4000-8000-000000000000", safe=""),
        headers=auth(world, "a"),
    )
    assert missing.status_code == 404
    assert missing.get_json()["type"] == "epcisException:NoSuchResourceException"


def test_event_types_and_their_events(client, world):
    obj = save(make_event(epcList=[sgtin_urn("A")]), owner=world["a"])
    save(
        make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
        | {"childEPCs": [sgtin_urn("C")]},
        owner=world["a"],
    )
    db.session.commit()
    listed = client.get("/api/epcis/eventTypes", headers=auth(world, "a")).get_json()
    assert "ObjectEvent" in listed["member"] and "AssociationEvent" in listed["member"]
    response = client.get("/api/epcis/eventTypes/ObjectEvent/events", headers=auth(world, "a"))
    assert event_ids(response) == [obj.event_id]
    unknown = client.get("/api/epcis/eventTypes/PartyEvent/events", headers=auth(world, "a"))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "epc",
    [sgtin_urn("C"), f"https://trace.example.vn/01/{GTIN}/21/C"],
)
def test_events_of_an_epc_in_any_form(client, world, epc):
    agg = save(
        make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
        | {"childEPCs": [sgtin_urn("C")]},
        owner=world["a"],
    )
    save(make_event(epcList=[sgtin_urn("D")]), owner=world["a"])
    db.session.commit()
    url = f"/api/epcis/epcs/{quote(epc, safe='')}/events"
    assert event_ids(client.get(url, headers=auth(world, "a"))) == [agg.event_id]


def test_named_queries_are_not_offered(client, world):
    response = client.get("/api/epcis/queries", headers=auth(world, "staff"))
    assert response.status_code == 501
    assert response.get_json()["type"] == "epcisException:ImplementationException"


def test_batch_and_product_exports(client, world):
    owner = world["users"]["a"]
    product = factories.product(world["a"], owner)
    batch = factories.batch(product, owner)
    lot = save(
        make_event(
            epcList=None,
            quantityList=[{"epcClass": identifiers.lgtin(product.gtin, batch.lot_code)}],
        ),
        owner=world["a"],
    )
    gtin_class = save(
        make_event(
            epcList=None, quantityList=[{"epcClass": f"https://id.gs1.org/01/{product.gtin}"}]
        ),
        owner=world["a"],
    )
    db.session.commit()
    response = client.get(f"/api/v1/batches/{batch.id}/epcis", headers=auth(world, "a"))
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition == f'attachment; filename="epcis-batch-{product.gtin}-{batch.lot_code}.jsonld"'
    )
    document = response.get_json(force=True)
    assert documents.validate(document) == []
    assert document["type"] == "EPCISDocument"
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == [lot.event_id]

    response = client.get(f"/api/v1/products/{product.id}/epcis", headers=auth(world, "a"))
    assert response.status_code == 200
    document = response.get_json(force=True)
    assert documents.validate(document) == []
    assert {e["eventID"] for e in document["epcisBody"]["eventList"]} == {
        lot.event_id,
        gtin_class.event_id,
    }
    # Another producer's batch: 404 in the normal API error shape; officers 403.
    other = client.get(f"/api/v1/batches/{batch.id}/epcis", headers=auth(world, "b"))
    assert other.status_code == 404
    assert set(other.get_json()) == {"code", "status", "message", "errors"}
    assert (
        client.get(
            f"/api/v1/products/{product.id}/epcis", headers=auth(world, "officer")
        ).status_code
        == 403
    )


def test_exports_refuse_unknown_query_parameters(client, world):
    owner = world["users"]["a"]
    batch = factories.batch(factories.product(world["a"], owner), owner)
    db.session.commit()
    response = client.get(f"/api/v1/batches/{batch.id}/epcis?format=xml", headers=auth(world, "a"))
    assert response.status_code == 422


def test_class_and_instance_forms_are_not_mixed(client, world):
    save(make_event(epcList=None, quantityList=[{"epcClass": lgtin_urn("L1")}]), owner=world["a"])
    db.session.commit()
    url = "/api/epcis/events?MATCH_anyEPC=" + quote(lgtin_urn("L1"))
    assert event_ids(client.get(url, headers=auth(world, "a"))) == []
    url = "/api/epcis/events?MATCH_epcClass=" + quote(lgtin_urn("L1"))
    assert len(event_ids(client.get(url, headers=auth(world, "a")))) == 1


def test_epcs_come_back_as_captured_or_as_digital_links_when_asked(client, world):
    captured = save(
        make_event(
            epcList=[sgtin_urn("A")],
            quantityList=[{"epcClass": lgtin_urn("L1"), "quantity": 2}],
            readPoint={"id": "urn:epc:id:sgln:8938501.00001.0"},
        ),
        owner=world["a"],
    )
    db.session.commit()
    url = "/api/epcis/events/" + quote(captured.event_id, safe="")

    def first(response) -> dict:
        assert event_ids(response) == [captured.event_id]
        return response.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]

    as_captured = client.get(url, headers=auth(world, "a"))
    assert as_captured.headers["GS1-EPC-Format"] == "Never_Translates"
    assert first(as_captured)["epcList"] == [sgtin_urn("A")]
    links = client.get(
        url, headers=auth(world, "a", **{"GS1-EPC-Format": "Always_GS1_Digital_Link"})
    )
    assert links.headers["GS1-EPC-Format"] == "Always_GS1_Digital_Link"
    event = first(links)
    assert event["epcList"] == [f"https://id.gs1.org/01/{GTIN}/21/A"]
    assert event["quantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/L1", "quantity": 2}
    ]
    assert event["readPoint"]["id"].startswith("https://id.gs1.org/414/")
    assert event["eventID"] == captured.event_id
    urns = client.get(
        "/api/epcis/events", headers=auth(world, "a", **{"GS1-EPC-Format": "Always_EPC_URN"})
    )
    assert urns.status_code == 406


def _valid_examples() -> list:
    from tests.traceability.events.test_capture_conformance import LABELS

    return sorted(path for path, valid in LABELS.items() if valid)


@pytest.mark.parametrize("path", _valid_examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_captured_examples_are_found_again_by_event_id_and_every_identifier(client, world, path):
    """GS1's and OpenEPCIS's valid documents, captured, then found by EQ_eventID, GET
    /events/{eventID}, MATCH_anyEPC (every instance identifier) and MATCH_anyEPCClass (every
    class), whatever form they were captured in."""
    from sqlalchemy import select

    from traceability.events.models import TraceEvent
    from traceability.events.store import CLASS_ROLES, listed_identifiers

    raw = path.read_bytes()
    single = json.loads(raw).get("type") not in ("EPCISDocument", "EPCISQueryDocument")
    url = "/api/epcis/events" if single else "/api/epcis/capture"
    posted = client.post(
        url, data=raw, content_type="application/ld+json", headers=auth(world, "staff")
    )
    assert posted.status_code in (201, 202), posted.get_data(as_text=True)[:500]
    rows = db.session.scalars(select(TraceEvent).order_by(TraceEvent.id)).all()
    assert rows
    for row in rows:
        found = client.get(
            "/api/epcis/events?EQ_eventID=" + quote(row.event_id, safe=""),
            headers=auth(world, "staff"),
        )
        assert row.event_id in event_ids(found)
        alone = client.get(
            "/api/epcis/events/" + quote(row.event_id, safe=""), headers=auth(world, "staff")
        )
        assert row.event_id in event_ids(alone)
        for role, identifier in listed_identifiers(row.document):
            name = "MATCH_anyEPCClass" if role in CLASS_ROLES else "MATCH_anyEPC"
            response = client.get(
                f"/api/epcis/events?{name}={quote(identifier, safe='')}&perPage=1000",
                headers=auth(world, "staff"),
            )
            assert row.event_id in event_ids(response), (name, identifier)
