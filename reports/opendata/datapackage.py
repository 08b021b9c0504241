"""The open-data files: the CSV, the JSON and the Frictionless Data Package that describes them.

`datapackage.json` follows the Frictionless Data Package spec (profile tabular-data-package): a
licence (CC BY 4.0), stable absolute URLs of the resources (`BASE_URL` + path), a Table Schema
with field types, constraints and a primary key, and the source of the figures.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from reports import tables
from reports.opendata import services

CSV_PATH, JSON_PATH, PACKAGE_PATH = (
    "/open-data/indicators.csv",
    "/open-data/indicators.json",
    "/open-data/datapackage.json",
)
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
PUBLISHER = "Sở Khoa học và Công nghệ tỉnh Đồng Nai"


def csv_bytes(items: list[services.Published]) -> bytes:
    """The rows as CSV (UTF-8 with a BOM so spreadsheets read Vietnamese), written by `tables`."""
    return tables.csv_bytes(services.table(items))


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)  # a JSON number; at most 16 significant digits here, exact enough
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def json_bytes(items: list[services.Published]) -> bytes:
    """The rows as a JSON array of objects (one per row, keyed by the field names)."""
    rows = services.table(items).rows
    return json.dumps(rows, default=_json_value, ensure_ascii=False).encode("utf-8")


def schema() -> dict:
    """The Table Schema both resources share."""
    fields = []
    for field in services.FIELDS:
        item = {
            "name": field.name,
            "type": field.type,
            "title": field.title,
            "description": field.description,
        }
        constraints = {}
        if field.name in services.PRIMARY_KEY or field.type in ("date", "boolean"):
            constraints["required"] = True
        if field.enum:
            constraints["enum"] = list(field.enum)
        if constraints:
            item["constraints"] = constraints
        fields.append(item)
    return {"fields": fields, "primaryKey": list(services.PRIMARY_KEY), "missingValues": [""]}


def _resource(name: str, form: str, path: str) -> dict:
    return {
        "profile": "tabular-data-resource",
        "name": name,
        "title": f"Chỉ tiêu theo kỳ và phạm vi ({form})",
        "path": path,
        "format": form.lower(),
        "mediatype": "text/csv" if form == "CSV" else "application/json",
        "encoding": "utf-8",
        "licenses": [LICENCE],
        "schema": schema(),
    }


def descriptor(base_url: str, items: list[services.Published]) -> dict:
    """The data package, its resources at stable absolute URLs under `base_url`."""
    base = base_url.rstrip("/")
    modified = services.last_modified(items)
    package = {
        "profile": "tabular-data-package",
        "name": "dong-nai-traceability-indicators",
        "title": "Chỉ tiêu truy xuất nguồn gốc và chuyển đổi số bán lẻ tỉnh Đồng Nai",
        "description": (
            "Các chỉ tiêu tổng hợp theo tỉnh, xã/phường, nhóm đô thị/nông thôn và giai đoạn triển "
            "khai, theo tháng, quý và năm; không có dữ liệu cá nhân; không công bố số liệu dựa "
            "trên dưới 3 cửa hàng hoặc cơ sở sản xuất. Aggregated indicators of the traceability "
            "and retail digitalisation programme of Đồng Nai province, by province, commune-level "
            "unit, urban/rural group and roll-out phase, per month, quarter and year; no "
            "personal data; no figure resting on fewer than 3 shops or producers."
        ),
        "homepage": f"{base}/open-data/",
        "keywords": ["Đồng Nai", "truy xuất nguồn gốc", "traceability", "retail", "OCOP"],
        "licenses": [LICENCE],
        "sources": [{"title": f"{PUBLISHER}: hệ thống truy xuất nguồn gốc", "path": f"{base}/"}],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}],
        "resources": [_resource("indicators", "CSV", f"{base}{CSV_PATH}")],
    }
    # Frictionless reads no table from an empty JSON array: the JSON file is described once it
    # holds a row (before the first snapshot, the CSV is its header alone).
    if items:
        package["resources"].append(_resource("indicators-json", "JSON", f"{base}{JSON_PATH}"))
    if modified is not None:
        package["created"] = modified.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return package


def package_bytes(base_url: str, items: list[services.Published]) -> bytes:
    return json.dumps(descriptor(base_url, items), ensure_ascii=False, indent=2).encode("utf-8")
