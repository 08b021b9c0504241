"""A batch's journey in plain words: its trace events as steps (what, where, when, certificate),
one step back (where it came from) and one step forward (where it was shipped).

Circular 02/2024/TT-BKHCN asks for "one step back, one step forward"; consumers read it on the
stamp page, the hot path, so the consumer page takes the journey from the cards' cache
(`for_card`): it is emptied with the cards, and an event naming one of our batches moves the
cards' version (`traceability.stamps.cards`), so a new event is never hidden. A batch without
events costs no query at all (its card says so). Values are plain and immutable: safe to share
between requests; texts are lazy, so each page shows them in its own language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.formatting import format_datetime
from core.wards.models import Ward
from traceability.events import identifiers, recording, store, vocabulary
from traceability.events.models import EventIdentifier, TraceEvent
from traceability.registry.models import Batch, Producer, Site
from traceability.stamps import cards
from traceability.stamps.serials import stamp_path

# The consumer page shows at most this many steps: the first and the last halves, "and N more".
SHOWN_STEPS = 8

# Other CBV 2.0 steps an API capture may bring, in words; the rest show their CBV name.
OTHER_STEPS = {
    "storing": _l("Stored in a warehouse"),
    "departing": _l("Left the site"),
    "arriving": _l("Arrived"),
    "accepting": _l("Accepted by the buyer"),
    "sampling": _l("Sampled for testing"),
    "retail_selling": _l("Sold in a shop"),
    "loading": _l("Loaded for transport"),
    "holding": _l("Held back"),
    "destroying": _l("Destroyed"),
}
# Event types without a business step.
EVENT_TYPES = {
    "ObjectEvent": _l("Event recorded"),
    "AggregationEvent": _l("Packed together with other items"),
    "AssociationEvent": _l("Associated with other items"),
    "TransactionEvent": _l("Business transaction"),
}
_GLN_PATH = re.compile(r"^https?://[^/]+/414/(\d{13})(?:/|$)")
_OUTPUT_ROLES = frozenset({"output", "output_quantity"})
_INPUT_ROLES = frozenset({"input", "input_quantity"})


@dataclass(frozen=True)
class Place:
    """Where something happened or went: a name and its ward, or another batch (with the path of
    its own page, whose journey shows where it came from)."""

    name: str
    ward: str | None = None
    lot: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Step:
    code: str  # harvest, processing, packing, inspection, shipping, receiving, other
    what: object  # a lazy text, shown in the page's language
    place: Place | None
    at: dt.datetime  # aware, in the event's own time zone offset
    certificate: str | None = None

    def when(self, locale) -> str:
        """The event's local time where it happened, as the reader writes dates."""
        text = format_datetime(self.at, str(locale or "vi"), tzinfo=self.at.tzinfo)
        offset = self.at.strftime("%z")
        offset = f"{offset[:3]}:{offset[3:]}"
        return text if offset == recording.PROVINCE_OFFSET else f"{text} (UTC{offset})"


