"""What the origin log records, through the real pages, API and services: one leaf per new trace
event from every source (none for a duplicate), a chain of leaves for each published product's
public data (none for drafts or edits that change nothing public), one leaf per stamp order (its
range, count and the serials' hash, not the serials); and a change and its leaf are committed
together or not at all, seen from a fresh connection to a database of its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from core.wards.services import load_wards
from tests import factories
from tests.conftest import Client, make_test_app
from traceability.events import hashing, identifiers, recording, store
from traceability.events.models import TraceEvent
from traceability.ledger import hooks, records
from traceability.ledger.models import LedgerEntry, LedgerKind
from traceability.registry import services
from traceability.registry.models import IpKind, IpStatus, Product
from traceability.stamps.models import Stamp, StampOrder

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
VN = dt.timezone(dt.timedelta(hours=7))
SITE_NAME = "Vườn bưởi Tân Triều"
CSV = (
    "Step;Date;Time;Site;Quantity;Unit;Destination_Name;Note\r\n"
    f"Thu hoạch;05/11/2026;07:30;{SITE_NAME};1.200;kg;;Hái đợt 1\r\n"
    f"Xuất hàng;08/11/2026;14:00;{SITE_NAME};500;kg;Cửa hàng A;\r\n"
)
BAD_CSV = CSV + f"Đóng gói;31/02/2026;09:00;{SITE_NAME};10;kg;;\r\n"
ORDER = {"quantity": "3", "kind": "sheet", "rows": "4", "cols": "3", "size_mm": "30"}


class World:
    """A verified producer with a published product, a site and a batch; a staff member.

    What the tests use is also kept as plain values, read before the commit expires the rows:
    on a database of its own a test must not hold a transaction open while it sends requests.
    """

    def __init__(self):
        self.producer, self.owner = factories.producer()
        self.product = factories.published_product(self.producer, self.owner)
        self.site = factories.site(self.producer, self.owner, name=SITE_NAME)
        self.batch = factories.batch(
            self.product, self.owner, site_id=self.site.id, produced_on=dt.date(2026, 11, 1)
        )
        self.staff = factories.staff()
        self.staff_token = factories.token(self.staff)
        self.ids = {"producer": self.producer.id, "owner": self.owner.id, "site": self.site.id}
        self.batch_id, self.product_id = self.batch.id, self.product.id
        self.owner_email, self.staff_email = self.owner.email, self.staff.email
        self.lot = identifiers.lgtin(self.product.gtin, self.batch.lot_code)
        db.session.commit()

    def event(self, hour: int = 8, **fields) -> dict:
        body = {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "eventTime": f"2026-11-10T{hour:02d}:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "quantityList": [{"epcClass": self.lot, "quantity": 10, "uom": "KGM"}],
            "bizStep": "inspecting",
            "disposition": "conformant",
            "readPoint": {"id": identifiers.site(self.ids["site"])},
        }
        return body | fields

    def step(self, hour: int = 8) -> dict:
        return {
            "step": "packing",
            "site_id": str(self.ids["site"]),
            "gln": "",
            "on": "2026-11-05",
            "time": f"{hour:02d}:30",
            "quantity": "12",
            "unit": "kg",
            "note": "Đợt 1",
        }


@pytest.fixture
def world(app_ctx):
    return World()


def document(*events) -> dict:
    return {
        "@context": [CONTEXT, {"ex": "https://example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-10T09:00:00.000+07:00",
        "epcisBody": {"eventList": list(events)},
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def entries(kind: str | None = None, **where) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).order_by(LedgerEntry.id)
    if kind is not None:
        stmt = stmt.where(LedgerEntry.kind == kind)
    for column, value in where.items():
        stmt = stmt.where(getattr(LedgerEntry, column) == value)
    return list(db.session.scalars(stmt))


def record_of(entry: LedgerEntry) -> dict:
    return json.loads(entry.record)


def events() -> list[TraceEvent]:
    return list(db.session.scalars(select(TraceEvent).order_by(TraceEvent.id)))


def assert_one_leaf_per_event(stored: list[TraceEvent]) -> None:
    """Each event has exactly one leaf, which names it and holds its event hash."""
    leaves = entries(LedgerKind.TRACE_EVENT)
    assert sorted(e.event_pk for e in leaves) == sorted(e.id for e in stored)
    by_event = {e.event_pk: e for e in leaves}
    for event in stored:
        leaf = by_event[event.id]
        record = record_of(leaf)
        assert record["type"] == "trace_event" and record["v"] == 1
        assert record["content_hash"] == event.event_hash
        assert record["subject"] == {"event_id": event.event_id}
        assert leaf.leaf_hash == hashlib.sha256(b"\x00" + leaf.record.encode()).hexdigest()
        assert leaf.leaf_index is None  # sequenced after commit, by the sequencer
        assert leaf.content is None  # the event's content is its row in trace_events


# --- trace events: every source, one leaf per new event --------------------------------------


def test_recording_a_step_on_the_batch_page_appends_one_leaf(client, world):
    client.login(world.owner.email, factories.PASSWORD)
    url = f"/batches/{world.batch.id}"
    response = client.submit(f"{url}/events", world.step(), token_from=url)
    assert response.status_code == 302
    assert len(events()) == 1
    assert_one_leaf_per_event(events())
    assert entries(LedgerKind.TRACE_EVENT)[0].batch_id == world.batch.id

    again = client.submit(f"{url}/events", world.step(), token_from=url)
    assert again.status_code == 302
    assert len(events()) == 1 and len(entries(LedgerKind.TRACE_EVENT)) == 1


def test_a_refused_step_appends_nothing(client, world):
    client.login(world.owner.email, factories.PASSWORD)
    url = f"/batches/{world.batch.id}"
    response = client.submit(f"{url}/events", world.step() | {"on": "2026-10-01"}, token_from=url)
    assert response.status_code == 200  # before the batch's production date: refused
    assert events() == [] and entries(LedgerKind.TRACE_EVENT) == []


def upload(client, world, text: str, **fields):
    url = f"/batches/{world.batch.id}"
    data = {"csrf_token": client.csrf_token(url), **fields}
    data["file"] = (io.BytesIO(("\ufeff" + text).encode()), "steps.csv")
    return client.post(f"{url}/events/import", data=data, content_type="multipart/form-data")


def test_a_csv_upload_appends_one_leaf_per_new_row_and_nothing_when_refused(client, world):
    client.login(world.owner.email, factories.PASSWORD)
    assert upload(client, world, BAD_CSV).status_code == 200
    assert events() == [] and entries(LedgerKind.TRACE_EVENT) == []

    assert upload(client, world, CSV).status_code == 200
    assert len(events()) == 2
    assert_one_leaf_per_event(events())

    assert upload(client, world, CSV).status_code == 200  # the same file again
    assert len(events()) == 2 and len(entries(LedgerKind.TRACE_EVENT)) == 2


def test_epcis_capture_appends_one_leaf_per_new_event(client, world):
    first, second = world.event(8), world.event(9)
    doc = document(first, second, first)  # repeated within the document: stored once
    response = client.post("/api/epcis/capture", json=doc, headers=bearer(world.staff_token))
    assert response.status_code == 202, response.get_json()
    assert len(events()) == 2
    assert_one_leaf_per_event(events())
    assert {e.batch_id for e in entries(LedgerKind.TRACE_EVENT)} == {world.batch.id}

    again = document(first, second, world.event(10))  # two duplicates, one new
    response = client.post("/api/epcis/capture", json=again, headers=bearer(world.staff_token))
    assert response.status_code == 202
    assert len(events()) == 3
    assert_one_leaf_per_event(events())


def test_a_refused_capture_appends_nothing(client, world):
    bad = world.event(9, eventTime="yesterday")
    doc = document(world.event(8), bad)
    response = client.post("/api/epcis/capture", json=doc, headers=bearer(world.staff_token))
    assert response.status_code == 400
    assert events() == [] and entries(LedgerKind.TRACE_EVENT) == []


def test_posting_one_event_appends_one_leaf_and_a_duplicate_none(client, world):
    body = world.event(8) | {"@context": [CONTEXT]}
    response = client.post("/api/epcis/events", json=body, headers=bearer(world.staff_token))
    assert response.status_code == 201, response.get_json()
    assert_one_leaf_per_event(events())
    response = client.post("/api/epcis/events", json=body, headers=bearer(world.staff_token))
    assert response.status_code == 409
    assert len(entries(LedgerKind.TRACE_EVENT)) == 1


def test_store_event_appends_one_leaf_in_its_transaction(world):
    stored = store.store_event(world.event(8), user=world.owner, source="test")
    assert stored.created
    # Flushed, not committed: the leaf is in the session's transaction beside the event.
    assert_one_leaf_per_event(events())
    again = store.store_event(world.event(8), user=world.owner, source="test")
    assert not again.created and again.pk == stored.pk
    assert len(entries(LedgerKind.TRACE_EVENT)) == 1
    db.session.rollback()
    assert events() == [] and entries(LedgerKind.TRACE_EVENT) == []


def test_the_content_hash_is_recomputed_from_the_stored_document(world):
    """Anyone holding the stored document and its context gets the leaf's content hash back:
    the hash leaves out what storing adds (eventID, recordTime)."""
    data = {
        "site_id": world.site.id,
        "at": dt.datetime(2026, 11, 6, 9, 0, tzinfo=VN),
        "quantity": 3,
        "unit": "hop",
        "note": "Đợt 2",
    }
    recording.record("packing", data, world.batch, world.owner)
    (event,) = events()
    (leaf,) = entries(LedgerKind.TRACE_EVENT)
    document = event.document
    assert {"eventID", "recordTime"} <= set(document)  # added when it was stored
    assert hashing.event_hash(document, event.context) == record_of(leaf)["content_hash"]
    assert event.context == recording.CONTEXT
    bare = {k: v for k, v in document.items() if k not in ("eventID", "recordTime")}
    assert hashing.event_hash(bare, event.context) == event.event_hash


def test_what_the_event_hash_leaves_out_and_what_it_covers(world):
    """CBV 2.0 §8.9: eventID, recordTime, errorDeclaration and comments are not hashed; the
    event's content and its extensions' namespaces (from the context) are."""
    stored = store.store_event(world.event(8), user=world.owner, source="test")
    document, context = stored.event.document, stored.event.context
    digest = hashing.event_hash(document, context or None)
    assert digest == stored.event.event_hash
    left_out = [
        {"eventID": "urn:uuid:00000000-0000-4000-8000-000000000000"},
        {"recordTime": "2030-01-01T00:00:00.000Z"},
        {"errorDeclaration": {"declarationTime": "2026-11-11T00:00:00.000Z"}},
        {"rdfs:comment": "checked twice"},
    ]
    for change in left_out:
        assert hashing.event_hash(document | change, context or None) == digest, change
    covered = [
        {"eventTime": "2026-11-10T08:00:00.001+07:00"},
        {"bizStep": "shipping"},
        {"quantityList": [{"epcClass": world.lot, "quantity": 11, "uom": "KGM"}]},
        {"ex:colour": "green"},
    ]
    for change in covered:
        assert hashing.event_hash(document | change, [{"ex": "urn:x:"}]) != digest, change
    # An extension is hashed with its namespace: the same word in two vocabularies differs.
    noted = document | {"ex:colour": "green"}
    assert hashing.event_hash(noted, [{"ex": "urn:x:"}]) != hashing.event_hash(
        noted, [{"ex": "urn:y:"}]
    )


def test_an_error_declaration_refers_to_the_declared_events_leaf(world):
    stored = store.store_event(world.event(8), user=world.owner, source="test")
    db.session.commit()
    (declared,) = entries(LedgerKind.TRACE_EVENT)
    declaration = {k: v for k, v in stored.event.document.items() if k != "recordTime"}
    declaration["errorDeclaration"] = {
        "declarationTime": "2026-11-11T08:00:00.000+07:00",
        "reason": "incorrect_data",
    }
    made = store.store_event(declaration, user=world.owner, source="test")
    assert made.created
    leaf = entries(LedgerKind.TRACE_EVENT, event_pk=made.pk)[0]
    record = record_of(leaf)
    assert record["refers_to"] == [declared.leaf_hash]
    # The hash leaves errorDeclaration out: the declaration restates the event it corrects.
    assert record["content_hash"] == record_of(declared)["content_hash"]
    assert "refers_to" not in record_of(declared)  # the old leaf is not changed
    again = store.store_event(declaration, user=world.owner, source="test")
    assert not again.created and len(entries(LedgerKind.TRACE_EVENT)) == 2


def test_an_error_declaration_captured_with_its_event_refers_to_it(client, world):
    """In one document the declared event's leaf is new too: the declaration still names it."""
    event = world.event(8) | {"eventID": "urn:uuid:3f1e2a44-9b1c-4c55-8d0e-2a7c1b9e6f01"}
    declaration = event | {
        "errorDeclaration": {
            "declarationTime": "2026-11-11T08:00:00.000+07:00",
            "reason": "incorrect_data",
        }
    }
    doc = document(event, declaration)
    response = client.post("/api/epcis/capture", json=doc, headers=bearer(world.staff_token))
    assert response.status_code == 202, response.get_json()
    first, second = events()
    leaves = {e.event_pk: e for e in entries(LedgerKind.TRACE_EVENT)}
    assert second.erroneous and first.erroneous  # the event is declared erroneous
    assert record_of(leaves[second.id])["refers_to"] == [leaves[first.id].leaf_hash]
    assert "refers_to" not in record_of(leaves[first.id])


