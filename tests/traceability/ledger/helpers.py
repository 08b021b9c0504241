"""Building log entries for the ledger's storage tests."""

from __future__ import annotations

from sqlalchemy import select, text

from core.extensions import db
from traceability.ledger import note, records
from traceability.ledger.models import LedgerEntry

ORIGIN = "truyxuat.dongnai.gov.vn/log"


def add_entries(count: int, tag: str = "t") -> list[str]:
    """Append `count` product-like entries with distinct content; returns their leaf hashes."""
    rows = [
        records.entry_values("product", records.content_hash(c), content=c)
        for c in ({"test": tag, "n": n} for n in range(count))
    ]
    records.append_rows(rows)
    return [row["leaf_hash"] for row in rows]


def sequenced_leaf_hashes() -> list[bytes]:
    return [
        bytes.fromhex(h)
        for h in db.session.scalars(
            select(LedgerEntry.leaf_hash)
            .where(LedgerEntry.leaf_index.is_not(None))
            .order_by(LedgerEntry.leaf_index)
        )
    ]


def use_key(monkeypatch, app, name: str = ORIGIN) -> note.Signer:
    skey, _vkey = note.generate_key(name)
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY", skey)
    monkeypatch.setitem(app.config, "LEDGER_ORIGIN", ORIGIN)
    return note.Signer.from_skey(skey)


def empty_the_log() -> None:
    """Start a test from the empty log (the test's transaction rolls this back)."""
    for statement in (
        "DELETE FROM ledger_checks",
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM ledger_nodes",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_head SET size = 0 WHERE id = 1",
    ):
        db.session.execute(text(statement))
