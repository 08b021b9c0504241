"""The ten data items of Circular 02/2024/TT-BKHCN that the national traceability portal asks for
each product, read from our records, and the check that says which are missing and how to fix them.

Where each item comes from is written down in docs/exchange.md ("The ten items"). Values are
plain (text, ISO dates, URIs) so that the exports (`exports.py`) only lay them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import Conflict
from core.extensions import db
from traceability.events import identifiers, journey, store
from traceability.registry import images
from traceability.registry.models import Batch, IpStatus, Product, Site
from traceability.stamps.models import Stamp, StampOrder
from traceability.stamps.serials import stamp_path

# The items in the Circular's order, by the names the exports use.
CODES = (
    "product_name",
    "images",
    "producer_name",
    "producer_address",
    "production_stages",
    "production_time",
    "trace_code",
    "brand_serial",
    "expiry",
    "applied_standards",
)
LABELS = {
    "product_name": _l("Product name"),
    "images": _l("Product images"),
    "producer_name": _l("Producer name"),
    "producer_address": _l("Producer address"),
    "production_stages": _l("Production stages"),
    "production_time": _l("Production time"),
    "trace_code": _l("Trace code"),
    "brand_serial": _l("Brand / serial"),
    "expiry": _l("Expiry"),
    "applied_standards": _l("Applied standards"),
}
IMAGE_WIDTH = 1280  # the largest variant we keep


@dataclass(frozen=True)
class Missing:
    """An item the portal needs that the product lacks: what is wrong, how to fix it, and where."""

    code: str
    message: object  # a lazy text, shown in the reader's language
    url: str | None = None

    @property
    def label(self):
        return LABELS[self.code]


def _base() -> str:
    return current_app.config["BASE_URL"]


def _live_batches(product: Product) -> list[Batch]:
    """The batches the portal is told of: not withdrawn, newest lot first (as the product page)."""
    return [b for b in product.batches if b.withdrawn_at is None]


def _stages(batch: Batch) -> list[dict]:
    """The batch's steps: what, when (its own offset), where, and the trace codes of the product
    (the batch's Digital Link) and of the place (the event's location URI, and the site's
    planting-area code when it is one of our sites)."""
    rows = [
        row
        for row in db.session.scalars(store.batch_events(batch.id))
        if not row.document.get("errorDeclaration")
    ]
    if not rows:
        return []
    # The journey reads the same events, in the same order, and words each step.
    steps = journey.journey(batch.id).steps
    site_ids = {identifiers.site_id_of(r.biz_location or r.read_point) for r in rows} - {None}
    sites = (
        {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        if site_ids
        else {}
    )
    product_code = _base() + stamp_path(batch.product.gtin, batch.lot_code, None)
    stages = []
    for row, step in zip(rows, steps, strict=True):
        location = row.biz_location or row.read_point
        site = sites.get(identifiers.site_id_of(location))
        stages.append(
            {
                "step": step.code,
                "what": str(step.what),
                "time": step.at.isoformat(),
                "place": step.place.name if step.place else None,
                "product_trace_code": product_code,
                "location_trace_code": location,
                "planting_area_code": (site.planting_area_code or None) if site else None,
                "certificate": step.certificate,
                "event_id": row.document.get("eventID"),
            }
        )
    return stages


def _serial_ranges(product: Product) -> list[dict]:
    """Each stamp order of the product: its lot, how many stamps, and its first and last serial
    (by the order's sequence), so the portal can be told which serials a lot carries."""
    orders = db.session.scalars(
        select(StampOrder).where(StampOrder.product_id == product.id).order_by(StampOrder.id)
    ).all()
    ranges = []
    for order in orders:
        by_seq = select(Stamp.serial).where(Stamp.order_id == order.id).limit(1)
        first = db.session.scalar(by_seq.order_by(Stamp.seq))
        last = db.session.scalar(by_seq.order_by(Stamp.seq.desc()))
        ranges.append(
            {
                "lot": order.batch.lot_code,
                "count": order.quantity,
                "first_serial": first,
                "last_serial": last,
            }
        )
    return ranges


def product_items(product: Product) -> dict:
    """The ten items of a product, by their codes (`CODES`); an absent item is None or empty."""
    producer = product.producer
    batches = _live_batches(product)
    address = ", ".join(p for p in (producer.address.strip(), producer.ward.name) if p)
    brand = None
    if product.ip_status is not IpStatus.NONE:
        brand = {
            "ip_status": str(product.ip_status),
            "ip_kind": str(product.ip_kind) if product.ip_kind else None,
            "ip_number": product.ip_number or None,
        }
    standards = list(product.standards or [])
    ocop = None
    if product.ocop_stars:
        ocop = {
            "stars": product.ocop_stars,
            "certificate_no": product.ocop_certificate_no or None,
            "decision_no": product.ocop_decision_no or None,
            "valid_from": _iso(product.ocop_valid_from),
            "valid_to": _iso(product.ocop_valid_to),
        }
    return {
        "product_name": product.name.strip() or None,
        "images": [
            _base() + url_for("media.product_image", name=images.variant_name(i.key, IMAGE_WIDTH))
            for i in product.images
        ],
        "producer_name": producer.legal_name.strip() or None,
        "producer_address": address if producer.address.strip() else None,
        "production_stages": [
            {"lot": b.lot_code, "stages": stages} for b in batches if (stages := _stages(b))
        ],
        "production_time": [
            {"lot": b.lot_code, "produced_on": _iso(b.produced_on)}
            for b in batches
            if b.produced_on is not None
        ],
        "trace_code": {
            "gtin": product.gtin,
            "digital_link": _base() + stamp_path(product.gtin, None, None),
        },
        "brand_serial": {"brand": brand, "serials": _serial_ranges(product)},
        "expiry": [
            {"lot": b.lot_code, "expires_on": _iso(b.expires_on)}
            for b in batches
            if b.expires_on is not None
        ],
        "applied_standards": {"standards": standards, "ocop": ocop},
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def missing_items(product: Product, items: dict | None = None) -> list[Missing]:
    """What the portal needs that the product lacks, in the Circular's order, each with what to do
    and the page where to do it."""
    items = product_items(product) if items is None else items
    page = url_for("registry.product_detail", product_id=product.id)
    edit = url_for("registry.product_edit", product_id=product.id)
    profile = url_for("registry.producer_profile")
    batches = _live_batches(product)
    new_batch = url_for("registry.batch_new")
    missing: list[Missing] = []
    if not items["product_name"]:
        missing.append(
            Missing("product_name", _l("No name: enter it on the product's form."), edit)
        )
    if not items["images"]:
        missing.append(
            Missing("images", _l("No photo: add one on the product page."), page + "#images")
        )
    if not items["producer_name"]:
        missing.append(
            Missing("producer_name", _l("No producer name: enter it in your profile."), profile)
        )
    if not items["producer_address"]:
        missing.append(
            Missing(
                "producer_address", _l("No producer address: enter it in your profile."), profile
            )
        )
    if not batches:
        no_batch = _l("No batch: add a batch of this product, with its dates.")
        for code in ("production_stages", "production_time", "expiry"):
            missing.append(Missing(code, no_batch, new_batch))
    else:
        first = url_for("events.batch_page", batch_id=batches[0].id)
        edit_batch = url_for("registry.batch_edit", batch_id=batches[0].id)
        if not items["production_stages"]:
            missing.append(
                Missing(
                    "production_stages",
                    _l("No production stage recorded: record the steps on a batch's page."),
                    first,
                )
            )
        if not items["production_time"]:
            missing.append(
                Missing(
                    "production_time",
                    _l("No production date: enter it on the batch's form."),
                    edit_batch,
                )
            )
        if not items["expiry"]:
            missing.append(
                Missing("expiry", _l("No use-by date: enter it on the batch's form."), edit_batch)
            )
    if not items["trace_code"]["gtin"]:
        missing.append(Missing("trace_code", _l("No GTIN: enter it on the product's form."), edit))
    brand = items["brand_serial"]
    if brand["brand"] is None and not brand["serials"]:
        missing.append(
            Missing(
                "brand_serial",
                _l(
                    "No brand or serial: enter the trademark on the product's form, or order "
                    "stamps for a batch."
                ),
                edit,
            )
        )
    standards = items["applied_standards"]
    if not standards["standards"] and standards["ocop"] is None:
        missing.append(
            Missing(
                "applied_standards",
                _l(
                    "No applied standard: choose the standards (VietGAP, TCVN…) on the "
                    "product's form."
                ),
                edit,
            )
        )
    return missing


def require_complete(product: Product) -> None:
    """Refuse to submit a product to the portal while an item is missing (409, saying which)."""
    missing = missing_items(product)
    if missing:
        raise Conflict(
            _l(
                "This product cannot be submitted to the national portal yet: %(items)s.",
                items="; ".join(str(m.message) for m in missing),
            )
        )
