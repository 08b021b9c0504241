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

from sqlalchemy import case, func, insert, or_, select, update

from core.db import utcnow
from core.extensions import db
from traceability.events import hashing, identifiers, vocabulary
from traceability.events.models import Capture, EventIdentifier, TraceEvent
from traceability.ledger import hooks as ledger_hooks
from traceability.registry.models import Batch, Product
from traceability.stamps import cards
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
    pk: int  # the stored row's id
    created: bool  # False: the same event was already stored; nothing new was written

    @property
    def event(self) -> TraceEvent:
        """The stored row (loaded on first use: a capture of 10,000 events needs only counts)."""
        return db.session.get(TraceEvent, self.pk)


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
    return store_events(
        [(event, context)], user=user, source=source, producer_id=producer_id, capture=capture
    )[0]


# Rows looked up with one IN (…) per chunk: below every database's bound-parameter limit.
CHUNK = 500


def _chunks(values):
    values = list(values)
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def store_events(
    events: list[tuple[dict, list | None]],
    *,
    user,
    source: str,
    producer_id: int | None = None,
    capture: Capture | None = None,
) -> list[Stored]:
    """Store many validated events at once, in order: (event, its context) pairs.

    The same work as `store_event` for each, with one lookup per chunk instead of one per event:
    the stored duplicates, the stamps and lots the identifiers name, the GTINs' owners. A
    duplicate within `events` is stored once (the later ones are `created` False).
    """
    now = utcnow()
    prepared = []
    for event, context in events:
        context = list(context or [])
        event_hash = hashing.event_hash(event, context or None)
        idents = []
        for role, captured in listed_identifiers(event):
            value = identifiers.canonical(captured)
            idents.append((role, value, identifiers.key_of(value)))
        prepared.append((event, context, event_hash, dedupe_key(event_hash, event), idents))

    existing: dict[str, int] = {}  # dedupe key → stored pk
    for chunk in _chunks({p[3] for p in prepared}):
        rows = db.session.execute(
            select(TraceEvent.dedupe_key, TraceEvent.id).where(TraceEvent.dedupe_key.in_(chunk))
        )
        existing.update({row.dedupe_key: row.id for row in rows})
    keys = [k for *_, idents in prepared for _, _, k in idents if k is not None]
    batch_of = _batches_of(keys)

    # Rows as plain values, inserted with one multi-row statement per chunk (the ORM's unit of
    # work took a quarter of a 10,000-event capture); `None` pks are filled in after the insert.
    results: list[Stored] = []
    new_events: list[dict] = []
    new_identifiers: list[list[dict]] = []
    declarations: list[dict] = []
    batches: set[int] = set()
    new_here: dict[str, Stored] = {}  # dedupe key → the Stored of an event new in this call
    copies: list[tuple[Stored, Stored]] = []  # (a later copy, the first) within this call
    for event, context, event_hash, key, idents in prepared:
        if key in existing:
            results.append(Stored(existing[key], False))
            continue
        if key in new_here:
            copy = Stored(0, False)
            copies.append((copy, new_here[key]))
            results.append(copy)
            continue
        document = dict(event)
        document.setdefault("eventID", event_hash)
        document["recordTime"] = format_time(now)
        owners: set[int] = set()
        ident_rows = []
        for role, value, found in idents:
            ident = {"role": role, "identifier": value, "gtin": None, "lot": None}
            ident |= {"serial": None, "batch_id": None}
            if found is not None:
                batch_id, owner = batch_of.get(found, (None, None))
                ident |= {"gtin": found.gtin, "lot": found.lot, "serial": found.serial}
                ident["batch_id"] = batch_id
                if batch_id is not None:
                    batches.add(batch_id)
                if owner is not None:
                    owners.add(owner)
            ident_rows.append(ident)
        owner_id = producer_id
        if owner_id is None and len(owners) == 1:
            owner_id = owners.pop()
        row = {
            "event_id": document["eventID"],
            "event_hash": event_hash,
            "dedupe_key": key,
            "event_type": event["type"],
            "action": event.get("action"),
            "event_time": parse_time(event["eventTime"]),
            "event_time_offset": event["eventTimeZoneOffset"],
            "record_time": now,
            "biz_step": vocabulary.expand("BizStep", event.get("bizStep")),
            "disposition": vocabulary.expand("Disp", event.get("disposition")),
            # Canonical, like the identifiers: an SGLN URN and its Digital Link are one place.
            "read_point": _place(event.get("readPoint")),
            "biz_location": _place(event.get("bizLocation")),
            # An error declaration restates the event it corrects: neither is part of a journey.
            "erroneous": bool(event.get("errorDeclaration")),
            "producer_id": owner_id,
            "recorded_by_id": getattr(user, "id", None),
            "source": source,
            "capture_pk": capture.id if capture is not None else None,
            "document": document,
            "context": context,
        }
        stored = Stored(0, True)  # its pk once inserted
        new_here[key] = stored
        results.append(stored)
        new_events.append(row)
        new_identifiers.append(ident_rows)
        if event.get("errorDeclaration"):
            declarations.append(row)
    pending = iter(new_here.values())  # in insertion order, as new_events
    for chunk_start in range(0, len(new_events), CHUNK):
        chunk = new_events[chunk_start : chunk_start + CHUNK]
        pks = db.session.scalars(
            insert(TraceEvent).returning(TraceEvent.id, sort_by_parameter_order=True), chunk
        ).all()
        ident_rows = []
        for row, pk, idents in zip(
            chunk, pks, new_identifiers[chunk_start : chunk_start + CHUNK], strict=True
        ):
            next(pending).pk = pk
            row["pk"] = pk
            row["batch_id"] = next((i["batch_id"] for i in idents if i["batch_id"]), None)
            ident_rows += [ident | {"event_pk": pk} for ident in idents]
        for rows in _chunks(ident_rows):
            db.session.execute(insert(EventIdentifier), rows)
    for copy, first in copies:
        copy.pk = first.pk
    for row in declarations:
        batches |= _declare_erroneous(row)
    # The origin log: one leaf per new event, in this transaction (traceability/ledger).
    ledger_hooks.record_events(new_events, now)
    if batches:
        # These rows were written without the unit of work, which would have bumped the cards'
        # version (traceability.stamps.cards): bump it here, in the same transaction.
        cards.note_change()
    refresh_batches(batches)
    return results


