"""Plain steps become EPCIS 2.0 events with the right CBV values, valid by the 2.0.1 schema, and
are stored once (the hash is the eventID; recording the same step again stores nothing)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import func, select

from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from tests import factories
from tests.conftest import shared_path
from traceability.events import identifiers, recording
from traceability.events.models import TraceEvent
from traceability.events.vocabulary import CBV, DNT_NS

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(
        shared_path("conformance", "epcis", "schema", "epcis-json-schema-2.0.1.json").read_text(
            encoding="utf-8"
        )
    )
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(validator, event: dict) -> list[str]:
    document = {
        "@context": [EPCIS_CONTEXT, {"dnt": DNT_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T00:00:00.000Z",
        "epcisBody": {"eventList": [event]},
    }
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def world(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    site = factories.site(producer, owner, name="Vườn bưởi Tân Triều")
    batch = factories.batch(product, owner, site_id=site.id, produced_on=dt.date(2026, 11, 1))
    return producer, owner, product, site, batch


def data_for(step: str, site_id: int, **extra) -> dict:
    data = {
        "site_id": site_id,
        "gln": None,
        "at": dt.datetime(2026, 11, 5, 7, 30, tzinfo=VN),
        "offset": "+07:00",
        "quantity": Decimal("1200.5"),
        "unit": "kg",
        "note": "Đợt 1",
    }
    if step == "inspection":
        data |= {"certificate_standard": "VietGAP", "certificate_number": "VG-2026/015"}
    if step == "shipping":
        data |= {
            "destination_name": "Cửa hàng Nông sản Biên Hòa",
            "destination_ward": "26041",
            "destination_gln": "8935000000014",
        }
    if step == "receiving":
        data |= {"source_name": "HTX Tân Triều", "source_ward": "26188"}
    return data | extra


EXPECTED = {
    "harvest": ("ADD", "commissioning", "active"),
    "processing": ("ADD", "creating_class_instance", "active"),
    "packing": ("OBSERVE", "packing", "in_progress"),
    "inspection": ("OBSERVE", "inspecting", "conformant"),
    "shipping": ("OBSERVE", "shipping", "in_transit"),
    "receiving": ("OBSERVE", "receiving", "in_progress"),
}


def test_the_steps_are_the_contracts_in_order():
    assert list(recording.STEPS) == [
        "harvest",
        "processing",
        "packing",
        "inspection",
        "shipping",
        "receiving",
    ]
    assert set(EXPECTED) == set(recording.STEPS)


@pytest.mark.parametrize("step", list(EXPECTED))
def test_each_step_builds_a_schema_valid_event_with_its_cbv_values(world, validator, step):
    _producer, _owner, product, site, batch = world
    event = recording.build_event(step, data_for(step, site.id), batch)

    assert schema_errors(validator, event) == []
    action, biz_step, disposition = EXPECTED[step]
    assert (event["type"], event["action"]) == ("ObjectEvent", action)
    assert (event["bizStep"], event["disposition"]) == (biz_step, disposition)
    assert event["eventTime"] == "2026-11-05T07:30:00.000+07:00"
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert event["quantityList"] == [
        {
            "epcClass": identifiers.lgtin(product.gtin, batch.lot_code),
            "quantity": 1200.5,
            "uom": "KGM",
        }
    ]
    assert event["readPoint"] == {"id": identifiers.site(site.id)}
    assert event["dnt:note"] == "Đợt 1"
    assert "eventID" not in event


def test_the_validator_refuses_a_broken_event(world, validator):
    """The schema check above can fail: a step CBV 2.0 does not have is refused."""
    _p, _o, _product, site, batch = world
    event = recording.build_event("packing", data_for("packing", site.id), batch)
    assert schema_errors(validator, event | {"bizStep": "transforming"})
    assert schema_errors(validator, event | {"eventTime": "2026-13-05T07:30:00+07:00"})


def test_shipping_names_where_the_goods_go_readably_and_by_gln(world):
    _p, _o, _product, site, batch = world
    event = recording.build_event("shipping", data_for("shipping", site.id), batch)
    assert "bizLocation" not in event  # in transit: nowhere yet
    assert event["sourceList"] == [{"type": "location", "source": identifiers.site(site.id)}]
    assert event["destinationList"] == [
        {"type": "location", "destination": identifiers.gln("8935000000014")}
    ]
    assert event["dnt:destinationName"] == "Cửa hàng Nông sản Biên Hòa"
    assert event["dnt:destinationWard"] == "26041"


def test_receiving_names_where_the_goods_came_from(world):
    _p, _o, _product, site, batch = world
    event = recording.build_event("receiving", data_for("receiving", site.id), batch)
    assert event["bizLocation"] == {"id": identifiers.site(site.id)}
    assert event["destinationList"] == [
        {"type": "location", "destination": identifiers.site(site.id)}
    ]
    assert (event["dnt:sourceName"], event["dnt:sourceWard"]) == ("HTX Tân Triều", "26188")


def test_inspection_carries_its_certificate_in_certification_info_and_readably(world):
    _p, _o, _product, site, batch = world
    data = data_for("inspection", site.id, certificate_standard="Organic (TCVN 11041)")
    event = recording.build_event("inspection", data, batch)
    assert event["certificationInfo"] == (
        "urn:dongnai-trace:certificate:Organic%20%28TCVN%2011041%29:VG-2026%2F015"
    )
    assert event["dnt:certificateStandard"] == "Organic (TCVN 11041)"
    assert event["dnt:certificateNumber"] == "VG-2026/015"


def test_a_gln_place_and_a_quantity_without_unit_code(world, validator):
    _p, _o, product, _site, batch = world
    data = data_for("packing", None, gln="8935000000014", quantity=Decimal("3"), unit="hop")
    event = recording.build_event("packing", data, batch)
    assert event["readPoint"] == {"id": identifiers.gln("8935000000014")}
    assert event["quantityList"][0]["quantity"] == 3
    assert event["quantityList"][0]["uom"] == "BX"
    bare = recording.build_event("packing", data | {"quantity": None}, batch)
    assert bare["quantityList"] == [{"epcClass": identifiers.lgtin(product.gtin, batch.lot_code)}]
    assert schema_errors(validator, event) == schema_errors(validator, bare) == []


def test_recording_stores_the_event_with_its_hash_as_id_once(world):
    producer, owner, _product, site, batch = world
    stored = recording.record("harvest", data_for("harvest", site.id), batch, owner)
    assert stored.created
    row = stored.event
    assert row.event_hash.startswith("ni:///sha-256;") and row.event_hash.endswith("?ver=CBV2.0")
    assert row.event_id == row.event_hash == row.document["eventID"]
    assert row.biz_step == CBV + "BizStep-commissioning"
    assert row.producer_id == producer.id
    assert row.recorded_by_id == owner.id
    assert row.source == "page"
    assert row.context == recording.CONTEXT
    assert {i.batch_id for i in row.identifiers} == {batch.id}

    again = recording.record("harvest", data_for("harvest", site.id), batch, owner)
    assert not again.created and again.event.id == row.id
    assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == 1

    other_time = data_for("harvest", site.id, at=dt.datetime(2026, 11, 5, 8, 0, tzinfo=VN))
    assert recording.record("harvest", other_time, batch, owner).created


def test_recording_keeps_the_batch_first_event_and_shipping(world):
    _p, owner, _product, site, batch = world
    recording.record("harvest", data_for("harvest", site.id), batch, owner)
    db.session.refresh(batch)
    assert batch.first_event_at == dt.datetime(2026, 11, 5, 0, 30, tzinfo=dt.UTC)
    assert batch.shipped_at is None
    later = dt.datetime(2026, 11, 8, 14, 0, tzinfo=VN)
    recording.record("shipping", data_for("shipping", site.id, at=later), batch, owner)
    db.session.refresh(batch)
    assert batch.shipped_at == later


def _refusals(step, data, batch, actor) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        recording.record(step, data, batch, actor)
    return caught.value.errors


def test_refusals_name_their_field(world):
    _p, owner, _product, site, batch = world
    other, other_user = factories.producer()
    foreign = factories.site(other, other_user)
    now = dt.datetime.now(dt.UTC)
    cases = [
        ("packing", {"at": now + dt.timedelta(hours=1)}, "on"),
        ("packing", {"at": dt.datetime(2026, 10, 31, 23, 0, tzinfo=VN)}, "on"),
        ("packing", {"site_id": None}, "site_id"),
        ("packing", {"gln": "8935000000014"}, "site_id"),  # both a site and a GLN
        ("packing", {"site_id": None, "gln": "8935000000013"}, "gln"),  # check digit
        ("packing", {"site_id": foreign.id}, "site_id"),
        ("packing", {"quantity": Decimal("0")}, "quantity"),
        ("packing", {"unit": None}, "unit"),
        ("inspection", {"certificate_standard": ""}, "certificate_standard"),
        ("shipping", {"destination_name": ""}, "destination_name"),
        ("shipping", {"destination_ward": "99999"}, "destination_ward"),
        ("receiving", {"source_name": ""}, "source_name"),
        ("bottling", {}, "step"),
    ]
    for step, change, field in cases:
        errors = _refusals(step, data_for(step, site.id) | change, batch, owner)
        assert field in errors, (step, change, errors)
    assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == 0


def test_an_event_a_few_minutes_ahead_is_accepted(world):
    """A phone's clock a little fast is not a mistake; an hour ahead is (above)."""
    _p, owner, _product, site, batch = world
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
    assert recording.record("packing", data_for("packing", site.id, at=soon), batch, owner)


def test_another_producer_may_not_record_on_the_batch(world):
    _p, _owner, _product, site, batch = world
    _other, other_user = factories.producer()
    with pytest.raises(Forbidden):
        recording.record("packing", data_for("packing", site.id), batch, other_user)
    assert recording.record("packing", data_for("packing", site.id), batch, factories.staff())


def test_units_by_code_or_word():
    assert recording.parse_unit("Tấn") == "tan"
    assert recording.parse_unit("lít") == "lit"
    assert recording.parse_unit(" kg ") == "kg"
    assert recording.parse_unit("") is None
    assert {code: uom for code, (uom, _label) in recording.UNITS.items()}["cai"] == "H87"
    with pytest.raises(ValueError):
        recording.parse_unit("thúng mủng")
