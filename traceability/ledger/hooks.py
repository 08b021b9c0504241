"""What the origin log records, and where: trace events (called by the events store), products'
public data (a session listener, so every path that changes a product is covered) and stamp
orders (called by `traceability.stamps.orders.create_order`). Each writes its entry in the same
transaction as the change."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from core.extensions import db
from traceability.ledger import records
from traceability.ledger.models import LedgerEntry, LedgerKind

# --- trace events -------------------------------------------------------------------------------


def _is_declaration(row: dict[str, Any]) -> bool:
    return bool(row.get("erroneous") and row["document"].get("errorDeclaration"))


def record_events(rows: Iterable[dict[str, Any]], time: dt.datetime) -> None:
    """One entry per newly stored trace event (rows as `events.store` inserted them, with "pk"
    and "batch_id"); an error declaration refers to the entries of the events it declares,
    stored before or in the same call."""
    from traceability.events.models import TraceEvent

    rows = list(rows)

    def values_of(row: dict[str, Any], refers: list[str]) -> dict[str, Any]:
        return records.entry_values(
            LedgerKind.TRACE_EVENT,
            row["event_hash"],
            time=time,
            subject={"event_id": row["event_id"]},
            refers_to=refers,
            batch_id=row.get("batch_id"),
            event_pk=row["pk"],
        )

    # Events first: a declaration may declare an event whose entry is written in this call.
    values: dict[int, dict[str, Any]] = {}
    new_leaves: dict[str, list[str]] = {}  # eventID → this call's entries of such events
    for position, row in enumerate(rows):
        if not _is_declaration(row):
            values[position] = values_of(row, [])
            new_leaves.setdefault(row["event_id"], []).append(values[position]["leaf_hash"])
    for position, row in enumerate(rows):
        if _is_declaration(row):
            declared = select(TraceEvent.id).where(
                TraceEvent.event_id == row["event_id"], TraceEvent.id != row["pk"]
            )
            stored = db.session.scalars(
                select(LedgerEntry.leaf_hash).where(
                    LedgerEntry.kind == LedgerKind.TRACE_EVENT,
                    LedgerEntry.event_pk.in_(declared),
                )
            )
            refers = [*stored, *new_leaves.get(row["event_id"], [])]
            values[position] = values_of(row, refers)
    records.append_rows([values[position] for position in range(len(rows))])


# --- stamp orders -------------------------------------------------------------------------------


def record_stamp_order(order, serials: list[str]) -> LedgerEntry:
    """The order's range and count, and a hash committing to its serials (not the serials)."""
    content = {
        "order": order.id,
        "gtin": order.product.gtin,
        "lot": order.batch.lot_code,
        "count": order.quantity,
        "range": {"first": 1, "last": order.quantity},
        "serials_sha256": hashlib.sha256("\n".join(serials).encode()).hexdigest(),
    }
    return records.append(
        LedgerKind.STAMP_ORDER,
        content=content,
        subject={"gtin": content["gtin"], "lot": content["lot"]},
        product_id=order.product_id,
        batch_id=order.batch_id,
    )


# --- products' public data ----------------------------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def product_public_data(product) -> dict[str, Any]:
    """What consumers and the portal see of a product, as the log records it."""
    producer = product.producer
    return {
        "gtin": product.gtin,
        "name": product.name,
        "category": str(product.category),
        "published": bool(product.is_published),
        "review_state": str(product.review_state),
        "withdrawn": product.withdrawn_at is not None,
        "producer": {
            "name": producer.legal_name,
            "tax_code": producer.tax_code,
            "address": producer.address,
            "ward_code": producer.ward_code,
            "verified": bool(producer.is_verified),
        },
        "ocop": {
            "group": str(product.ocop_group) if product.ocop_group else None,
            "stars": product.ocop_stars,
            "certificate_no": product.ocop_certificate_no or "",
            "decision_no": product.ocop_decision_no or "",
            "valid_from": _iso(product.ocop_valid_from),
            "valid_to": _iso(product.ocop_valid_to),
        },
        "standards": list(product.standards or []),
        "ip": {
            "status": str(product.ip_status),
            "kind": str(product.ip_kind) if product.ip_kind else None,
            "number": product.ip_number or "",
        },
        "portal": {
            "state": str(product.portal_state),
            "reference": product.portal_reference or "",
            "on": _iso(product.portal_state_on),
        },
    }


def _record_products(session: Session, products) -> None:
    connection = session.connection()
    for product in products:
        if product.id is None or product.producer is None:
            continue
        content = product_public_data(product)
        digest = records.content_hash(content)
        last = connection.execute(
            select(LedgerEntry.record, LedgerEntry.leaf_hash, LedgerEntry.content)
            .where(LedgerEntry.kind == LedgerKind.PRODUCT, LedgerEntry.product_id == product.id)
            .order_by(LedgerEntry.id.desc())
            .limit(1)
        ).first()
        if last is not None and records.content_hash(last.content) == digest:
            continue
        # Drafts are not public: recorded from the first time the product is published, then
        # every change, unpublishing included.
        if not content["published"] and (last is None or not last.content.get("published")):
            continue
        connection.execute(
            insert(LedgerEntry),
            records.entry_values(
                LedgerKind.PRODUCT,
                digest,
                content=content,
                subject={"gtin": product.gtin},
                refers_to=[last.leaf_hash] if last is not None else [],
                product_id=product.id,
            ),
        )


def _after_flush(session: Session, flush_context) -> None:
    from traceability.registry.models import Producer, Product

    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, Product)]
    producers = [o.id for o in session.dirty if isinstance(o, Producer)]
    with session.no_autoflush:
        if producers:
            seen = {p.id for p in touched}
            touched += [
                p
                for p in session.scalars(select(Product).where(Product.producer_id.in_(producers)))
                if p.id not in seen
            ]
        if touched:
            _record_products(session, touched)


def init_listeners() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
