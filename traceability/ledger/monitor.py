"""The monitor: recompute the tree from the stored leaves and hold it against every checkpoint.

`run_check` streams the sequenced entries in leaf order, a chunk at a time, and checks that each
record still hashes to its stored leaf hash and level-0 node, that what the record commits to
still matches (a trace event's stored event hash and document, a product's or stamp order's
content), that every subtree hash it rebuilds equals the stored one, that the root at each
checkpoint's size is the checkpoint's, and that each checkpoint's signature verifies with the
published keys. A failed check is an alarm (`alarm()`) until a later one passes.
"""

from __future__ import annotations

import base64
import json
import time
from collections import defaultdict

from sqlalchemy import select

from core.extensions import db
from traceability.events import hashing
from traceability.ledger import checkpoint, keys, merkle, note, records, tree
from traceability.ledger.models import LedgerCheck, LedgerCheckpoint, LedgerEntry, LedgerKind

CHUNK = 2000
# Problems kept in one check's row: enough to act on, not the whole log when everything broke.
MAX_PROBLEMS = 200


class _Problems(list):
    total = 0

    def add(self, kind: str, detail: str, **where) -> None:
        self.total += 1
        if len(self) < MAX_PROBLEMS:
            self.append({"kind": kind, **where, "detail": detail})


def _checkpoint_roots(problems: _Problems) -> tuple[dict[int, list], int]:
    """Every stored checkpoint's size → [(id, root)], after checking its signature and text."""
    verifiers = keys.verifiers()
    origin = keys.origin()
    by_size: dict[int, list] = defaultdict(list)
    count = 0
    rows = db.session.execute(
        select(
            LedgerCheckpoint.id,
            LedgerCheckpoint.size,
            LedgerCheckpoint.root_hash,
            LedgerCheckpoint.note,
        ).order_by(LedgerCheckpoint.size, LedgerCheckpoint.id)
    )
    for row in rows:
        count += 1
        roots = {row.root_hash.lower()}
        try:
            opened = note.open_note(row.note.encode(), verifiers)
            signed = checkpoint.parse(opened.text)
        except (note.NoteError, checkpoint.CheckpointError) as exc:
            problems.add("checkpoint_signature", str(exc), checkpoint=row.id)
        else:
            if signed.origin != origin:
                problems.add(
                    "checkpoint_origin", f"signed for {signed.origin!r}", checkpoint=row.id
                )
            if signed.size != row.size:
                problems.add(
                    "checkpoint_size",
                    f"the note says {signed.size} leaves, the row {row.size}",
                    checkpoint=row.id,
                )
            roots.add(signed.root_hash.hex())
        by_size[row.size].append((row.id, roots))
    return by_size, count


def _event_rows(pks: list[int]) -> dict[int, tuple]:
    from traceability.events.models import TraceEvent

    if not pks:
        return {}
    rows = db.session.execute(
        select(TraceEvent.id, TraceEvent.event_hash, TraceEvent.document, TraceEvent.context).where(
            TraceEvent.id.in_(pks)
        )
    )
    return {row.id: row for row in rows}


def _check_content(entry, record: dict, events: dict, problems: _Problems) -> None:
    digest = record.get("content_hash")
    if entry.kind == LedgerKind.TRACE_EVENT:
        event = events.get(entry.event_pk)
        if event is None:
            problems.add("event_missing", "its trace event is gone", leaf_index=entry.leaf_index)
            return
        if event.event_hash != digest:
            problems.add(
                "event_hash",
                f"the record says {digest}, the event's stored hash is {event.event_hash}",
                leaf_index=entry.leaf_index,
            )
        recomputed = hashing.event_hash(event.document, list(event.context or []) or None)
        if recomputed != digest:
            problems.add(
                "event_document",
                f"the stored event document hashes to {recomputed}, not {digest}",
                leaf_index=entry.leaf_index,
            )
    elif entry.content is not None:
        if records.content_hash(entry.content) != digest:
            problems.add(
                "content",
                "the stored content no longer hashes to the record's content_hash",
                leaf_index=entry.leaf_index,
            )
    elif entry.kind in (LedgerKind.PRODUCT, LedgerKind.STAMP_ORDER):
        problems.add("content", "the stored content is gone", leaf_index=entry.leaf_index)


