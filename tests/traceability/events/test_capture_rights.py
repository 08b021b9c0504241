"""A producer's token captures events about its own products, sites and GLNs only; staff any.

Decision: an event that names another producer's GTIN, or a place that is not the producer's, is
refused like an invalid event, with the EPCIS SecurityException type: 403 when the rights are all
that is wrong (400 ValidationException when the document is also invalid), the path of the
identifier in `instance`, nothing stored under `rollback`; under `proceed` the producer's own
events are stored and the others listed in the job.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from traceability.events import identifiers
from traceability.events.models import TraceEvent
from traceability.gs1.gtin import check_digit

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PREFIX = "8938501"  # the factories' products' GS1 company prefix


def gln(body12: str) -> str:
    return body12 + str(check_digit(body12))


class World:
    def __init__(self):
        self.gln = gln("893850100001")
        self.a, self.a_user = factories.producer(gln=self.gln, gs1_company_prefix="8930777")
        self.b, self.b_user = factories.producer()
        self.a_product = factories.product(self.a, self.a_user)
        self.b_product = factories.product(self.b, self.b_user)
        self.a_site = factories.site(self.a, self.a_user)
        self.b_site = factories.site(self.b, self.b_user)
        self.a_token = factories.token(self.a_user)
        self.b_token = factories.token(self.b_user)
        self.staff_token = factories.token(factories.staff())
        db.session.commit()


@pytest.fixture
def world(app_ctx):
    return World()


def event(epc: str, place: str, **fields) -> dict:
    body = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [epc],
        "bizStep": "packing",
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    body.update(fields)
    return body


def document(*events) -> dict:
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-02T09:00:00.000+07:00",
        "epcisBody": {"eventList": list(events)},
    }


def item(product, serial: str = "S1") -> str:
    return identifiers.sgtin(product.gtin, serial)


def item_urn(product, serial: str) -> str:
    gtin = product.gtin
    return f"urn:epc:id:sgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{serial}"


def capture(client, token, doc, **headers):
    headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/epcis/capture", json=doc, headers=headers)


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(TraceEvent))


def test_a_producer_captures_its_own_events(client, world):
    site = identifiers.site(world.a_site.id)
    doc = document(
        event(item(world.a_product), site),
        event(item_urn(world.a_product, "S2"), site),
        event(item(world.a_product, "S3"), identifiers.gln(world.gln)),
        event(item(world.a_product, "S4"), f"urn:epc:id:sgln:{world.gln[:7]}.{world.gln[7:12]}.0"),
        # a GLN under the producer's own GS1 company prefix
        event(item(world.a_product, "S5"), identifiers.gln(gln("893077700012"))),
        event(
            "urn:epc:id:sscc:0614141.1234567890",  # no GTIN: nobody's product
            site,
            quantityList=[
                {"epcClass": identifiers.lgtin(world.a_product.gtin, "L1"), "quantity": 5}
            ],
        ),
    )
    response = capture(client, world.a_token, doc)
    assert response.status_code == 202, response.get_json()
    rows = db.session.scalars(select(TraceEvent)).all()
    assert len(rows) == 6
    assert {row.producer_id for row in rows} == {world.a.id}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda w, e: e.update(epcList=[item(w.b_product)]), "/epcList/0"),
        (lambda w, e: e.update(epcList=[item_urn(w.b_product, "S9")]), "/epcList/0"),
        (
            lambda w, e: e.update(
                quantityList=[{"epcClass": identifiers.lgtin(w.b_product.gtin, "L"), "quantity": 1}]
            ),
            "/quantityList/0/epcClass",
        ),
        (lambda w, e: e.update(readPoint={"id": identifiers.site(w.b_site.id)}), "/readPoint/id"),
        (lambda w, e: e.update(bizLocation={"id": "https://example.com/farm"}), "/bizLocation/id"),
        (
            lambda w, e: e.update(bizLocation={"id": identifiers.gln(gln("893850199999"))}),
            "/bizLocation/id",
        ),
    ],
)
def test_a_producer_is_refused_what_is_not_its_own(client, world, change, where):
    mine = event(item(world.a_product), identifiers.site(world.a_site.id))
    theirs = event(item(world.a_product, "S2"), identifiers.site(world.a_site.id))
    change(world, theirs)
    response = capture(client, world.a_token, document(mine, theirs))
    body = response.get_json()
    assert response.status_code == 403, body
    assert body["type"] == "epcisException:SecurityException"
    assert body["instance"] == "/epcisBody/eventList/1" + where
    assert body["detail"]
    assert count_events() == 0
    # Staff may capture the same document (an import from another system).
    assert capture(client, world.staff_token, document(mine, theirs)).status_code == 202
    assert count_events() == 2


def test_a_parent_id_of_another_producer_is_refused(client, world):
    site = identifiers.site(world.a_site.id)
    aggregation = event(item(world.a_product), site, type="AggregationEvent", action="ADD")
    aggregation["childEPCs"] = aggregation.pop("epcList")
    aggregation["parentID"] = item(world.b_product, "CASE1")
    response = capture(client, world.a_token, document(aggregation))
    assert response.status_code == 403
    assert response.json["instance"] == "/epcisBody/eventList/0/parentID"


def test_staff_imports_are_owned_by_the_gtins_producer(client, world):
    doc = document(event(item(world.b_product), identifiers.site(world.b_site.id)))
    assert capture(client, world.staff_token, doc).status_code == 202
    assert db.session.scalars(select(TraceEvent.producer_id)).all() == [world.b.id]


def test_an_invalid_document_is_a_validation_problem_first(client, world):
    bad = event(item(world.b_product), identifiers.site(world.a_site.id), bizStep="harvesting")
    response = capture(client, world.a_token, document(bad))
    assert response.status_code == 400
    assert response.json["type"] == "epcisException:ValidationException"
    assert response.json["instance"] == "/epcisBody/eventList/0/bizStep"


def test_proceed_stores_the_producers_own_events(client, world):
    site = identifiers.site(world.a_site.id)
    doc = document(event(item(world.a_product), site), event(item(world.b_product), site))
    response = capture(client, world.a_token, doc, **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202
    job = client.get(
        response.headers["Location"], headers={"Authorization": f"Bearer {world.a_token}"}
    ).get_json()
    assert job["success"] is False and job["storedCount"] == 1
    assert [(e["type"], e["instance"]) for e in job["errors"]] == [
        ("epcisException:SecurityException", "/epcisBody/eventList/1/epcList/0")
    ]
    assert count_events() == 1


def test_post_events_checks_the_rights_too(client, world):
    site = identifiers.site(world.a_site.id)
    single = {"@context": CONTEXT, **event(item(world.b_product), site)}
    headers = {"Authorization": f"Bearer {world.a_token}"}
    response = client.post("/api/epcis/events", json=single, headers=headers)
    assert response.status_code == 403
    assert response.json["instance"] == "/epcList/0"
    single["epcList"] = [item(world.a_product)]
    assert client.post("/api/epcis/events", json=single, headers=headers).status_code == 201


def test_capture_jobs_are_the_producers_own(client, world):
    site = identifiers.site(world.a_site.id)
    response = capture(client, world.a_token, document(event(item(world.a_product), site)))
    location = response.headers["Location"]
    captured = location.rsplit("/", 1)[1]

    def get(url, token):
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    assert get(location, world.a_token).status_code == 200
    assert get(location, world.staff_token).status_code == 200
    other = get(location, world.b_token)
    assert other.status_code == 404
    assert other.json["type"] == "epcisException:NoSuchResourceException"
    assert [j["captureID"] for j in get("/api/epcis/capture", world.a_token).json] == [captured]
    assert get("/api/epcis/capture", world.b_token).json == []
    assert captured in [j["captureID"] for j in get("/api/epcis/capture", world.staff_token).json]
