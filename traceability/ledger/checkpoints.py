"""Signed tree heads: a C2SP checkpoint (`origin`, size, base64 root, no extension lines) signed
as a C2SP note with the log's key, stored exactly as published. Every checkpoint is kept."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from traceability.ledger import checkpoint, keys, tree
from traceability.ledger.models import LedgerCheckpoint


def latest() -> LedgerCheckpoint | None:
    return db.session.scalars(
        select(LedgerCheckpoint)
        .order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
    ).first()


def at_size(size: int) -> LedgerCheckpoint | None:
    return db.session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.size == size)
        .order_by(LedgerCheckpoint.id)
        .limit(1)
    ).first()


def history(limit: int = 50) -> list[LedgerCheckpoint]:
    """The latest checkpoints, newest first."""
    return list(
        db.session.scalars(
            select(LedgerCheckpoint)
            .order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc())
            .limit(limit)
        )
    )


def sign_head(force: bool = False) -> LedgerCheckpoint | None:
    """Sign the sequenced tree as it is (no integrate), unless a checkpoint of this size exists
    or the log is empty (then only with `force`). Takes the sequencer's lock; flushes."""
    size = tree.lock()
    if at_size(size) is not None or (size == 0 and not force):
        return None
    current = keys.signer()
    root = tree.root(size)
    signed = checkpoint.sign_checkpoint(checkpoint.Checkpoint(keys.origin(), size, root), current)
    row = LedgerCheckpoint(
        size=size,
        root_hash=root.hex(),
        note=signed.decode(),
        key_name=current.name,
        key_id=f"{current.key_id:08x}",
    )
    db.session.add(row)
    db.session.flush()
    return row


def publish(force: bool = False) -> LedgerCheckpoint | None:
    """Sequence what is waiting, then sign a checkpoint if the tree grew since the latest one
    (or, with `force`, when none exists at this size, the empty log included). Flushes, never
    commits; concurrent publishers are serialised by the sequencer's lock."""
    tree.integrate()
    return sign_head(force)