def _compare_nodes(created: list[tuple[int, int, bytes]], problems: _Problems) -> None:
    stored = tree.fetch((level, index) for level, index, _ in created)
    for level, index, value in created:
        found = stored.get((level, index))
        if found != value:
            problems.add(
                "node",
                "missing" if found is None else "the stored subtree hash differs from the leaves'",
                node=[level, index],
            )


def _check_roots(size, frontier, by_size, problems) -> None:
    for checkpoint_id, roots in by_size.get(size, ()):
        root = merkle.fold(frontier).hex() if size else merkle.EMPTY_ROOT.hex()
        for signed in sorted(roots):
            if signed != root:
                problems.add(
                    "checkpoint_root",
                    f"signed root {base64.b64encode(bytes.fromhex(signed)).decode()} is not the "
                    f"root of the stored leaves at size {size}",
                    checkpoint=checkpoint_id,
                )


def _scan(problems: _Problems) -> tuple[int, int]:
    head = tree.tree_size()
    by_size, count = _checkpoint_roots(problems)
    _check_roots(0, [], by_size, problems)
    size, frontier = 0, []
    while True:
        # Plain rows, not ORM objects: a chunk is dropped once checked.
        entries = db.session.execute(
            select(
                LedgerEntry.leaf_index,
                LedgerEntry.kind,
                LedgerEntry.record,
                LedgerEntry.leaf_hash,
                LedgerEntry.content,
                LedgerEntry.event_pk,
            )
            .where(LedgerEntry.leaf_index >= size)
            .order_by(LedgerEntry.leaf_index)
            .limit(CHUNK)
        ).all()
        if not entries:
            break
        events = _event_rows([e.event_pk for e in entries if e.kind == LedgerKind.TRACE_EVENT])
        leaves = []
        for entry in entries:
            if entry.leaf_index != size + len(leaves):
                problems.add(
                    "gap", f"leaf {size + len(leaves)} is missing", leaf_index=entry.leaf_index
                )
                return size, count
            leaf = merkle.leaf_hash(entry.record.encode())
            if leaf.hex() != entry.leaf_hash:
                problems.add(
                    "leaf_hash",
                    "the record no longer hashes to its leaf hash",
                    leaf_index=entry.leaf_index,
                )
            try:
                record = json.loads(entry.record)
            except ValueError:
                problems.add("record", "the record is not JSON", leaf_index=entry.leaf_index)
                record = {}
            else:
                if records.canonical(record) != entry.record.encode():
                    problems.add(
                        "record", "the record is not canonical JSON", leaf_index=entry.leaf_index
                    )
            _check_content(entry, record, events, problems)
            leaves.append(leaf)
        # Leaf by leaf, so the root at every checkpoint size inside the chunk is seen.
        created_all = []
        for leaf in leaves:
            created, frontier = merkle.extend(size, frontier, [leaf])
            created_all += created
            size += 1
            _check_roots(size, frontier, by_size, problems)
        _compare_nodes(created_all, problems)
    if size != head:
        problems.add("head", f"the head says {head} leaves, {size} are sequenced")
    for checkpoint_size, rows in by_size.items():
        if checkpoint_size > size:
            for checkpoint_id, _roots in rows:
                problems.add(
                    "checkpoint_size",
                    f"signed for {checkpoint_size} leaves, the log has {size}",
                    checkpoint=checkpoint_id,
                )
    return size, count


def run_check(record: bool = True) -> LedgerCheck:
    """Check the whole log; with `record`, save the result and commit it."""
    started = time.perf_counter()
    problems = _Problems()
    size, count = _scan(problems)
    if problems.total > len(problems):
        problems.append(
            {"kind": "more", "detail": f"{problems.total - len(problems)} more problems"}
        )
    check = LedgerCheck(
        ok=problems.total == 0,
        size=size,
        checkpoints=count,
        problems=list(problems),
        seconds=round(time.perf_counter() - started, 3),
    )
    if record:
        db.session.add(check)
        db.session.commit()
    return check


def latest_check() -> LedgerCheck | None:
    return db.session.scalars(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1)).first()


def alarm() -> LedgerCheck | None:
    """The latest check, when it failed."""
    check = latest_check()
    return check if check is not None and not check.ok else None