def _place(place: dict | None) -> str | None:
    uri = (place or {}).get("id")
    return identifiers.canonical(uri) if uri else None


def _declare_erroneous(row: dict) -> set[int]:
    """Mark the events an error declaration corrects; the batches whose journey changes."""
    declared = db.session.scalars(
        select(TraceEvent.id).where(
            TraceEvent.event_id == row["event_id"], TraceEvent.dedupe_key != row["dedupe_key"]
        )
    ).all()
    if not declared:
        return set()
    db.session.execute(update(TraceEvent).where(TraceEvent.id.in_(declared)).values(erroneous=True))
    return set(
        db.session.scalars(
            select(EventIdentifier.batch_id).where(
                EventIdentifier.event_pk.in_(declared), EventIdentifier.batch_id.is_not(None)
            )
        )
    )


def _batches_of(keys) -> dict[identifiers.Key, tuple[int | None, int | None]]:
    """(batch id, producer id) of every GTIN key that is ours: a serial's stamp's batch, a lot's
    batch, or only the producer of a registered GTIN."""
    keys = set(keys)
    found: dict[identifiers.Key, tuple[int | None, int | None]] = {}
    serials = {(k.gtin, k.serial) for k in keys if k.serial is not None}
    stamps = {}
    for chunk in _chunks({serial for _, serial in serials}):
        rows = db.session.execute(
            select(Stamp.gtin, Stamp.serial, Stamp.batch_id, Stamp.producer_id).where(
                Stamp.serial.in_(chunk)
            )
        )
        for row in rows:
            if (row.gtin, row.serial) in serials:
                stamps[row.gtin, row.serial] = (row.batch_id, row.producer_id)
    lots = {}
    for chunk in _chunks({k.lot for k in keys if k.lot is not None}):
        rows = db.session.execute(
            select(Product.gtin, Batch.lot_code, Batch.id, Batch.producer_id)
            .join(Product, Product.id == Batch.product_id)
            .where(Batch.lot_code.in_(chunk))
        )
        for row in rows:
            lots[row.gtin, row.lot_code] = (row.id, row.producer_id)
    owners = {}
    for chunk in _chunks({k.gtin for k in keys}):
        rows = db.session.execute(
            select(Product.gtin, Product.producer_id).where(Product.gtin.in_(chunk))
        )
        owners.update({row.gtin: row.producer_id for row in rows})
    for key in keys:
        hit = stamps.get((key.gtin, key.serial)) if key.serial is not None else None
        if hit is None and key.lot is not None:
            hit = lots.get((key.gtin, key.lot))
        found[key] = hit or (None, owners.get(key.gtin))
    return found


def not_declared_erroneous():
    """The events an export carries: all but those an error declaration corrected (the
    declarations themselves are kept, so that whoever reads the export learns of them)."""
    return or_(TraceEvent.erroneous.is_(False), TraceEvent.dedupe_key.like("%#error"))


def batch_events(batch_id: int, *, declarations: bool = False):
    """The select of a batch's events (through any identifier), oldest first: its journey (no
    erroneous event, no error declaration), or with `declarations` what an export carries."""
    named = select(EventIdentifier.event_pk).where(EventIdentifier.batch_id == batch_id)
    alive = not_declared_erroneous() if declarations else TraceEvent.erroneous.is_(False)
    return (
        select(TraceEvent)
        .where(TraceEvent.id.in_(named), alive)
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )


def refresh_batch(batch_id: int) -> None:
    """Recompute a batch's first event and first shipping from its events."""
    refresh_batches({batch_id})


def refresh_batches(batch_ids) -> None:
    """Recompute the batches' first event and first shipping, one grouped query per chunk."""
    batch_ids = set(batch_ids)
    shipping = vocabulary.CBV + "BizStep-shipping"
    for chunk in _chunks(sorted(batch_ids)):
        rows = db.session.execute(
            select(
                EventIdentifier.batch_id,
                func.min(TraceEvent.event_time),
                func.min(case((TraceEvent.biz_step == shipping, TraceEvent.event_time))),
            )
            .join(TraceEvent, TraceEvent.id == EventIdentifier.event_pk)
            .where(EventIdentifier.batch_id.in_(chunk), TraceEvent.erroneous.is_(False))
            .group_by(EventIdentifier.batch_id)
        ).all()
        values = {batch_id: (None, None) for batch_id in chunk}
        values.update({row[0]: (row[1], row[2]) for row in rows})
        # One executemany (the ORM's bulk UPDATE by primary key), not a statement per batch.
        db.session.execute(
            update(Batch),
            [
                {"id": batch_id, "first_event_at": first, "shipped_at": shipped}
                for batch_id, (first, shipped) in values.items()
            ],
        )
    # Batches loaded in this session read the new values on their next access.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Batch) and obj.id in batch_ids:
            db.session.expire(obj, ["first_event_at", "shipped_at"])
