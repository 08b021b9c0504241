"""The origin log's tables: entries (the leaves), stored subtree hashes, the head, checkpoints and
the monitor's checks.

An entry's `record` is the leaf data: canonical JSON (RFC 8785) naming the entry's type, time and
the hash of its content. It is written once, with the change it records, and never updated or
deleted; the sequencer (`traceability.ledger.tree.integrate`) later gives it its `leaf_index`,
once, and stores the hashes of the complete subtrees it completes (`ledger_nodes`). The columns
beside the record (kind, product, batch, event) only find entries; they are not part of the leaf.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at
from traceability.stamps.models import bigpk

big = BigInteger().with_variant(Integer, "sqlite")


class LedgerKind:
    """The types of leaf (the record's "type")."""

    TRACE_EVENT = "trace_event"
    PRODUCT = "product"
    STAMP_ORDER = "stamp_order"
    CORRECTION = "correction"


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[bigpk]
    kind: Mapped[str] = mapped_column(String(20))
    # The leaf data, exactly: canonical JSON, UTF-8 (the Merkle leaf hash is over these bytes).
    record: Mapped[str] = mapped_column(Text)
    # SHA-256(0x00 ‖ record), lowercase hex: what a proof proves and a correction refers to.
    leaf_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The content whose hash the record holds, when it is not kept elsewhere (a product's public
    # data, a stamp order's summary); a trace event's content is its row in trace_events.
    content: Mapped[dict | None] = mapped_column(JSON)
    # Finding entries (not part of the leaf): what the entry is about.
    product_id: Mapped[int | None] = mapped_column(index=True)
    batch_id: Mapped[int | None] = mapped_column(index=True)
    event_pk: Mapped[int | None] = mapped_column(big, index=True)
    created_at: Mapped[created_at]
    # Position in the log (0-based), given once by the sequencer; None until then.
    leaf_index: Mapped[int | None] = mapped_column(big, unique=True)

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} @{self.leaf_index}>"


class LedgerNode(Base):
    """The hash of a complete subtree: leaves [index·2^level, (index+1)·2^level)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(big, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """One row (id 1): the number of sequenced leaves. The sequencer locks it."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(big, default=0)


class LedgerCheckpoint(Base):
    """A signed tree head: the C2SP checkpoint as a signed note, exactly as published."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[bigpk]
    size: Mapped[int] = mapped_column(big, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))  # lowercase hex
    note: Mapped[str] = mapped_column(Text)
    key_name: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(8))  # hex of the 4-byte key id
    created_at: Mapped[created_at]


class LedgerCheck(Base):
    """One run of the monitor: the tree recomputed from the stored leaves against every
    checkpoint. A failed run is an alarm on the staff pages until a later run passes."""

    __tablename__ = "ledger_checks"

    id: Mapped[bigpk]
    ran_at: Mapped[created_at]
    ok: Mapped[bool]
    size: Mapped[int] = mapped_column(big)
    checkpoints: Mapped[int] = mapped_column(big)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    seconds: Mapped[float | None]


__all__ = [
    "LedgerCheck",
    "LedgerCheckpoint",
    "LedgerEntry",
    "LedgerHead",
    "LedgerKind",
    "LedgerNode",
]
