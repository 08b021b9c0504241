"""The stored tree: the sequencer that gives committed entries their leaf index, and the prover
that reads the few stored subtree hashes (`ledger_nodes`) a root or a proof needs.

The sequencer runs under a lock on `ledger_head` row 1 (a row lock on PostgreSQL, the write lock
on SQLite), taken by its first statement, so two sequencers never hand out the same index: the
second waits, then reads the head size and the entries the first one left. It flushes and never
commits; the caller's commit makes the new indexes and nodes visible together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from core.extensions import db
from traceability.ledger import merkle
from traceability.ledger.models import LedgerEntry, LedgerHead, LedgerNode

# Entries sequenced per round trip: bounds memory and statement size for big backlogs.
CHUNK = 5000
# (level, index) pairs per fetch query: below every database's bound-parameter limit.
FETCH_CHUNK = 500

_entries = LedgerEntry.__table__
_nodes = LedgerNode.__table__
_head = LedgerHead.__table__


def lock() -> int:
    """Take the sequencer's lock (until the transaction ends) and return the head size."""
    db.session.execute(update(_head).where(_head.c.id == 1).values(size=_head.c.size))
    size = db.session.scalar(select(_head.c.size).where(_head.c.id == 1))
    if size is None:
        raise RuntimeError("ledger_head row 1 is missing: run the migrations (flask db upgrade)")
    return size


def tree_size() -> int:
    """The number of sequenced leaves."""
    return db.session.scalar(select(_head.c.size).where(_head.c.id == 1)) or 0


def fetch(keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """The stored hashes of the given (level, index) nodes (absent ones are left out)."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in set(keys):
        by_level[level].append(index)
    pairs = [(level, index) for level, indexes in by_level.items() for index in indexes]
    found: dict[merkle.NodeKey, bytes] = {}
    for start in range(0, len(pairs), FETCH_CHUNK):
        chunk: dict[int, list[int]] = defaultdict(list)
        for level, index in pairs[start : start + FETCH_CHUNK]:
            chunk[level].append(index)
        condition = or_(
            *(
                and_(_nodes.c.level == level, _nodes.c.index.in_(indexes))
                for level, indexes in chunk.items()
            )
        )
        rows = db.session.execute(
            select(_nodes.c.level, _nodes.c.index, _nodes.c.hash).where(condition)
        )
        found.update({(row.level, row.index): bytes(row.hash) for row in rows})
    return found


def _insert_nodes(created: list[tuple[int, int, bytes]]) -> None:
    # With RETURNING, SQLAlchemy sends executemany as batched multi-row INSERTs
    # ("insertmanyvalues") on every driver; without it psycopg pays a round trip per row.
    if created:
        db.session.execute(
            insert(_nodes).returning(_nodes.c.level),
            [{"level": lv, "index": ix, "hash": h} for lv, ix, h in created],
        )


def _set_indexes(ids: list[int], first: int) -> None:
    """Give `ids` (ascending) the indexes first, first + 1, …: one UPDATE per run of
    consecutive ids (usually one per chunk). Every id of a run is one of ours, so the BETWEEN
    matches no entry that another transaction commits meanwhile."""
    runs: list[dict[str, int]] = []
    for n, entry_id in enumerate(ids):
        if runs and entry_id == runs[-1]["hi"] + 1:
            runs[-1]["hi"] = entry_id
        else:
            runs.append({"lo": entry_id, "hi": entry_id, "offset": first + n - entry_id})
    db.session.execute(
        update(_entries)
        .where(_entries.c.id.between(bindparam("lo"), bindparam("hi")))
        .values(leaf_index=_entries.c.id + bindparam("offset")),
        runs,
    )


def integrate(limit: int | None = None) -> int:
    """Sequence committed entries that have no leaf index yet, in id order (at most `limit`);
    returns how many. Flushes, never commits."""
    db.session.flush()
    size = lock()
    keys = merkle.frontier_keys(size)
    stored = fetch(keys)
    missing = [key for key in keys if key not in stored]
    if missing:
        raise LookupError(f"the tree's frontier nodes are missing: {missing[:5]}")
    frontier = [stored[key] for key in keys]
    done = 0
    while limit is None or done < limit:
        count = CHUNK if limit is None else min(CHUNK, limit - done)
        rows = db.session.execute(
            select(_entries.c.id, _entries.c.record)
            .where(_entries.c.leaf_index.is_(None))
            .order_by(_entries.c.id)
            .limit(count)
        ).all()
        if not rows:
            break
        # The tree commits to the record's bytes, not to the stored leaf_hash column.
        created, frontier = merkle.extend(
            size, frontier, [merkle.leaf_hash(row.record.encode()) for row in rows]
        )
        _insert_nodes(created)
        _set_indexes([row.id for row in rows], size)
        size += len(rows)
        done += len(rows)
        if len(rows) < count:
            break
    if done:
        db.session.execute(update(_head).where(_head.c.id == 1).values(size=size))
        # Entries loaded in this session must not keep a stale leaf_index.
        for obj in db.session.identity_map.values():
            if isinstance(obj, LedgerEntry) and obj.leaf_index is None:
                db.session.expire(obj, ["leaf_index"])
    return done


def _check_size(size: int) -> None:
    current = tree_size()
    if size > current:
        raise merkle.ProofError(f"the log has {current} leaves, not {size}")


def root(size: int) -> bytes:
    """The root hash of the tree's first `size` leaves."""
    _check_size(size)
    return merkle.root_at(size, fetch)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    _check_size(size)
    return merkle.inclusion_proof(index, size, fetch)


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    _check_size(size2)
    return merkle.consistency_proof(size1, size2, fetch)


def inclusion_proofs(indexes: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of many leaves in one tree, with one fetch for all their nodes."""
    _check_size(size)
    plans = {
        index: [merkle.range_nodes(lo, hi) for lo, hi in merkle.inclusion_ranges(index, size)]
        for index in set(indexes)
    }
    wanted = {key for plan in plans.values() for keys in plan for key in keys}
    found = fetch(wanted)
    if wanted - set(found):
        raise LookupError(f"stored subtree hashes missing: {sorted(wanted - set(found))[:5]}")
    return {
        index: [merkle.fold([found[key] for key in keys]) for keys in plan]
        for index, plan in plans.items()
    }


def entry_at(index: int) -> LedgerEntry | None:
    return db.session.scalars(select(LedgerEntry).where(LedgerEntry.leaf_index == index)).first()


def entry_by_leaf_hash(leaf_hash: str) -> LedgerEntry | None:
    """The entry with this leaf hash (lowercase hex); the first one if a record was repeated."""
    return db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.leaf_hash == leaf_hash.strip().lower())
        .order_by(LedgerEntry.leaf_index.is_(None), LedgerEntry.leaf_index, LedgerEntry.id)
        .limit(1)
    ).first()


def pending() -> int:
    """How many entries wait for a leaf index."""
    return db.session.scalar(
        select(func.count()).select_from(_entries).where(_entries.c.leaf_index.is_(None))
    )
