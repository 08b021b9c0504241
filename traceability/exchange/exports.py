"""The ten items as files for the national portal: JSON per product, CSV for a clerk who pastes
into the portal's form, EPCIS 2.0 for the events, and a ZIP of every product not yet listed.

JSON field names are stable (docs/exchange.md, "Exports"); dates are ISO in JSON and
day/month/year in the CSV, whose headers are Vietnamese (the portal's language) and which starts
with a BOM so that Excel reads it as UTF-8. Every CSV cell goes through `core.csvsafe`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from flask_babel import force_locale
from sqlalchemy import select

from core.csvsafe import Writer
from core.db import utcnow
from core.extensions import db
from traceability.events import documents
from traceability.exchange import items as ten
from traceability.registry.forms import IP_KIND_LABELS, IP_STATUS_LABELS
from traceability.registry.models import (
    IpKind,
    IpStatus,
    PortalState,
    Producer,
    Product,
    ReviewState,
    VerificationState,
)

FORMAT = "dongnai-portal-items/1"
BULK_FORMAT = "dongnai-portal-bulk/1"

# One row per product × batch: each lot has its own production time, expiry, stages and serials,
# and the portal's form takes one lot at a time. A product without a batch has one row.
CSV_COLUMNS = (
    ("gtin", "Mã GTIN"),
    ("product_name", "Tên sản phẩm"),
    ("images", "Hình ảnh"),
    ("producer_name", "Tên cơ sở sản xuất"),
    ("producer_address", "Địa chỉ cơ sở sản xuất"),
    ("lot", "Số lô"),
    ("production_stages", "Các công đoạn sản xuất"),
    ("production_time", "Thời gian sản xuất"),
    ("trace_code", "Mã truy xuất"),
    ("brand", "Nhãn hiệu"),
    ("serials", "Số sê-ri"),
    ("expiry", "Hạn sử dụng"),
    ("applied_standards", "Tiêu chuẩn áp dụng"),
    ("missing", "Mục còn thiếu"),
)


def product_json(product: Product) -> dict:
    """A product's ten items (`items`, by their codes), and the codes of those missing."""
    found = ten.product_items(product)
    return {
        "format": FORMAT,
        "gtin": product.gtin,
        "portal_state": str(product.portal_state),
        "portal_reference": product.portal_reference or None,
        "items": found,
        "missing": [m.code for m in ten.missing_items(product, found)],
    }


def _day(iso: str | None) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _moment(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso)
    return moment.strftime("%d/%m/%Y %H:%M")


def _stage_text(stage: dict) -> str:
    parts = [f"{_moment(stage['time'])} {stage['what']}"]
    if stage["place"]:
        parts.append(stage["place"])
    if stage["planting_area_code"]:
        parts.append(stage["planting_area_code"])
    if stage["location_trace_code"]:
        parts.append(stage["location_trace_code"])
    if stage["certificate"]:
        parts.append(stage["certificate"])
    return " — ".join(parts)


def _brand_text(brand: dict | None) -> str:
    if brand is None:
        return ""
    kind = str(IP_KIND_LABELS[IpKind(brand["ip_kind"])]) if brand["ip_kind"] else None
    status = str(IP_STATUS_LABELS[IpStatus(brand["ip_status"])])
    return " ".join(p for p in (kind, brand["ip_number"], f"({status})") if p)


def _standards_text(standards: dict) -> str:
    parts = list(standards["standards"])
    ocop = standards["ocop"]
    if ocop:
        parts.append(" ".join(p for p in (f"OCOP {ocop['stars']}★", ocop["certificate_no"]) if p))
    return "; ".join(parts)


def _rows(product: Product) -> list[list]:
    data = product_json(product)
    found = data["items"]
    lots = [b.lot_code for b in ten._live_batches(product)] or [None]
    by_lot = {
        key: {entry["lot"]: entry for entry in found[key]}
        for key in ("production_stages", "production_time", "expiry")
    }
    serials = {}
    for entry in found["brand_serial"]["serials"]:
        serials.setdefault(entry["lot"], []).append(
            f"{entry['first_serial'] or ''}…{entry['last_serial'] or ''} ({entry['count']})"
        )
    rows = []
    for lot in lots:
        stages = by_lot["production_stages"].get(lot, {}).get("stages", [])
        values = {
            "gtin": product.gtin,
            "product_name": found["product_name"],
            "images": " ".join(found["images"]),
            "producer_name": found["producer_name"],
            "producer_address": found["producer_address"],
            "lot": lot or "",
            "production_stages": " | ".join(_stage_text(s) for s in stages),
            "production_time": _day(by_lot["production_time"].get(lot, {}).get("produced_on")),
            "trace_code": found["trace_code"]["digital_link"],
            "brand": _brand_text(found["brand_serial"]["brand"]),
            "serials": "; ".join(serials.get(lot, [])),
            "expiry": _day(by_lot["expiry"].get(lot, {}).get("expires_on")),
            "applied_standards": _standards_text(found["applied_standards"]),
            "missing": ", ".join(data["missing"]),
        }
        rows.append([values[key] for key, _header in CSV_COLUMNS])
    return rows


def products_csv(products) -> str:
    """The products' items, one row per product × batch, with a BOM, in Vietnamese (headers and
    words: the portal's language, whatever the reader's)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = Writer(out)
    writer.writerow(header for _key, header in CSV_COLUMNS)
    with force_locale("vi"):
        for product in products:
            writer.writerows(_rows(product))
    return out.getvalue()


def product_epcis(product: Product) -> dict:
    """The product's trace events as an EPCIS 2.0 EPCISDocument (`events.documents`)."""
    return documents.product_document(product)


def not_listed():
    """The select of every published product not yet listed on the portal, by GTIN."""
    return (
        select(Product)
        .join(Producer, Producer.id == Product.producer_id)
        .where(
            Product.review_state == ReviewState.VERIFIED,
            Producer.verification_state == VerificationState.VERIFIED,
            Product.withdrawn_at.is_(None),
            Product.portal_state != PortalState.LISTED,
        )
        .order_by(Product.gtin)
    )


@dataclass
class Bulk:
    """The bulk export: the ZIP's bytes and what it holds."""

    content: bytes
    count: int
    incomplete: list[dict] = field(default_factory=list)  # {"gtin", "name", "missing"}
    filename: str = ""


def bulk_export() -> Bulk:
    """Every product not yet listed, as `products.csv` and `products.json` in one ZIP."""
    products = list(db.session.scalars(not_listed()))
    bodies = [product_json(p) for p in products]
    incomplete = [
        {"gtin": p.gtin, "name": p.name, "missing": body["missing"]}
        for p, body in zip(products, bodies, strict=True)
        if body["missing"]
    ]
    created = utcnow()
    summary = {
        "format": BULK_FORMAT,
        "created_at": created.isoformat(),
        "count": len(products),
        "complete": len(products) - len(incomplete),
        "incomplete": incomplete,
        "products": bodies,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("products.csv", products_csv(products).encode("utf-8"))
        archive.writestr(
            "products.json", json.dumps(summary, ensure_ascii=False, indent=1).encode("utf-8")
        )
    name = f"portal-export-{created:%Y%m%d-%H%M}.zip"
    return Bulk(buffer.getvalue(), len(products), incomplete, name)