@dataclass(frozen=True)
class Journey:
    steps: tuple[Step, ...] = ()
    came_from: tuple[Place, ...] = ()
    went_to: tuple[Place, ...] = ()

    @property
    def head(self) -> tuple[Step, ...]:
        """The first steps the consumer page shows (all of them when they fit)."""
        if len(self.steps) <= SHOWN_STEPS:
            return self.steps
        return self.steps[: SHOWN_STEPS // 2]

    @property
    def tail(self) -> tuple[Step, ...]:
        if len(self.steps) <= SHOWN_STEPS:
            return ()
        return self.steps[-(SHOWN_STEPS - SHOWN_STEPS // 2) :]

    @property
    def more(self) -> int:
        """How many steps the short timeline leaves out."""
        return max(0, len(self.steps) - SHOWN_STEPS)


NO_JOURNEY = Journey()


def for_card(batch: cards.BatchCard | None) -> Journey | None:
    """The journey the consumer page shows for a batch card (cached with the cards), or None
    when there is no batch. A batch without events is answered from its card alone."""
    if batch is None:
        return None
    if batch.first_event_at is None:
        return NO_JOURNEY
    return cards.cached(("journey", batch.id), lambda: journey(batch.id))


def journey(batch_id: int) -> Journey:
    """The batch's journey from its events (not erroneous ones), oldest first."""
    # An error declaration names the event it corrects, which is then left out; it is no step.
    rows = [
        row
        for row in db.session.scalars(store.batch_events(batch_id))
        if not row.document.get("errorDeclaration")
    ]
    if not rows:
        return NO_JOURNEY
    extensions = {row.id: _Extensions(row.document, row.context) for row in rows}
    places = _Places(rows, extensions.values())
    roles = _transformation_roles(batch_id, rows)
    steps, back, forward = [], [], []
    for row in rows:
        event, ext = row.document, extensions[row.id]
        code, what = _what(row)
        place = places.of(row.biz_location or row.read_point)
        steps.append(Step(code, what, place, _local_time(event), _certificate(event, ext)))
        if row.id in roles:
            mine, linked = roles[row.id]
            if mine & _OUTPUT_ROLES:
                back.extend(linked["in"])
            if mine & _INPUT_ROLES:
                forward.extend(linked["out"])
        elif code == "harvest" and place is not None:
            back.append(place)
        elif code == "receiving":
            back.extend(places.party(ext, "source", event.get("sourceList"), place))
        elif code == "shipping":
            forward.extend(places.party(ext, "destination", event.get("destinationList"), place))
    return Journey(tuple(steps), tuple(_unique(back)), tuple(_unique(forward)))


# --- what, when, certificate ---------------------------------------------------------------


def _what(row: TraceEvent) -> tuple[str, object]:
    """The step's code and words: the steps producers record (`recording.STEPS`), other CBV
    steps in words or by name, and event types without a step."""
    code = recording.step_of(row.biz_step)
    if code is not None:
        return code, recording.step_label(code)
    step = row.biz_step or ""
    prefix = vocabulary.CBV + "BizStep-"
    word = step[len(prefix) :] if step.startswith(prefix) else ""
    if word in OTHER_STEPS:
        return "other", OTHER_STEPS[word]
    if step:
        return "other", _l("Recorded step: %(step)s", step=(word or step).replace("_", " "))
    if row.event_type == "TransformationEvent":
        return "processing", recording.step_label("processing")
    return "other", EVENT_TYPES.get(row.event_type, EVENT_TYPES["ObjectEvent"])


def _local_time(event: dict) -> dt.datetime:
    # Captured offsets passed the schema's pattern (±HH:MM); recorded ones are ours.
    zone = recording.offset_zone(event["eventTimeZoneOffset"])
    return store.parse_time(event["eventTime"]).astimezone(zone)


class _Extensions:
    """Our `dnt:` extension fields of one event, whatever prefix its context gave our namespace."""

    def __init__(self, event: dict, context: list | None):
        prefixes = {vocabulary.DNT_PREFIX}
        for entry in _context_entries(event.get("@context")) + _context_entries(context):
            prefixes |= {k for k, v in entry.items() if v == vocabulary.DNT_NS}
        self.event, self.prefixes = event, prefixes

    def get(self, name: str) -> str | None:
        for key in (vocabulary.DNT_NS + name, *(f"{p}:{name}" for p in self.prefixes)):
            value = self.event.get(key)
            if isinstance(value, dict):
                value = value.get("@value")
            if isinstance(value, str | int) and str(value).strip():
                return str(value).strip()
        return None


def _context_entries(context) -> list[dict]:
    if isinstance(context, dict):
        return [context]
    if isinstance(context, list):
        return [entry for entry in context if isinstance(entry, dict)]
    return []


def _certificate(event: dict, ext: _Extensions) -> str | None:
    """The certificate in words: standard and number from our fields, or the certificationInfo."""
    standard, number = ext.get("certificateStandard"), ext.get("certificateNumber")
    if standard or number:
        return _certificate_words(standard, number)
    info = event.get("certificationInfo")
    for value in info if isinstance(info, list) else [info]:
        if isinstance(value, str) and value.strip():
            if value.startswith(recording.CERTIFICATE_PREFIX):
                standard, _, number = value[len(recording.CERTIFICATE_PREFIX) :].partition(":")
                return _certificate_words(unquote(standard), unquote(number))
            return value.strip()
    return None


def _certificate_words(standard: str | None, number: str | None) -> str:
    """ "VietGAP 123/CN", or only the number when it names its standard (VietGAP-TT-…)."""
    if standard and number and number.casefold().startswith(standard.casefold()):
        return number
    return " ".join(part for part in (standard, number) if part)


# --- where: our sites, producers' GLNs, our extension fields -------------------------------


def _gln_of(uri: str) -> str | None:
    match = _GLN_PATH.match(uri)
    if match is None and uri.startswith("urn:epc:id:sgln:"):
        try:
            match = _GLN_PATH.match(identifiers.canonical(uri))
        except (NotImplementedError, ValueError):
            return None
    return match[1] if match else None


class _Places:
    """Names of the places a batch's events name, read in a few queries (sites, GLNs, wards)."""

    def __init__(self, rows: list[TraceEvent], extensions: Iterable[_Extensions]):
        uris = set()
        for row in rows:
            uris |= {row.biz_location, row.read_point}
            for name, key in (("sourceList", "source"), ("destinationList", "destination")):
                for entry in row.document.get(name) or ():
                    if isinstance(entry, dict) and isinstance(entry.get(key), str):
                        uris.add(entry[key])
        uris.discard(None)
        site_ids = {identifiers.site_id_of(uri) for uri in uris} - {None}
        glns = {_gln_of(uri) for uri in uris} - {None}
        codes = {ext.get(f"{kind}Ward") for ext in extensions for kind in ("source", "destination")}
        codes.discard(None)
        self.sites = _by(Site.id, site_ids)
        self.producers = _by(Producer.gln, glns)
        self.wards = {code: ward.name for code, ward in _by(Ward.code, codes).items()}

    def of(self, uri: str | None) -> Place | None:
        if not uri:
            return None
        site = self.sites.get(identifiers.site_id_of(uri))
        if site is not None:
            return Place(site.name, site.ward.name)
        number = _gln_of(uri)
        if number is not None:
            producer = self.producers.get(number)
            if producer is not None:
                return Place(producer.legal_name, producer.ward.name)
            return Place(f"GLN {number}")
        return Place(uri)

    def party(self, ext: _Extensions, kind: str, listed, here: Place | None = None) -> list[Place]:
        """Where a receiving came from or a shipping went: our fields' name and ward, else the
        source/destination list's places other than the event's own."""
        name = ext.get(f"{kind}Name")
        if name:
            code = ext.get(f"{kind}Ward")
            return [Place(name, self.wards.get(code, code) if code else None)]
        found = []
        for entry in listed or ():
            if isinstance(entry, dict) and isinstance(entry.get(kind), str):
                place = self.of(entry[kind])
                if place is not None and place != here:
                    found.append(place)
        return found


def _by(column, values: set) -> dict:
    """Rows whose `column` is one of `values`, by that value (no query for no values)."""
    if not values:
        return {}
    entity = column.class_
    return {
        getattr(row, column.key): row
        for row in db.session.scalars(select(entity).where(column.in_(values)))
    }


# --- one step back and forward through TransformationEvents --------------------------------


def _transformation_roles(batch_id: int, rows: list[TraceEvent]) -> dict:
    """For each TransformationEvent of the batch: the batch's roles in it, and the other batches
    of ours it names as inputs ("in") and outputs ("out"), as places with links."""
    pks = [row.id for row in rows if row.event_type == "TransformationEvent"]
    if not pks:
        return {}
    named = db.session.execute(
        select(EventIdentifier.event_pk, EventIdentifier.role, EventIdentifier.batch_id).where(
            EventIdentifier.event_pk.in_(pks), EventIdentifier.batch_id.is_not(None)
        )
    ).all()
    others = {hit.batch_id for hit in named if hit.batch_id != batch_id}
    batches = _by(Batch.id, others)
    roles: dict[int, tuple[set, dict]] = {pk: (set(), {"in": [], "out": []}) for pk in pks}
    for hit in named:
        mine, linked = roles[hit.event_pk]
        if hit.batch_id == batch_id:
            mine.add(hit.role)
        elif hit.batch_id in batches and batches[hit.batch_id].product.is_published:
            # Only products shown to consumers are named (and linked) on their pages.
            side = (
                "in" if hit.role in _INPUT_ROLES else "out" if hit.role in _OUTPUT_ROLES else None
            )
            if side is not None:
                linked[side].append(_lot_place(batches[hit.batch_id]))
    return roles


def _lot_place(batch: Batch) -> Place:
    product = batch.product
    return Place(product.name, None, batch.lot_code, stamp_path(product.gtin, batch.lot_code, None))


def _unique(places: Iterable[Place]) -> list[Place]:
    seen, kept = set(), []
    for place in places:
        if place not in seen:
            seen.add(place)
            kept.append(place)
    return kept
