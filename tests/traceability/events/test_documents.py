"""EPCISQueryDocument and EPCISDocument from stored events (traceability.events.documents).

Every document built here is checked against the EPCIS 2.0.1 JSON Schema read from
../shared/conformance (with format checks), independently of the copy the service vendors.
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import shared_path
from tests.traceability.events.test_query import lgtin_urn, make_event, save, sgtin_urn
from traceability.events import documents, identifiers, store, vocabulary
from traceability.events.models import TraceEvent
from traceability.stamps import jobs as stamp_jobs
from traceability.stamps.models import Stamp

EXAMPLE_NS = "http://ns.example.com/epcis/"


@pytest.fixture(scope="module")
def shared_schema() -> Draft7Validator:
    path = shared_path("conformance", "epcis", "schema", "epcis-json-schema-2.0.1.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def assert_valid(document: dict, shared_schema: Draft7Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in shared_schema.iter_errors(document)]
    assert errors == []
    assert documents.validate(document) == []


def varied_events() -> list[TraceEvent]:
    """One event of each kind, with a user extension under a captured prefix."""
    return [
        save(
            make_event(epcList=[sgtin_urn("A")], **{"example:myField": "x"}),
        ),
        save(
            make_event(type="AggregationEvent", action="ADD", parentID=sgtin_urn("P"), epcList=None)
            | {"childEPCs": [sgtin_urn("C")]}
        ),
        save(
            make_event(type="TransformationEvent", action=None, epcList=None, bizStep=None)
            | {
                "inputQuantityList": [{"epcClass": lgtin_urn("L1"), "quantity": 3, "uom": "KGM"}],
                "outputEPCList": [sgtin_urn("O")],
            }
        ),
        save(
            make_event(
                type="AssociationEvent",
                action="ADD",
                parentID="urn:epc:id:grai:4012345.55555.1",
                epcList=None,
            )
            | {"childEPCs": [sgtin_urn("D")]}
        ),
        save(
            make_event(type="TransactionEvent", action="ADD")
            | {
                "bizTransactionList": [
                    {"type": "po", "bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034"}
                ]
            }
        ),
    ]


def test_a_query_document_of_every_event_type_validates(app_ctx, shared_schema):
    events = varied_events()
    events[0].context = [{"example": EXAMPLE_NS}]
    document = documents.query_document(events)
    assert_valid(document, shared_schema)
    assert document["type"] == "EPCISQueryDocument"
    assert document["schemaVersion"] == "2.0"
    results = document["epcisBody"]["queryResults"]
    assert results["queryName"] == "SimpleEventQuery"
    listed = results["resultsBody"]["eventList"]
    assert [e["eventID"] for e in listed] == [e.event_id for e in events]
    assert all(e["recordTime"].endswith("Z") for e in listed)
    assert {"example": EXAMPLE_NS} in document["@context"]
    assert document["@context"][0] == documents.EPCIS_CONTEXT


def test_an_empty_answer_validates(app_ctx, shared_schema):
    assert_valid(documents.query_document([]), shared_schema)
    assert_valid(documents.epcis_document([]), shared_schema)


def test_contexts_are_merged_and_a_clashing_prefix_stays_with_its_event(app_ctx, shared_schema):
    one, two, three = (save(make_event(epcList=[sgtin_urn(s)])) for s in "ABC")
    one.context = [{"example": EXAMPLE_NS}]
    two.context = [{"example": "https://other.example.org/ns/"}]
    three.context = [{vocabulary.DNT_PREFIX: vocabulary.DNT_NS}, documents.EPCIS_CONTEXT]
    document = documents.epcis_document([one, two, three])
    assert_valid(document, shared_schema)
    assert document["@context"] == [
        documents.EPCIS_CONTEXT,
        {"example": EXAMPLE_NS, vocabulary.DNT_PREFIX: vocabulary.DNT_NS},
    ]
    listed = document["epcisBody"]["eventList"]
    assert "@context" not in listed[0] and "@context" not in listed[2]
    assert listed[1]["@context"] == [
        documents.EPCIS_CONTEXT,
        {"example": "https://other.example.org/ns/"},
    ]


def test_validate_really_checks_formats_and_structure(app_ctx):
    event = save(make_event(epcList=[sgtin_urn("A")]))
    document = documents.epcis_document([event])
    assert documents.validate(document) == []
    bad_date = document | {"creationDate": "2 November 2026"}
    assert any("creationDate" in e for e in documents.validate(bad_date))
    bad_event = json.loads(json.dumps(document))
    bad_event["epcisBody"]["eventList"][0]["eventTime"] = "2026-11-02 08:00"
    assert documents.validate(bad_event)
    missing = {k: v for k, v in document.items() if k != "@context"}
    assert documents.validate(missing)


def test_batch_document_holds_its_lot_and_stamp_events_only(app_ctx, shared_schema):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    other_batch = factories.batch(product, owner)
    order = factories.stamp_order(batch, owner, quantity=1)
    stamp_jobs.render_order(order.id)
    stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()
    by_lot = save(
        make_event(
            epcList=None,
            quantityList=[{"epcClass": identifiers.lgtin(product.gtin, batch.lot_code)}],
            eventTime="2026-11-02T08:00:00+07:00",
        )
    )
    by_stamp = save(
        make_event(
            epcList=[identifiers.sgtin(product.gtin, stamp.serial)],
            eventTime="2026-11-03T08:00:00+07:00",
        )
    )
    other = save(
        make_event(
            epcList=None,
            quantityList=[{"epcClass": identifiers.lgtin(product.gtin, other_batch.lot_code)}],
        )
    )
    document = documents.batch_document(batch)
    assert_valid(document, shared_schema)
    listed = [e["eventID"] for e in document["epcisBody"]["eventList"]]
    assert listed == [by_lot.event_id, by_stamp.event_id]  # oldest first
    product_listed = [
        e["eventID"] for e in documents.product_document(product)["epcisBody"]["eventList"]
    ]
    assert set(product_listed) == {by_lot.event_id, by_stamp.event_id, other.event_id}


def test_product_document_includes_the_gtin_class_and_leaves_out_other_products(
    app_ctx, shared_schema
):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    elsewhere = factories.product(producer, owner)
    gtin_class = save(
        make_event(
            epcList=None, quantityList=[{"epcClass": f"https://id.gs1.org/01/{product.gtin}"}]
        )
    )
    save(
        make_event(
            epcList=None, quantityList=[{"epcClass": f"https://id.gs1.org/01/{elsewhere.gtin}"}]
        )
    )
    document = documents.product_document(product)
    assert_valid(document, shared_schema)
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == [gtin_class.event_id]


def test_events_declared_erroneous_are_left_out_of_exports(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    batch = factories.batch(product, owner)
    lot = identifiers.lgtin(product.gtin, batch.lot_code)
    wrong = save(make_event(epcList=None, quantityList=[{"epcClass": lot}]))
    declaration = dict(wrong.document) | {
        "errorDeclaration": {"declarationTime": "2026-11-04T01:00:00Z", "reason": "incorrect_data"}
    }
    declaration.pop("recordTime")
    store.store_event(declaration, user=None, source="api")
    listed = documents.batch_document(batch)["epcisBody"]["eventList"]
    assert [e.get("errorDeclaration") is not None for e in listed] == [True]


def test_filenames_are_safe():
    assert documents.filename("batch", "08938501000019", "LOT/1 ä") == (
        "epcis-batch-08938501000019-LOT_1__.jsonld"
    )
