"""Appending to the origin log: the leaf record of a change, written in the change's transaction.

A record is canonical JSON (RFC 8785, `rfc8785`):

    {"content_hash": "sha256:…", "refers_to": ["<leaf hash>"], "subject": {"gtin": …, "lot": …},
     "time": "2026-12-02T08:00:00.000Z", "type": "product", "v": 1}

`content_hash` is the hash of what changed: a trace event's EPCIS event hash (`ni:///sha-256;…`,
which anyone can recompute from the event), or SHA-256 of the canonical JSON of a product's public
data or of a stamp order's summary (kept in `LedgerEntry.content`). `refers_to` names earlier
leaves by their leaf hash: the entry a correction corrects, an error declaration's events, or a
product's previous state. Entries are added to the current session and never committed here: the
caller's commit writes the change and its leaf together, or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785
from sqlalchemy import insert, select

from core.db import utcnow
from core.extensions import db
from traceability.ledger import merkle
from traceability.ledger.models import LedgerEntry, LedgerKind

VERSION = 1


def canonical(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes."""
    return rfc8785.dumps(value)


def content_hash(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def format_time(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def make_record(
    kind: str,
    digest: str,
    *,
    time: dt.datetime | None = None,
    subject: Mapping[str, Any] | None = None,
    refers_to: Iterable[str] = (),
) -> bytes:
    record: dict[str, Any] = {
        "v": VERSION,
        "type": kind,
        "time": format_time(time or utcnow()),
        "content_hash": digest,
    }
    if subject:
        record["subject"] = {k: v for k, v in subject.items() if v is not None}
    refers = sorted(set(refers_to))
    if refers:
        record["refers_to"] = refers
    return canonical(record)


def entry_values(
    kind: str,
    digest: str,
    *,
    content: Mapping[str, Any] | None = None,
    time: dt.datetime | None = None,
    subject: Mapping[str, Any] | None = None,
    refers_to: Iterable[str] = (),
    product_id: int | None = None,
    batch_id: int | None = None,
    event_pk: int | None = None,
) -> dict[str, Any]:
    """The column values of one entry, for `append_rows`."""
    time = time or utcnow()
    record = make_record(kind, digest, time=time, subject=subject, refers_to=refers_to)
    return {
        "kind": kind,
        "record": record.decode(),
        "leaf_hash": merkle.leaf_hash(record).hex(),
        "content": dict(content) if content is not None else None,
        "product_id": product_id,
        "batch_id": batch_id,
        "event_pk": event_pk,
        "created_at": time,
    }


def append_rows(rows: list[dict[str, Any]]) -> None:
    """Insert many entries as plain rows (one statement): the trace-event store's path."""
    if rows:
        db.session.execute(insert(LedgerEntry), rows)


def append(
    kind: str,
    *,
    content: Mapping[str, Any] | None = None,
    digest: str | None = None,
    **values: Any,
) -> LedgerEntry:
    """Add one entry to the session: the content's hash is computed unless `digest` is given."""
    if digest is None:
        if content is None:
            raise ValueError("give the content or its hash")
        digest = content_hash(content)
    entry = LedgerEntry(**entry_values(kind, digest, content=content, **values))
    db.session.add(entry)
    return entry


def correct(entry: LedgerEntry, content: Mapping[str, Any], reason: str) -> LedgerEntry:
    """Correct an entry by a new one that refers to it (the old one stays in the log)."""
    return append(
        LedgerKind.CORRECTION,
        content={"corrects": entry.leaf_hash, "reason": reason, "content": dict(content)},
        refers_to=[entry.leaf_hash],
        product_id=entry.product_id,
        batch_id=entry.batch_id,
        event_pk=entry.event_pk,
    )


def last_entry(kind: str, **subject: int) -> LedgerEntry | None:
    stmt = select(LedgerEntry).where(LedgerEntry.kind == kind)
    for column, value in subject.items():
        stmt = stmt.where(getattr(LedgerEntry, column) == value)
    with db.session.no_autoflush:
        return db.session.scalars(stmt.order_by(LedgerEntry.id.desc()).limit(1)).first()