# --- products' public data ---------------------------------------------------------------------


def product_leaves(product: Product) -> list[LedgerEntry]:
    return entries(LedgerKind.PRODUCT, product_id=product.id)


def assert_chain(leaves: list[LedgerEntry]) -> None:
    """Each leaf refers to the product's previous one; each holds the hash of its content."""
    assert "refers_to" not in record_of(leaves[0])
    for previous, leaf in itertools.pairwise(leaves):
        assert record_of(leaf)["refers_to"] == [previous.leaf_hash]
    for leaf in leaves:
        assert record_of(leaf)["content_hash"] == records.content_hash(leaf.content)
        assert record_of(leaf)["subject"] == {"gtin": leaf.content["gtin"]}


def test_a_product_is_recorded_from_the_day_it_is_verified(client, app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    services.update_product(product, {"name": "Bưởi da xanh loại 1"}, owner)
    services.submit_product(product, owner)
    staff = factories.staff()
    db.session.commit()
    assert product_leaves(product) == []  # drafts and submitted products are not public

    client.login(staff.email, factories.PASSWORD)
    response = client.submit(f"/staff/products/{product.id}/verify", token_from="/staff/review")
    assert response.status_code == 302
    (leaf,) = product_leaves(product)
    db.session.expire_all()
    assert leaf.content == hooks.product_public_data(db.session.get(Product, product.id))
    assert leaf.content["published"] is True and leaf.content["name"] == "Bưởi da xanh loại 1"
    assert_chain([leaf])


def edit_form(product: Product, **change) -> dict:
    """The product edit form as the page fills it, with `change` typed in."""
    day = lambda d: d.isoformat() if d else ""  # noqa: E731
    data = {
        "gtin": product.gtin,
        "name": product.name,
        "description": product.description,
        "category": product.category.value,
        "ocop_group": product.ocop_group.value if product.ocop_group else "",
        "ocop_stars": str(product.ocop_stars or ""),
        "ocop_certificate_no": product.ocop_certificate_no,
        "ocop_decision_no": product.ocop_decision_no,
        "ocop_valid_from": day(product.ocop_valid_from),
        "ocop_valid_to": day(product.ocop_valid_to),
        "standards": [],
        "other_standards": ", ".join(product.standards),
        "ip_status": product.ip_status.value,
        "ip_kind": product.ip_kind.value if product.ip_kind else "",
        "ip_number": product.ip_number,
    }
    return data | change


def test_edits_on_the_product_page_append_a_leaf_only_when_public_data_changes(client, app_ctx):
    producer, owner = factories.producer()
    product = factories.ocop_product(producer, owner)
    services.submit_product(product, owner)
    services.verify_product(product, factories.staff())
    db.session.commit()
    assert len(product_leaves(product)) == 1
    client.login(owner.email, factories.PASSWORD)
    url = f"/products/{product.id}/edit"

    def save(**change):
        current = db.session.get(Product, product.id)
        db.session.refresh(current)
        response = client.submit(url, edit_form(current, **change), token_from=url)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        db.session.expire_all()

    save()  # saved unchanged
    save(description="Bưởi ngọt, ít hạt")  # not part of the public data the log keeps
    assert len(product_leaves(product)) == 1

    save(ocop_certificate_no="99/OCOP-ĐN", ocop_stars="5")
    save(standards=["VietGAP"], other_standards="TCVN 12345:2018")
    save(ip_status="protected", ip_kind="trademark", ip_number="4-0123456")
    leaves = product_leaves(product)
    assert len(leaves) == 4
    assert_chain(leaves)
    assert (leaves[1].content["ocop"]["certificate_no"], leaves[1].content["ocop"]["stars"]) == (
        "99/OCOP-ĐN",
        5,
    )
    assert leaves[2].content["standards"] == ["VietGAP", "TCVN 12345:2018"]
    assert leaves[3].content["ip"] == {
        "status": "protected",
        "kind": "trademark",
        "number": "4-0123456",
    }


def test_portal_state_withdrawal_and_unpublishing_are_links_of_the_chain(client, world):
    product, staff = world.product, world.staff
    client.login(staff.email, factories.PASSWORD)
    url = f"/staff/products/{product.id}/portal"
    form = {"portal_state": "listed", "portal_reference": "NTP-2026-0042", "portal_state_on": ""}
    assert client.submit(url, form, token_from=url).status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    client.login(world.owner.email, factories.PASSWORD)
    detail = f"/products/{product.id}"
    assert client.submit(f"{detail}/withdraw", token_from=detail).status_code == 302
    assert client.submit(f"{detail}/restore", token_from=detail).status_code == 302
    db.session.expire_all()
    current = db.session.get(Product, product.id)
    services.reject_product(current, "Nhãn sai tên sản phẩm", staff)  # unpublished
    db.session.flush()
    services.update_product(current, {"name": "Tên mới khi chưa công bố"}, world.owner)
    services.submit_product(current, world.owner)
    db.session.flush()

    leaves = product_leaves(product)
    assert [leaf.content["portal"]["state"] for leaf in leaves] == ["not_submitted"] + [
        "listed"
    ] * 4
    assert leaves[1].content["portal"]["reference"] == "NTP-2026-0042"
    assert [leaf.content["withdrawn"] for leaf in leaves] == [False, False, True, False, False]
    assert [leaf.content["published"] for leaf in leaves] == [True, True, True, True, False]
    assert leaves[-1].content["review_state"] == "rejected"
    assert_chain(leaves)

    services.verify_product(current, staff)  # published again: the chain goes on
    db.session.flush()
    leaves = product_leaves(product)
    assert len(leaves) == 6 and leaves[-1].content["name"] == "Tên mới khi chưa công bố"
    assert_chain(leaves)


def test_the_json_api_records_product_changes_too(client, world):
    owner_token = factories.token(world.owner)
    draft = factories.product(world.producer, world.owner)
    db.session.commit()
    url = "/api/v1/products/{}"
    response = client.patch(
        url.format(draft.id), json={"name": "Nháp"}, headers=bearer(owner_token)
    )
    assert response.status_code == 200, response.get_json()
    assert product_leaves(draft) == []
    response = client.patch(
        url.format(world.product_id), json={"name": "Bưởi Tân Triều"}, headers=bearer(owner_token)
    )
    assert response.status_code == 200, response.get_json()
    # (Not "submitted": that needs the ten portal items, which this product lacks.)
    portal = {"portal_state": "rejected", "portal_reference": "", "portal_state_on": None}
    response = client.put(
        url.format(world.product_id) + "/portal", json=portal, headers=bearer(world.staff_token)
    )
    assert response.status_code == 200, response.get_json()
    leaves = product_leaves(world.product)
    assert [(leaf.content["name"], leaf.content["portal"]["state"]) for leaf in leaves] == [
        (leaves[0].content["name"], "not_submitted"),
        ("Bưởi Tân Triều", "not_submitted"),
        ("Bưởi Tân Triều", "rejected"),
    ]
    assert_chain(leaves)


def test_a_change_of_the_producers_public_data_is_recorded_on_its_published_products(world):
    draft = factories.product(world.producer, world.owner)
    contact = {"contact_name": "Chị Lan", "phone": "0909123456", "email": "lan@example.vn"}
    services.update_producer(world.producer, contact, world.owner)
    db.session.flush()
    assert len(product_leaves(world.product)) == 1  # contacts are not public data

    services.update_producer(world.producer, {"address": "Ấp 3, Tân Triều"}, world.owner)
    db.session.flush()
    leaves = product_leaves(world.product)
    assert len(leaves) == 2
    assert leaves[-1].content["producer"]["address"] == "Ấp 3, Tân Triều"

    services.reject_producer(world.producer, "Giấy phép hết hạn", world.staff)  # suspended
    db.session.flush()
    leaves = product_leaves(world.product)
    assert len(leaves) == 3
    assert leaves[-1].content["published"] is False
    assert leaves[-1].content["producer"]["verified"] is False
    assert_chain(leaves)
    assert product_leaves(draft) == []


def test_the_public_data_holds_no_personal_data(world):
    product = world.product
    contact = {"contact_name": "Chị Lan", "phone": "0909123456", "email": "lan@example.vn"}
    services.update_producer(world.producer, contact, world.owner)
    data = hooks.product_public_data(product)
    assert set(data) == {
        "gtin",
        "name",
        "category",
        "published",
        "review_state",
        "withdrawn",
        "producer",
        "ocop",
        "standards",
        "ip",
        "portal",
    }
    # The producer as a business: its legal name, tax code and address are public already.
    assert set(data["producer"]) == {"name", "tax_code", "address", "ward_code", "verified"}
    text = records.canonical(data).decode()
    for personal in (world.owner.email, world.owner.full_name, *contact.values()):
        assert personal not in text


@pytest.mark.parametrize(
    "change",
    [
        {"ocop_decision_no": "QĐ 12/2026"},
        {"ip_status": IpStatus.FILED, "ip_kind": IpKind.GEOGRAPHICAL_INDICATION},
        {"standards": ["GlobalGAP"]},
        {"name": "Hạt điều rang muối"},
    ],
)
def test_each_public_field_changed_by_the_service_appends_a_leaf(world, change):
    product = world.product
    services.update_product(product, change, world.owner)
    db.session.flush()
    leaves = product_leaves(product)
    assert len(leaves) == 2
    assert_chain(leaves)
    assert leaves[1].content == hooks.product_public_data(product)
    assert leaves[1].content != leaves[0].content


# --- stamp orders ------------------------------------------------------------------------------


def test_a_stamp_order_appends_its_range_count_and_serials_hash_not_the_serials(client, world):
    client.login(world.owner.email, factories.PASSWORD)
    url = f"/batches/{world.batch.id}/stamps/new"
    response = client.submit(url, ORDER, token_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    order = db.session.scalars(select(StampOrder)).one()
    serials = list(
        db.session.scalars(select(Stamp.serial).where(Stamp.order_id == order.id).order_by("seq"))
    )
    (leaf,) = entries(LedgerKind.STAMP_ORDER)
    assert leaf.content == {
        "order": order.id,
        "gtin": world.product.gtin,
        "lot": world.batch.lot_code,
        "count": 3,
        "range": {"first": 1, "last": 3},
        "serials_sha256": hashlib.sha256("\n".join(serials).encode()).hexdigest(),
    }
    record = record_of(leaf)
    assert record["content_hash"] == records.content_hash(leaf.content)
    assert record["subject"] == {"gtin": world.product.gtin, "lot": world.batch.lot_code}
    assert (leaf.batch_id, leaf.product_id) == (world.batch.id, world.product.id)
    for serial in serials:
        assert serial not in leaf.record and serial not in json.dumps(leaf.content)
    # Only the order: issuing stamps touches neither the product's chain nor trace events.
    assert len(entries()) == len(product_leaves(world.product)) + 1


def test_a_refused_stamp_order_appends_nothing(client, world):
    client.login(world.owner.email, factories.PASSWORD)
    url = f"/batches/{world.batch.id}/stamps/new"
    response = client.submit(url, ORDER | {"quantity": "0"}, token_from=url)
    assert response.status_code == 200
    assert entries(LedgerKind.STAMP_ORDER) == []


# --- atomicity: a database of its own, looked at from a fresh connection ----------------------


class Injected(RuntimeError):
    """The failure a test injects after the change, before its commit."""


@pytest.fixture(scope="module")
def own_app(fresh_database, tmp_path_factory):
    """An app on its own database, where requests really commit (no test transaction)."""
    tmp = tmp_path_factory.mktemp("ledger_atomicity")
    app = make_test_app(fresh_database(), tmp)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_wards()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def own(own_app):
    with own_app.app_context():
        world = World()
        db.session.remove()
        own_app.test_client_class = Client
        client = own_app.test_client()
        yield own_app, world, client
        db.session.remove()


def seen(app, statement):
    """`statement`'s scalar result read on a new connection of its own (committed data only)."""
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(statement).scalar()


def count(model):
    return select(func.count()).select_from(model)


def fail_at_commit(monkeypatch, inside: list, probe):
    """Make the next commit flush (writing the change and its leaf), note what the transaction
    then holds (`probe(connection)`), and fail before committing."""

    def commit(self):
        self.flush()
        inside.append(probe(self.connection()))
        raise Injected("after the change, before the commit")

    monkeypatch.setattr(FlaskSession, "commit", commit)


def trace_probe(connection):
    return (
        connection.execute(count(TraceEvent)).scalar(),
        connection.execute(count(LedgerEntry).where(LedgerEntry.kind == "trace_event")).scalar(),
    )


def product_probe(product_id):
    def probe(connection):
        state = connection.execute(
            select(Product.review_state).where(Product.id == product_id)
        ).scalar()
        leaves = connection.execute(
            count(LedgerEntry).where(LedgerEntry.product_id == product_id)
        ).scalar()
        return str(state), leaves

    return probe


def stamp_probe(connection):
    return (
        connection.execute(count(StampOrder)).scalar(),
        connection.execute(count(Stamp)).scalar(),
        connection.execute(count(LedgerEntry).where(LedgerEntry.kind == "stamp_order")).scalar(),
    )


def trace_seen(app):
    return (
        seen(app, count(TraceEvent)),
        seen(app, count(LedgerEntry).where(LedgerEntry.kind == "trace_event")),
    )


def stamp_seen(app):
    return (
        seen(app, count(StampOrder)),
        seen(app, count(Stamp)),
        seen(app, count(LedgerEntry).where(LedgerEntry.kind == "stamp_order")),
    )


def product_seen(app, product_id):
    state = seen(app, select(Product.review_state).where(Product.id == product_id))
    leaves = seen(app, count(LedgerEntry).where(LedgerEntry.product_id == product_id))
    return str(state), leaves


def assert_store_failed(response) -> None:
    """The capture was refused because the store failed (the job says so)."""
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["errors"]
    assert [e["type"] for e in errors] == ["epcisException:ImplementationException"]
    assert "Injected" in errors[0]["detail"]


def submitted_product(world):
    """A product of the world's producer waiting for verification (committed)."""
    owner = db.session.get(User, world.ids["owner"])
    product = factories.product(owner.producer, owner)
    services.submit_product(product, owner)
    db.session.commit()
    product_id = product.id
    db.session.remove()
    return product_id


@pytest.mark.no_db_isolation
def test_a_step_and_its_leaf_are_committed_together(own):
    app, world, client = own
    before = trace_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}"
    assert client.submit(f"{url}/events", world.step(1), token_from=url).status_code == 302
    assert trace_seen(app) == (before[0] + 1, before[1] + 1)


@pytest.mark.no_db_isolation
def test_a_failure_after_a_step_keeps_neither_the_event_nor_its_leaf(own, monkeypatch):
    app, world, client = own
    before = trace_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}"
    token = client.csrf_token(url)
    inside: list = []
    fail_at_commit(monkeypatch, inside, trace_probe)
    with pytest.raises(Injected):
        client.post(f"{url}/events", data=world.step(2) | {"csrf_token": token})
    assert inside == [(before[0] + 1, before[1] + 1)]  # both were written, then undone
    assert trace_seen(app) == before


