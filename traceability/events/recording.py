"""Plain steps → EPCIS 2.0 events: what a producer records on the batch page or in a CSV row.

A producer says what happened to a batch in its own words (harvest, packing, …); the event says
it in CBV 2.0 underneath. One table decides how (CBV 2.0 has no "harvesting" and no
"processing" step: see the conformance README and the schema's bizStep enumeration; every
step is an ObjectEvent):

| step       | Vietnamese            | action  | bizStep                 | disposition |
|------------|-----------------------|---------|-------------------------|-------------|
| harvest    | Thu hoạch             | ADD     | commissioning           | active      |
| processing | Sơ chế / chế biến     | ADD     | creating_class_instance | active      |
| packing    | Đóng gói              | OBSERVE | packing                 | in_progress |
| inspection | Kiểm tra / chứng nhận | OBSERVE | inspecting              | conformant  |
| shipping   | Xuất hàng             | OBSERVE | shipping                | in_transit  |
| receiving  | Nhận hàng             | OBSERVE | receiving               | in_progress |

Processing is `creating_class_instance` (CBV: a step that produces an instance or a quantity of
an object class), so the journey tells it from harvesting; packing without a container code is
an observation of the lot, not an aggregation. The items are the batch's lot
(`identifiers.lgtin`) in `quantityList`, with the quantity when one is given: stamped items
belong to the lot, so a lot event covers them.

Places: `readPoint` (and `bizLocation`, except when shipping: goods in transit are nowhere
yet) is our site's URI (`identifiers.site`) or a typed GLN (`identifiers.gln`). Shipping names
the place as its `sourceList` location and the destination's GLN, if given, in
`destinationList`; receiving the reverse. What EPCIS has no field for (a shop's name and ward, a
certificate's standard and number, a note) is kept readable in extensions under our namespace
(`dnt:…`, `vocabulary.DNT_NS`), which callers declare when storing (`CONTEXT`). A certificate
is also `certificationInfo` (`urn:dongnai-trace:certificate:<standard>:<number>`).

`build_event` is pure; `check` holds the rules that need no database; `record` is the service
the page, the CSV import and the CLI call (it checks, builds and stores; it never commits).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access
from core.db import utcnow
from core.errors import FieldError, FieldErrors, Forbidden
from core.extensions import db
from core.formatting import format_date
from core.wards.models import Ward
from traceability.events import identifiers, store, vocabulary
from traceability.events.vocabulary import DNT_NS, DNT_PREFIX
from traceability.registry import rules
from traceability.registry.models import Batch, Site


@dataclass(frozen=True)
class Step:
    label: object  # lazy text
    action: str
    biz_step: str  # CBV 2.0 bare word
    disposition: str


STEPS: dict[str, Step] = {
    "harvest": Step(_l("Harvest"), "ADD", "commissioning", "active"),
    "processing": Step(_l("Processing"), "ADD", "creating_class_instance", "active"),
    "packing": Step(_l("Packing"), "OBSERVE", "packing", "in_progress"),
    "inspection": Step(_l("Inspection or certification"), "OBSERVE", "inspecting", "conformant"),
    "shipping": Step(_l("Shipping"), "OBSERVE", "shipping", "in_transit"),
    "receiving": Step(_l("Receiving"), "OBSERVE", "receiving", "in_progress"),
}
_STEP_BY_BIZ_STEP = {vocabulary.CBV + "BizStep-" + s.biz_step: code for code, s in STEPS.items()}

# Our unit codes (what the form and the CSV take) → (UN/ECE Recommendation 20 code, label).
UNITS: dict[str, tuple[str, object]] = {
    "kg": ("KGM", _l("kg")),
    "g": ("GRM", _l("g")),
    "tan": ("TNE", _l("tonne")),
    "lit": ("LTR", _l("litre")),
    "ml": ("MLT", _l("ml")),
    "hop": ("BX", _l("box")),
    "chai": ("BO", _l("bottle")),
    "goi": ("PA", _l("packet")),
    "tui": ("BG", _l("bag")),
    "bao": ("SA", _l("sack")),
    "thung": ("CS", _l("case")),
    "cai": ("H87", _l("piece")),
}
# How people write them (folded: no case or diacritics): "tấn", "Lít", "hộp", "quả", …
UNIT_WORDS = {code: code for code in UNITS} | {
    "kilogram": "kg",
    "gram": "g",
    "ton": "tan",
    "tonne": "tan",
    "litre": "lit",
    "liter": "lit",
    "l": "lit",
    "box": "hop",
    "bottle": "chai",
    "packet": "goi",
    "bag": "tui",
    "sack": "bao",
    "case": "thung",
    "piece": "cai",
    "qua": "cai",
    "chiec": "cai",
}

PROVINCE_OFFSET = "+07:00"
FUTURE_SLACK = dt.timedelta(minutes=10)  # a phone's clock a little ahead is not a mistake
NAME_MAX = 200
CERTIFICATE_MAX = 60
NOTE_MAX = 500
CERTIFICATE_PREFIX = "urn:dongnai-trace:certificate:"
CONTEXT = [{DNT_PREFIX: DNT_NS}]  # what callers storing these events pass as `context`
# Data keys whose text goes into a `dnt:` extension.
EXTENSIONS = {
    "destination_name": "destinationName",
    "destination_ward": "destinationWard",
    "source_name": "sourceName",
    "source_ward": "sourceWard",
    "certificate_standard": "certificateStandard",
    "certificate_number": "certificateNumber",
    "note": "note",
}


def step_of(biz_step: str | None) -> str | None:
    """The plain step of a stored event's bizStep (a full CBV URI), or None for any other."""
    return _STEP_BY_BIZ_STEP.get(biz_step or "")


