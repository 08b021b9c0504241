"""The JSON bodies of the log's proofs (the API, the pages' downloads, `flask log proof`), read by
the standalone verifier (`traceability.ledger.verify`). Hashes in proofs are standard base64
(RFC 9162 style); leaf hashes as identifiers are lowercase hex."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.extensions import db
from traceability.ledger import checkpoints, keys, merkle, tree
from traceability.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerKind

BUNDLE_FORMAT = "dongnai-trace-log-bundle/1"


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _rfc3339(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def checkpoint_body(cp: LedgerCheckpoint) -> dict[str, Any]:
    return {
        "origin": keys.origin(),
        "tree_size": cp.size,
        "root_hash": b64(bytes.fromhex(cp.root_hash)),
        "checkpoint": cp.note,
        "key_name": cp.key_name,
        "key_id": cp.key_id,
        "created_at": _rfc3339(cp.created_at),
        "public_keys": keys.published_keys(),
    }


def _events(entries: Iterable[LedgerEntry]) -> dict[int, tuple[dict, list]]:
    from traceability.events.models import TraceEvent

    pks = [e.event_pk for e in entries if e.kind == LedgerKind.TRACE_EVENT and e.event_pk]
    found: dict[int, tuple[dict, list]] = {}
    for start in range(0, len(pks), 500):
        rows = db.session.execute(
            select(TraceEvent.id, TraceEvent.document, TraceEvent.context).where(
                TraceEvent.id.in_(pks[start : start + 500])
            )
        )
        found.update({row.id: (row.document, list(row.context or [])) for row in rows})
    return found


def _event_fields(entry: LedgerEntry, events: dict) -> dict[str, Any]:
    event, context = events.get(entry.event_pk, (None, None))
    return {"content": entry.content, "event": event, "context": context}


def entry_body(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as the API shows it; `leaf_index` is null until a checkpoint covers the entry
    (before that no proof of it can be checked against a signed root)."""
    record = entry.record
    parsed = json.loads(record)
    latest = checkpoints.latest()
    covered = latest is not None and entry.leaf_index is not None and entry.leaf_index < latest.size
    return {
        "leaf_hash": entry.leaf_hash,
        "leaf_index": entry.leaf_index if covered else None,
        "record": record,
        "type": parsed.get("type", entry.kind),
        "time": parsed.get("time"),
        **_event_fields(entry, _events([entry])),
    }


def _require_in(entry: LedgerEntry, cp: LedgerCheckpoint) -> None:
    if entry.leaf_index is None or entry.leaf_index >= cp.size:
        raise merkle.ProofError(
            f"entry {entry.leaf_hash} is not in the checkpoint of {cp.size} leaves yet"
        )


def inclusion_body(entry: LedgerEntry, checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    """The entry's inclusion proof in the tree `checkpoint` signed (ProofError if not in it)."""
    _require_in(entry, checkpoint)
    path = tree.inclusion_proof(entry.leaf_index, checkpoint.size)
    return {
        "leaf_index": entry.leaf_index,
        "tree_size": checkpoint.size,
        "leaf_hash": entry.leaf_hash,
        "record": entry.record,
        "inclusion_path": [b64(h) for h in path],
        "checkpoint": checkpoint.note,
    }


def consistency_body(size1: int, size2: int) -> dict[str, Any]:
    """That the tree of size2 leaves extends the tree of size1 leaves (ProofError if it cannot)."""
    if size1 <= 0 or size1 > size2:
        raise merkle.ProofError(f"no consistency proof from {size1} to {size2} leaves")
    return {
        "tree_size_1": size1,
        "tree_size_2": size2,
        "consistency_path": [b64(h) for h in tree.consistency_proof(size1, size2)],
    }


def bundle(
    entries: Iterable[LedgerEntry],
    checkpoint: LedgerCheckpoint | None = None,
    subject: dict | None = None,
) -> dict[str, Any]:
    """A product's or batch's entries with their proofs in one checkpoint (the latest when none
    is given); entries not sequenced into it are left out."""
    checkpoint = checkpoint or checkpoints.latest()
    body: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "origin": keys.origin(),
        "subject": dict(subject or {}),
        "checkpoint": checkpoint.note if checkpoint is not None else None,
        "entries": [],
    }
    if checkpoint is None:
        return body
    included = sorted(
        (e for e in entries if e.leaf_index is not None and e.leaf_index < checkpoint.size),
        key=lambda e: e.leaf_index,
    )
    paths = tree.inclusion_proofs([e.leaf_index for e in included], checkpoint.size)
    events = _events(included)
    body["entries"] = [
        {
            "record": entry.record,
            "leaf_index": entry.leaf_index,
            "inclusion_path": [b64(h) for h in paths[entry.leaf_index]],
            **_event_fields(entry, events),
        }
        for entry in included
    ]
    return body


def batch_subject(batch_id: int) -> dict[str, Any]:
    """What a batch's bundle is about: its GTIN and lot (as the records' subjects name them)."""
    from traceability.registry.models import Batch

    batch = db.session.get(Batch, batch_id)
    if batch is None:
        return {"batch": batch_id}
    return {"batch": batch_id, "gtin": batch.product.gtin, "lot": batch.lot_code}


def batch_entries(batch_id: int) -> list[LedgerEntry]:
    """A batch's entries, and its product's, in log order (sequenced ones first)."""
    from traceability.registry.models import Batch

    batch = db.session.get(Batch, batch_id)
    if batch is None:
        return []
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(
                (LedgerEntry.batch_id == batch_id)
                | (
                    (LedgerEntry.product_id == batch.product_id)
                    & (LedgerEntry.kind == LedgerKind.PRODUCT)
                )
            )
            .order_by(LedgerEntry.leaf_index.is_(None), LedgerEntry.leaf_index, LedgerEntry.id)
        )
    )