@pytest.mark.no_db_isolation
def test_a_failure_later_in_the_capture_keeps_neither_events_nor_leaves(own, monkeypatch):
    """The store refreshes the batches' dates after appending the leaves: fail there. The
    capture stores its events in a savepoint: the job is kept, saying what failed."""
    app, world, client = own
    before = trace_seen(app)

    def refresh(batch_ids):
        raise Injected("refreshing the batches")

    monkeypatch.setattr(store, "refresh_batches", refresh)
    doc = document(world.event(3), world.event(4))
    response = client.post("/api/epcis/capture", json=doc, headers=bearer(world.staff_token))
    assert_store_failed(response)
    assert trace_seen(app) == before


@pytest.mark.no_db_isolation
def test_when_the_events_leaves_cannot_be_written_the_events_are_not_saved(own, monkeypatch):
    app, world, client = own
    before = trace_seen(app)

    def append_rows(rows):
        raise Injected("writing the leaves")

    monkeypatch.setattr(records, "append_rows", append_rows)
    doc = document(world.event(5), world.event(6))
    response = client.post("/api/epcis/capture", json=doc, headers=bearer(world.staff_token))
    assert_store_failed(response)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}"
    with pytest.raises(Injected):
        client.submit(f"{url}/events", world.step(7), token_from=url)
    assert trace_seen(app) == before


