"""The monitor recomputes the tree from the stored leaves and catches every kind of rewrite."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.extensions import db
from tests import factories
from tests.traceability.ledger.helpers import add_entries, empty_the_log, use_key
from traceability.events import store
from traceability.ledger import checkpoints, monitor, note, tree
from traceability.ledger.models import LedgerCheck, LedgerEntry, LedgerKind


def make_event(serial: str) -> dict:
    return {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"urn:epc:id:sgtin:8938501.000001.{serial}"],
        "bizStep": "shipping",
        "disposition": "in_transit",
    }


@pytest.fixture
def log(app, app_ctx, monkeypatch):
    """A log of every kind of leaf (products, a stamp order, trace events, plain entries) under
    two checkpoints."""
    empty_the_log()
    signer = use_key(monkeypatch, app)
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    factories.stamp_order(batch, owner, quantity=2)
    for serial in ("A1", "A2", "A3"):
        store.store_event(make_event(serial), user=None, source="api")
    add_entries(4, tag="monitor")
    checkpoints.publish()
    add_entries(5, tag="monitor-later")
    checkpoints.publish()
    return signer


def problems(check: LedgerCheck) -> set[str]:
    return {p["kind"] for p in check.problems}


def test_a_good_log_passes(log):
    kinds = set(db.session.scalars(select(LedgerEntry.kind)))
    assert {LedgerKind.PRODUCT, LedgerKind.STAMP_ORDER, LedgerKind.TRACE_EVENT} <= kinds
    check = monitor.run_check()
    assert check.ok, check.problems
    assert check.size == tree.tree_size() and check.checkpoints == 2
    assert monitor.alarm() is None
    assert db.session.get(LedgerCheck, check.id).ok


def test_an_altered_record_is_caught(log):
    db.session.execute(
        text("UPDATE ledger_entries SET record = replace(record, :old, :new) WHERE leaf_index = 1"),
        {"old": '"v":1', "new": '"v":2'},
    )
    check = monitor.run_check()
    assert not check.ok
    assert {"leaf_hash", "node", "checkpoint_root"} <= problems(check)
    assert any(p.get("leaf_index") == 1 for p in check.problems if p["kind"] == "leaf_hash")
    assert monitor.alarm().id == check.id


def test_a_rewritten_leaf_with_its_hash_is_still_caught(log):
    """Rewriting a record and its leaf_hash column together leaves the stored tree behind."""
    entry = tree.entry_at(2)
    forged = entry.record.replace('"v":1', '"v":3')
    from traceability.ledger import merkle

    db.session.execute(
        text("UPDATE ledger_entries SET record = :r, leaf_hash = :h WHERE leaf_index = 2"),
        {"r": forged, "h": merkle.leaf_hash(forged.encode()).hex()},
    )
    check = monitor.run_check()
    assert {"node", "checkpoint_root"} <= problems(check)
    assert "leaf_hash" not in problems(check)


def test_an_altered_stored_node_is_caught(log):
    db.session.execute(
        text('UPDATE ledger_nodes SET hash = :h WHERE level = 2 AND "index" = 0'),
        {"h": b"\x07" * 32},
    )
    check = monitor.run_check()
    assert problems(check) == {"node"}
    assert [p["node"] for p in check.problems] == [[2, 0]]


def test_a_checkpoint_whose_root_was_changed_is_caught(log):
    first = checkpoints.history(2)[-1]
    db.session.execute(
        text("UPDATE ledger_checkpoints SET root_hash = :h WHERE id = :id"),
        {"h": "ab" * 32, "id": first.id},
    )
    check = monitor.run_check()
    assert problems(check) == {"checkpoint_root"}
    assert check.problems[0]["checkpoint"] == first.id


def test_a_checkpoint_signed_by_another_key_is_caught(log):
    latest = checkpoints.latest()
    other = note.Signer.from_skey(note.generate_key(latest.key_name)[0])
    body = latest.note.split("\n\n")[0] + "\n"
    db.session.execute(
        text("UPDATE ledger_checkpoints SET note = :n WHERE id = :id"),
        {"n": note.sign(body.encode(), [other]).decode(), "id": latest.id},
    )
    check = monitor.run_check()
    assert problems(check) == {"checkpoint_signature"}


def test_a_trace_event_whose_stored_hash_no_longer_matches_its_leaf_is_caught(log):
    pk = db.session.scalars(
        select(LedgerEntry.event_pk)
        .where(LedgerEntry.kind == LedgerKind.TRACE_EVENT)
        .order_by(LedgerEntry.id)
    ).first()
    db.session.execute(
        text("UPDATE trace_events SET event_hash = :h WHERE id = :id"),
        {"h": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0", "id": pk},
    )
    check = monitor.run_check()
    assert problems(check) == {"event_hash"}


def test_an_altered_event_document_is_caught(log):
    from traceability.events.models import TraceEvent

    event = db.session.scalars(select(TraceEvent).order_by(TraceEvent.id)).first()
    event.document = {**event.document, "bizStep": "receiving"}
    db.session.flush()
    check = monitor.run_check()
    assert problems(check) == {"event_document"}


def test_altered_product_content_is_caught(log):
    entry = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PRODUCT).order_by(LedgerEntry.id)
    ).first()
    entry.content = {**entry.content, "name": "Something else"}
    db.session.flush()
    check = monitor.run_check()
    assert problems(check) == {"content"}


def test_a_later_good_check_clears_the_alarm(log):
    db.session.execute(
        text('UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND "index" = 3'),
        {"h": b"\x01" * 32},
    )
    assert monitor.run_check().ok is False
    assert monitor.alarm() is not None
    db.session.execute(
        text('UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND "index" = 3'),
        {"h": bytes.fromhex(tree.entry_at(3).leaf_hash)},
    )
    assert monitor.run_check().ok
    assert monitor.alarm() is None


def test_the_check_streams_in_chunks(log, monkeypatch):
    monkeypatch.setattr(monitor, "CHUNK", 3)
    check = monitor.run_check(record=False)
    assert check.ok, check.problems
    assert check.id is None
