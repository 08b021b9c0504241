"""The leaf record: RFC 8785 canonical JSON (keys sorted by UTF-16 code units, no spaces, UTF-8
not escaped, ECMAScript numbers), stable for the same change, hashed as RFC 9162 leaves; and a
correction is a new leaf that refers to the old one, which stays as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select

from core.extensions import db
from traceability.ledger import records
from traceability.ledger.models import LedgerEntry, LedgerKind

VN = dt.timezone(dt.timedelta(hours=7))
MOMENT = dt.datetime(2026, 12, 2, 15, 4, 5, 678901, tzinfo=VN)
DIGEST = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"


# --- canonical JSON (RFC 8785) ------------------------------------------------------------------


def test_canonical_is_the_rfc_8785_example():
    """RFC 8785 §3.2.2: literals, ECMAScript numbers and the string escapes."""
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    assert records.canonical(value) == (
        b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


def test_canonical_sorts_keys_by_utf16_code_units():
    """RFC 8785 §3.2.3: the emoji (a surrogate pair, 0xD83D…) sorts before U+FB33, unlike
    sorting by code point (which Python's sort_keys does)."""
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = records.canonical({k: k for k in keys}).decode("utf-8")
    order = list(json.loads(text))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert order != sorted(keys)


def test_canonical_has_no_spaces_sorts_nested_keys_and_keeps_utf8():
    value = {"b": {"z": 1, "a": [1, {"y": 2, "x": 3}]}, "a": "Bưởi Tân Triều"}
    out = records.canonical(value)
    assert out == '{"a":"Bưởi Tân Triều","b":{"a":[1,{"x":3,"y":2}],"z":1}}'.encode()
    assert b" " not in out.replace("Bưởi Tân Triều".encode(), b"")
    assert b"\\u" not in out  # Vietnamese letters are written as UTF-8, not \u escapes


def test_the_content_hash_is_sha256_of_the_canonical_bytes():
    content = {"name": "Mứt", "gtin": "08938501000019"}
    expected = hashlib.sha256('{"gtin":"08938501000019","name":"Mứt"}'.encode()).hexdigest()
    assert records.content_hash(content) == "sha256:" + expected
    assert records.content_hash(dict(reversed(content.items()))) == "sha256:" + expected
    assert records.content_hash(content | {"name": "Mứt gừng"}) != "sha256:" + expected


# --- the record ---------------------------------------------------------------------------------


def test_time_is_utc_with_milliseconds_truncated():
    assert records.format_time(MOMENT) == "2026-12-02T08:04:05.678Z"
    assert records.format_time(dt.datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=dt.UTC)) == (
        "2026-01-01T00:00:00.999Z"
    )


def test_a_record_names_version_type_time_content_subject_and_references():
    record = records.make_record(
        LedgerKind.PRODUCT,
        "sha256:" + "0" * 64,
        time=MOMENT,
        subject={"gtin": "08938501000019", "lot": None},
        refers_to=["ff" * 32, "aa" * 32, "ff" * 32],
    )
    assert record == (
        b'{"content_hash":"sha256:' + b"0" * 64 + b'","refers_to":["' + b"a" * 64 + b'","'
        b"" + b"f" * 64 + b'"],"subject":{"gtin":"08938501000019"},'
        b'"time":"2026-12-02T08:04:05.678Z","type":"product","v":1}'
    )


def test_a_record_without_subject_or_references_leaves_them_out():
    record = json.loads(records.make_record(LedgerKind.STAMP_ORDER, DIGEST, time=MOMENT))
    assert record == {
        "content_hash": DIGEST,
        "time": "2026-12-02T08:04:05.678Z",
        "type": "stamp_order",
        "v": 1,
    }


def test_make_record_is_stable():
    """The same change gives the same bytes, whatever the order it was described in."""
    one = records.make_record(
        LedgerKind.TRACE_EVENT,
        DIGEST,
        time=MOMENT,
        subject={"event_id": "urn:uuid:1", "batch": 7},
        refers_to=["bb" * 32, "aa" * 32],
    )
    two = records.make_record(
        LedgerKind.TRACE_EVENT,
        DIGEST,
        time=MOMENT.astimezone(dt.UTC),
        subject={"batch": 7, "event_id": "urn:uuid:1"},
        refers_to=("aa" * 32, "bb" * 32, "aa" * 32),
    )
    assert one == two
    assert records.canonical(json.loads(one)) == one  # already canonical
    later = records.make_record(
        LedgerKind.TRACE_EVENT,
        DIGEST,
        time=MOMENT + dt.timedelta(milliseconds=1),
        subject={"event_id": "urn:uuid:1", "batch": 7},
        refers_to=["bb" * 32, "aa" * 32],
    )
    assert later != one


def test_entry_values_hash_the_record_as_an_rfc_9162_leaf():
    values = records.entry_values(
        LedgerKind.PRODUCT, "sha256:" + "1" * 64, content={"a": 1}, time=MOMENT, product_id=4
    )
    record = values["record"].encode("utf-8")
    assert record == records.make_record(LedgerKind.PRODUCT, "sha256:" + "1" * 64, time=MOMENT)
    assert values["leaf_hash"] == hashlib.sha256(b"\x00" + record).hexdigest()
    assert (values["kind"], values["product_id"], values["created_at"]) == ("product", 4, MOMENT)
    assert values["content"] == {"a": 1}


# --- appending and correcting ------------------------------------------------------------------


def test_append_hashes_the_content_and_needs_one(app_ctx):
    with pytest.raises(ValueError):
        records.append(LedgerKind.PRODUCT, product_id=1)
    entry = records.append(LedgerKind.STAMP_ORDER, content={"count": 3}, batch_id=9)
    db.session.flush()
    assert json.loads(entry.record)["content_hash"] == records.content_hash({"count": 3})
    assert entry.leaf_index is None  # the sequencer gives it its place later


def test_a_correction_refers_to_the_old_leaf_which_stays(app_ctx):
    old = records.append(LedgerKind.STAMP_ORDER, content={"count": 3}, batch_id=9)
    db.session.flush()
    before = (old.record, old.leaf_hash, dict(old.content))
    fixed = records.correct(old, {"count": 4}, "typed 3 for 4")
    db.session.flush()
    db.session.expire_all()
    rows = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [r.id for r in rows] == [old.id, fixed.id]
    assert (rows[0].record, rows[0].leaf_hash, rows[0].content) == before
    record = json.loads(fixed.record)
    assert record["type"] == LedgerKind.CORRECTION
    assert record["refers_to"] == [old.leaf_hash]
    assert fixed.content == {
        "corrects": old.leaf_hash,
        "reason": "typed 3 for 4",
        "content": {"count": 4},
    }
    assert record["content_hash"] == records.content_hash(fixed.content)
    assert fixed.batch_id == 9
    assert records.last_entry(LedgerKind.CORRECTION, batch_id=9).id == fixed.id
    assert records.last_entry(LedgerKind.STAMP_ORDER, batch_id=9).id == old.id
    assert records.last_entry(LedgerKind.STAMP_ORDER, batch_id=10) is None