def step_label(code: str | None):
    step = STEPS.get(code or "")
    return step.label if step else None


def fold(text: str | None) -> str:
    """Lower case without diacritics or spaces, for reading words typed in a CSV."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.lower() if c.isalnum() and not unicodedata.combining(c))


def parse_unit(text: str | None) -> str | None:
    """Our unit code from a code or a word ("tấn", "Lít", "kg"); None when blank."""
    if not (text or "").strip():
        return None
    code = UNIT_WORDS.get(fold(text))
    if code is None:
        raise FieldError(
            _l("Unknown unit. Use one of: %(units)s.", units=", ".join(str(u) for u in UNITS))
        )
    return code


def offset_zone(offset: str) -> dt.timezone:
    """The fixed zone of an offset such as "+07:00"."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))


def local_time(moment: dt.datetime, offset: str = PROVINCE_OFFSET) -> dt.datetime:
    return moment.astimezone(offset_zone(offset))


def certificate_uri(standard: str, number: str) -> str:
    return f"{CERTIFICATE_PREFIX}{quote(standard, safe='')}:{quote(number, safe='')}"


def _number(value: Decimal):
    """A quantity as a JSON number: whole numbers without a fraction, others as decimals."""
    return int(value) if value == value.to_integral_value() else float(value)


def place_uri(data: dict) -> str:
    if data.get("site_id") is not None:
        return identifiers.site(data["site_id"])
    return identifiers.gln(data["gln"])


def build_event(step: str, data: dict, batch: Batch) -> dict:
    """The EPCIS 2.0 event (without eventID) of one plain step about `batch`'s lot. Pure.

    `data` as in the module's contract: `site_id` or `gln`, `at` (aware), `offset`, `quantity`,
    `unit`, `certificate_standard`, `certificate_number`, `destination_name`,
    `destination_ward`, `destination_gln`, `source_name`, `source_ward`, `source_gln`, `note`.
    """
    kind = STEPS[step]
    offset = data.get("offset") or PROVINCE_OFFSET
    place = place_uri(data)
    element: dict = {"epcClass": identifiers.lgtin(batch.product.gtin, batch.lot_code)}
    if data.get("quantity") is not None:
        element["quantity"] = _number(Decimal(data["quantity"]))
        if data.get("unit"):
            element["uom"] = UNITS[data["unit"]][0]
    event: dict = {
        "type": "ObjectEvent",
        "eventTime": local_time(data["at"], offset).isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": offset,
        "quantityList": [element],
        "action": kind.action,
        "bizStep": kind.biz_step,
        "disposition": kind.disposition,
        "readPoint": {"id": place},
    }
    if step != "shipping":
        event["bizLocation"] = {"id": place}
    if step == "shipping":
        event["sourceList"] = [{"type": "location", "source": place}]
        if data.get("destination_gln"):
            gln = identifiers.gln(data["destination_gln"])
            event["destinationList"] = [{"type": "location", "destination": gln}]
    if step == "receiving":
        event["destinationList"] = [{"type": "location", "destination": place}]
        if data.get("source_gln"):
            event["sourceList"] = [
                {"type": "location", "source": identifiers.gln(data["source_gln"])}
            ]
    standard, number = data.get("certificate_standard"), data.get("certificate_number")
    if standard and number:
        event["certificationInfo"] = certificate_uri(standard, number)
    for key, name in EXTENSIONS.items():
        if data.get(key):
            event[f"{DNT_PREFIX}:{name}"] = data[key]
    return event


