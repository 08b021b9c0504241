"""Storing EPCIS 2.0 events: one function that every source calls (the batch pages, CSV uploads,
the EPCIS capture API, the demo).

`store_event` hashes the event, gives it its eventID (the hash, when it has none) and its
recordTime, fills the indexed columns and the identifier index (canonical Digital Link form), ties
identifiers to our batches (a lot, or a stamp's serial) and keeps the batches' `first_event_at` /
`shipped_at`. Capturing an event that is already stored stores nothing (`Stored.created` False).

It validates nothing: callers validate first (`traceability.events.validation` for the API, the
forms and the CSV rules for pages). It flushes and never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update

from core.db import utcnow
from core.extensions import db
from traceability.events import hashing, identifiers, vocabulary
from traceability.events.models import Capture, EventIdentifier, TraceEvent
from traceability.registry.models import Batch, Product
from traceability.stamps.models import Stamp

# EPCIS 2.0 lists of instance identifiers (role, field) and of quantities (role, field).
EPC_LISTS = (
    ("epc", "epcList"),
    ("child", "childEPCs"),
    ("input", "inputEPCList"),
    ("output", "outputEPCList"),
)
QUANTITY_LISTS = (
    ("quantity", "quantityList"),
    ("child_quantity", "childQuantityList"),
    ("input_quantity", "inputQuantityList"),
    ("output_quantity", "outputQuantityList"),
)
INSTANCE_ROLES = frozenset(role for role, _ in EPC_LISTS) | {"parent"}
CLASS_ROLES = frozenset(role for role, _ in QUANTITY_LISTS)


@dataclass
class Stored:
    event: TraceEvent
    created: bool  # False: the same event was already stored; nothing new was written


def parse_time(value: str) -> dt.datetime:
    """An EPCIS dateTime (with its offset or Z) as an aware datetime in UTC."""
    moment = dt.datetime.fromisoformat(value.replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError(f"no time zone offset: {value}")
    return moment.astimezone(dt.UTC)


def format_time(moment: dt.datetime) -> str:
    """A dateTime as EPCIS documents write it: UTC with milliseconds and Z."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def listed_identifiers(event: dict) -> Iterable[tuple[str, str]]:
    """(role, identifier as captured) of every list of the event."""
    if event.get("parentID"):
        yield "parent", event["parentID"]
    for role, name in EPC_LISTS:
        for epc in event.get(name) or ():
            yield role, epc
    for role, name in QUANTITY_LISTS:
        for element in event.get(name) or ():
            if isinstance(element, dict) and element.get("epcClass"):
                yield role, element["epcClass"]


def dedupe_key(event_hash: str, event: dict) -> str:
    # An error declaration restates the event it corrects (the hash leaves errorDeclaration out).
    return event_hash + ("#error" if event.get("errorDeclaration") else "")