@pytest.mark.no_db_isolation
def test_a_verification_and_its_leaf_are_committed_together(own):
    app, world, client = own
    product_id = submitted_product(world)
    assert product_seen(app, product_id) == ("submitted", 0)
    client.login(world.staff_email, factories.PASSWORD)
    response = client.submit(f"/staff/products/{product_id}/verify", token_from="/staff/review")
    assert response.status_code == 302
    assert product_seen(app, product_id) == ("verified", 1)


@pytest.mark.no_db_isolation
def test_a_failure_after_a_verification_keeps_neither_it_nor_its_leaf(own, monkeypatch):
    app, world, client = own
    product_id = submitted_product(world)
    client.login(world.staff_email, factories.PASSWORD)
    token = client.csrf_token("/staff/review")
    inside: list = []
    fail_at_commit(monkeypatch, inside, product_probe(product_id))
    with pytest.raises(Injected):
        client.post(f"/staff/products/{product_id}/verify", data={"csrf_token": token})
    assert inside == [("verified", 1)]
    assert product_seen(app, product_id) == ("submitted", 0)


@pytest.mark.no_db_isolation
def test_when_a_products_leaf_cannot_be_written_the_change_is_not_saved(own, monkeypatch):
    app, world, client = own
    product_id = submitted_product(world)
    client.login(world.staff_email, factories.PASSWORD)
    token = client.csrf_token("/staff/review")

    def entry_values(*args, **kwargs):
        raise Injected("writing the leaf")

    monkeypatch.setattr(records, "entry_values", entry_values)
    with pytest.raises(Injected):
        client.post(f"/staff/products/{product_id}/verify", data={"csrf_token": token})
    assert product_seen(app, product_id) == ("submitted", 0)