def check(step: str | None, data: dict, batch: Batch, now: dt.datetime) -> FieldErrors:
    """The rules of one step that need no database: each refusal under its field."""
    errors = FieldErrors()
    if step not in STEPS:
        errors.add("step", _l("Choose what happened."))
    if (data.get("site_id") is None) == (not data.get("gln")):
        errors.add("site_id", _l("Choose one of your sites, or type the place's GLN (not both)."))
    at = data.get("at")
    if at is None:
        errors.add("on", _l("Enter the date."))
    elif at > now + FUTURE_SLACK:
        errors.add("on", _l("This time is in the future: record what has already happened."))
    elif batch.produced_on is not None:
        day = local_time(at, data.get("offset") or PROVINCE_OFFSET).date()
        if day < batch.produced_on:
            errors.add(
                "on",
                _l(
                    "This is before the batch's production or harvest date (%(day)s): check the "
                    "date, or correct the batch's date first.",
                    day=format_date(batch.produced_on, _language()),
                ),
            )
    quantity = data.get("quantity")
    if quantity is not None and quantity <= 0:
        errors.add("quantity", _l("The quantity must be more than 0."))
    if quantity is not None and not data.get("unit"):
        errors.add("unit", _l("Choose the unit of the quantity."))
    if data.get("unit") and data["unit"] not in UNITS:
        errors.add("unit", _l("Choose a unit from the list."))
    if step == "inspection" and not data.get("certificate_standard"):
        errors.add("certificate_standard", _l("Write the standard checked, e.g. VietGAP."))
    if data.get("certificate_number") and not data.get("certificate_standard"):
        errors.add("certificate_standard", _l("Write the standard of this certificate."))
    if step == "shipping" and not data.get("destination_name"):
        errors.add("destination_name", _l("Write where the goods go (a shop or a buyer)."))
    if step == "receiving" and not data.get("source_name"):
        errors.add("source_name", _l("Write where the goods came from."))
    for key, limit in (
        ("destination_name", NAME_MAX),
        ("source_name", NAME_MAX),
        ("certificate_standard", CERTIFICATE_MAX),
        ("certificate_number", CERTIFICATE_MAX),
        ("note", NOTE_MAX),
    ):
        if len(data.get(key) or "") > limit:
            errors.add(key, _l("At most %(n)s characters.", n=limit))
    for key in ("gln", "destination_gln", "source_gln"):
        if data.get(key):
            try:
                rules.clean_gln(data[key])
            except FieldError as exc:
                errors.add(key, exc.args[0])
    return errors


def _language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "vi"


def check_places(data: dict, batch: Batch, errors: FieldErrors) -> None:
    """The site is one of the batch's producer's; the wards exist."""
    if data.get("site_id") is not None:
        site = db.session.get(Site, data["site_id"])
        if site is None or site.producer_id != batch.producer_id:
            errors.add("site_id", _l("Choose one of your own sites."))
    codes = {data.get(k) for k in ("destination_ward", "source_ward")} - {None, ""}
    if codes:
        known = set(db.session.scalars(select(Ward.code).where(Ward.code.in_(codes))))
        for key in ("destination_ward", "source_ward"):
            if data.get(key) and data[key] not in known:
                errors.add(key, _l("Unknown ward code."))


def validate(step: str | None, data: dict, batch: Batch, now: dt.datetime | None = None) -> None:
    """Every rule of one step, raised together as `ValidationFailed`."""
    errors = check(step, data, batch, now or utcnow())
    check_places(data, batch, errors)
    errors.raise_if_any()


def record(step: str, data: dict, batch: Batch, actor, *, source: str = "page") -> store.Stored:
    """Check, build and store one step about `batch` (the owner or staff); flushes only.

    `Stored.created` is False when the very same event was already recorded.
    """
    if not access.can_write(actor, batch):
        raise Forbidden(_l("You may not change this record."))
    validate(step, data, batch)
    event = build_event(step, data, batch)
    return store.store_event(
        event, user=actor, source=source, producer_id=batch.producer_id, context=CONTEXT
    )


def batches_sites(batch: Batch) -> list[Site]:
    """The sites the batch's producer may record at (not withdrawn; the batch's own first)."""
    rows = db.session.scalars(
        select(Site)
        .where(Site.producer_id == batch.producer_id, Site.withdrawn_at.is_(None))
        .order_by(Site.name)
    ).all()
    return sorted(rows, key=lambda s: s.id != batch.site_id)