def store_event(
    event: dict,
    *,
    user,
    source: str,
    producer_id: int | None = None,
    capture: Capture | None = None,
    context: list | None = None,
) -> Stored:
    """Store one validated EPCIS 2.0 event (a dict as in an EPCISDocument's eventList).

    `producer_id`: the owner when the caller knows it (a producer's page or token); otherwise the
    one producer whose GTINs the event names, if exactly one does. `context`: the capturing
    document's `@context` (for CURIEs), kept with the event.
    """
    context = list(context or [])
    event_hash = hashing.event_hash(event, context or None)
    key = dedupe_key(event_hash, event)
    existing = db.session.scalar(select(TraceEvent).where(TraceEvent.dedupe_key == key))
    if existing is not None:
        return Stored(existing, False)

    now = utcnow()
    document = dict(event)
    document.setdefault("eventID", event_hash)
    document["recordTime"] = format_time(now)
    row = TraceEvent(
        event_id=document["eventID"],
        event_hash=event_hash,
        dedupe_key=key,
        event_type=event["type"],
        action=event.get("action"),
        event_time=parse_time(event["eventTime"]),
        event_time_offset=event["eventTimeZoneOffset"],
        record_time=now,
        biz_step=vocabulary.expand("BizStep", event.get("bizStep")),
        disposition=vocabulary.expand("Disp", event.get("disposition")),
        read_point=(event.get("readPoint") or {}).get("id"),
        biz_location=(event.get("bizLocation") or {}).get("id"),
        recorded_by_id=getattr(user, "id", None),
        source=source,
        capture_pk=capture.id if capture is not None else None,
        document=document,
        context=context,
    )
    batches: set[int] = set()
    owners: set[int] = set()
    for role, captured in listed_identifiers(event):
        value = identifiers.canonical(captured)
        found = identifiers.key_of(value)
        ident = EventIdentifier(role=role, identifier=value)
        if found is not None:
            ident.gtin, ident.lot, ident.serial = found.gtin, found.lot, found.serial
            ident.batch_id, owner = _batch_of(found)
            if ident.batch_id is not None:
                batches.add(ident.batch_id)
            if owner is not None:
                owners.add(owner)
        row.identifiers.append(ident)
    if producer_id is None and len(owners) == 1:
        producer_id = owners.pop()
    row.producer_id = producer_id
    db.session.add(row)
    if event.get("errorDeclaration"):
        declared = db.session.scalars(
            select(TraceEvent.id).where(
                TraceEvent.event_id == row.event_id, TraceEvent.dedupe_key != key
            )
        ).all()
        if declared:
            db.session.execute(
                update(TraceEvent).where(TraceEvent.id.in_(declared)).values(erroneous=True)
            )
            batches |= set(
                db.session.scalars(
                    select(EventIdentifier.batch_id).where(
                        EventIdentifier.event_pk.in_(declared),
                        EventIdentifier.batch_id.is_not(None),
                    )
                )
            )
    db.session.flush()
    for batch_id in batches:
        refresh_batch(batch_id)
    return Stored(row, True)


def _batch_of(key: identifiers.Key) -> tuple[int | None, int | None]:
    """(batch id, producer id) of a GTIN key that is ours: a lot's batch or a serial's stamp's."""
    if key.serial is not None:
        hit = db.session.execute(
            select(Stamp.batch_id, Stamp.producer_id).where(
                Stamp.gtin == key.gtin, Stamp.serial == key.serial
            )
        ).first()
        if hit is not None:
            return hit.batch_id, hit.producer_id
    if key.lot is not None:
        hit = db.session.execute(
            select(Batch.id, Batch.producer_id)
            .join(Product, Product.id == Batch.product_id)
            .where(Product.gtin == key.gtin, Batch.lot_code == key.lot)
        ).first()
        if hit is not None:
            return hit.id, hit.producer_id
    owner = db.session.scalar(select(Product.producer_id).where(Product.gtin == key.gtin))
    return None, owner


def batch_events(batch_id: int):
    """The select of a batch's events (through any identifier), not erroneous, oldest first."""
    named = select(EventIdentifier.event_pk).where(EventIdentifier.batch_id == batch_id)
    return (
        select(TraceEvent)
        .where(TraceEvent.id.in_(named), TraceEvent.erroneous.is_(False))
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )


def refresh_batch(batch_id: int) -> None:
    """Recompute a batch's first event and first shipping from its events."""
    named = select(EventIdentifier.event_pk).where(EventIdentifier.batch_id == batch_id)
    alive = (TraceEvent.id.in_(named), TraceEvent.erroneous.is_(False))
    first = db.session.scalar(select(func.min(TraceEvent.event_time)).where(*alive))
    shipped = db.session.scalar(
        select(func.min(TraceEvent.event_time)).where(
            *alive, TraceEvent.biz_step == vocabulary.CBV + "BizStep-shipping"
        )
    )
    db.session.execute(
        update(Batch).where(Batch.id == batch_id).values(first_event_at=first, shipped_at=shipped)
    )
