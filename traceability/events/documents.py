"""EPCIS 2.0 documents made from stored events: query answers (EPCISQueryDocument) and exports
(EPCISDocument), and their check against the EPCIS 2.0.1 JSON Schema.

Each event is its stored `document` (with its `eventID` and the `recordTime` we gave it), as it was
captured: identifiers are not translated between EPC URNs and Digital Links. The document's
`@context` is the EPCIS 2.0 context plus the prefixes the events were captured with (their
documents' `@context`); an event whose prefix means something else than another event's keeps its
own `@context`, so every CURIE still expands to what its capturer meant.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator
from sqlalchemy import or_, select

from core.db import utcnow
from core.extensions import db
from traceability.events import identifiers
from traceability.events.models import EventIdentifier, TraceEvent
from traceability.events.store import EPC_LISTS, batch_events, format_time, not_declared_erroneous
from traceability.events.store import QUANTITY_LISTS as QUANTITY_ROLES
from traceability.registry.models import Batch, Product

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The EPCIS context under its other published addresses (not repeated in a merged context).
EPCIS_CONTEXTS = frozenset(
    {
        EPCIS_CONTEXT,
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    }
)
SCHEMA_VERSION = "2.0"
INSTANCE_LISTS = tuple(name for _role, name in EPC_LISTS)
QUANTITY_LISTS = tuple(name for _role, name in QUANTITY_ROLES)
SCHEMA = Path(__file__).with_name("schema") / "epcis-json-schema-2.0.1.json"


def merged_context(events: list[TraceEvent]) -> tuple[list, dict[int, list]]:
    """The document's @context, and the events (by id) that need their own for a clash."""
    prefixes: dict[str, str] = {}
    others: list[str] = []
    own: dict[int, list] = {}
    for event in events:
        entries = [
            e for e in event.context or () if not (isinstance(e, str) and e in EPCIS_CONTEXTS)
        ]
        mapping = {k: v for e in entries if isinstance(e, dict) for k, v in e.items()}
        if any(prefixes.get(k, v) != v for k, v in mapping.items()):
            own[event.id] = [EPCIS_CONTEXT, *entries]
            continue
        prefixes |= mapping
        others += [e for e in entries if isinstance(e, str) and e not in others]
    context: list = [EPCIS_CONTEXT, *others]
    if prefixes:
        context.append(prefixes)
    return context, own


def as_digital_links(event: dict) -> dict:
    """The event with its EPCs, EPC classes, read point and business location as GS1 Digital
    Link URIs (what a client asks for with `GS1-EPC-Format: Always_GS1_Digital_Link`)."""
    changed = dict(event)
    if isinstance(changed.get("parentID"), str):
        changed["parentID"] = identifiers.canonical(changed["parentID"])
    for name in INSTANCE_LISTS:
        if isinstance(changed.get(name), list):
            changed[name] = [
                identifiers.canonical(e) if isinstance(e, str) else e for e in changed[name]
            ]
    for name in QUANTITY_LISTS:
        if isinstance(changed.get(name), list):
            changed[name] = [
                q | {"epcClass": identifiers.canonical(q["epcClass"])}
                if isinstance(q, dict) and isinstance(q.get("epcClass"), str)
                else q
                for q in changed[name]
            ]
    for name in ("readPoint", "bizLocation"):
        place = changed.get(name)
        if isinstance(place, dict) and isinstance(place.get("id"), str):
            changed[name] = place | {"id": identifiers.canonical(place["id"])}
    return changed


def event_list(
    events: list[TraceEvent], own: dict[int, list], *, digital_links: bool = False
) -> list[dict]:
    listed = []
    for event in events:
        document = dict(event.document)
        if digital_links:
            document = as_digital_links(document)
        if event.id in own:
            document["@context"] = own[event.id]
        listed.append(document)
    return listed


def query_document(events: list[TraceEvent], *, digital_links: bool = False) -> dict:
    """The EPCISQueryDocument answering a SimpleEventQuery with these events (identifiers as
    captured, or all as Digital Links).

    EPCIS 2.0's REST binding gives the next page only in the `Link` header; the query document
    has no member for it (its schema allows no other name but vocabulary URIs)."""
    context, own = merged_context(events)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": format_time(utcnow()),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": event_list(events, own, digital_links=digital_links)},
            }
        },
    }


def epcis_document(events: list[TraceEvent]) -> dict:
    """An EPCISDocument with these events (an export)."""
    context, own = merged_context(events)
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": format_time(utcnow()),
        "epcisBody": {"eventList": event_list(events, own)},
    }


def batch_document(batch: Batch) -> dict:
    """A batch's events (through any of its identifiers), oldest first, as an EPCISDocument."""
    return epcis_document(list(db.session.scalars(batch_events(batch.id, declarations=True))))


def product_events(product: Product):
    """The select of a product's events: its GTIN in any form (the GTIN class, its lots and
    serials) or one of its batches; without events declared erroneous (their declarations are
    kept); oldest first."""
    batches = select(Batch.id).where(Batch.product_id == product.id)
    named = select(EventIdentifier.event_pk).where(
        or_(EventIdentifier.gtin == product.gtin, EventIdentifier.batch_id.in_(batches))
    )
    return (
        select(TraceEvent)
        .where(TraceEvent.id.in_(named), not_declared_erroneous())
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )


def product_document(product: Product) -> dict:
    return epcis_document(list(db.session.scalars(product_events(product))))


def filename(kind: str, *parts: str) -> str:
    """A download's name: `epcis-batch-08938501000017-LOT1.jsonld` (only safe characters)."""
    safe = [
        "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in p) for p in parts
    ]
    return "-".join(["epcis", kind, *safe]) + ".jsonld"


@cache
def validator() -> Draft7Validator:
    """The EPCIS 2.0.1 JSON Schema with its format checks (date-time, uri), compiled once."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def validate(document: dict) -> list[str]:
    """What is wrong with a document by the EPCIS 2.0.1 JSON Schema (empty: it validates)."""
    return [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator().iter_errors(document)
    ]