@pytest.mark.no_db_isolation
def test_a_stamp_order_and_its_leaf_are_committed_together(own):
    app, world, client = own
    before = stamp_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}/stamps/new"
    assert client.submit(url, ORDER, token_from=url).status_code == 302
    assert stamp_seen(app) == (before[0] + 1, before[1] + 3, before[2] + 1)


@pytest.mark.no_db_isolation
def test_a_failure_after_a_stamp_order_keeps_neither_it_nor_its_leaf(own, monkeypatch):
    app, world, client = own
    before = stamp_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}/stamps/new"
    token = client.csrf_token(url)
    inside: list = []
    fail_at_commit(monkeypatch, inside, stamp_probe)
    with pytest.raises(Injected):
        client.post(url, data=ORDER | {"csrf_token": token})
    assert inside == [(before[0] + 1, before[1] + 3, before[2] + 1)]
    assert stamp_seen(app) == before


@pytest.mark.no_db_isolation
def test_a_failure_later_in_the_order_keeps_neither_it_nor_its_leaf(own, monkeypatch):
    """The order is audited after its leaf is added: fail there."""
    app, world, client = own
    before = stamp_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}/stamps/new"
    token = client.csrf_token(url)
    from traceability.stamps import orders

    def record(actor, action, *args, **kwargs):
        raise Injected(action)

    monkeypatch.setattr(orders.audit, "record", record)
    with pytest.raises(Injected):
        client.post(url, data=ORDER | {"csrf_token": token})
    assert stamp_seen(app) == before


@pytest.mark.no_db_isolation
def test_when_a_stamp_orders_leaf_cannot_be_written_the_order_is_not_saved(own, monkeypatch):
    app, world, client = own
    before = stamp_seen(app)
    client.login(world.owner_email, factories.PASSWORD)
    url = f"/batches/{world.batch_id}/stamps/new"
    token = client.csrf_token(url)

    def entry_values(*args, **kwargs):
        raise Injected("writing the leaf")

    monkeypatch.setattr(records, "entry_values", entry_values)
    with pytest.raises(Injected):
        client.post(url, data=ORDER | {"csrf_token": token})
    assert stamp_seen(app) == before
