"""The Frictionless Data Package: what `frictionless validate` accepts, with stable URLs."""

from __future__ import annotations

import json

import pytest
from frictionless import validate

from core.extensions import db
from reports.indicators import snapshots
from reports.indicators.periods import Period
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_DAI

BASE = "https://trace.example.vn"  # BASE_URL of the test app


@pytest.fixture
def published(app_ctx):
    """Four shops in Tân Triều (three assessed), one in Trảng Dài; January and February closed."""
    for index in range(4):
        row = data.shop(TAN_TRIEU, "2026-01-05")
        if index < 3:
            data.assessment(row, "2026-01-20", flags={"takes_digital_payment": index == 0})
    data.shop(TRANG_DAI, "2026-02-03")
    snapshots.take(Period.parse("2026-01"))
    snapshots.take(Period.parse("2026-02"))
    db.session.commit()


def test_the_package_names_its_licence_urls_schema_and_source(client, published):
    response = client.get("/open-data/datapackage.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = response.get_json()
    assert package["profile"] == "tabular-data-package"
    assert package["name"] == "dong-nai-traceability-indicators" and package["title"]
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["sources"] and package["sources"][0]["path"] == f"{BASE}/"
    assert package["homepage"] == f"{BASE}/open-data/"
    csv_resource, json_resource = package["resources"]
    assert csv_resource["path"] == f"{BASE}/open-data/indicators.csv"
    assert (csv_resource["format"], csv_resource["mediatype"]) == ("csv", "text/csv")
    assert json_resource["path"] == f"{BASE}/open-data/indicators.json"
    assert (json_resource["format"], json_resource["mediatype"]) == ("json", "application/json")
    for resource in package["resources"]:
        assert resource["encoding"] == "utf-8"
        schema = resource["schema"]
        assert schema["primaryKey"] == ["period", "scope", "scope_key", "indicator"]
        types = {f["name"]: f["type"] for f in schema["fields"]}
        assert types["as_of"] == "date" and types["value"] == "number"
        assert types["suppressed"] == "boolean" and types["indicator"] == "string"


def test_frictionless_validates_the_package_and_both_resources(client, published, tmp_path):
    """The files as served, written beside the package with its paths pointed at them."""
    (tmp_path / "indicators.csv").write_bytes(client.get("/open-data/indicators.csv").data)
    (tmp_path / "indicators.json").write_bytes(client.get("/open-data/indicators.json").data)
    package = client.get("/open-data/datapackage.json").get_json()
    package["resources"][0]["path"] = "indicators.csv"
    package["resources"][1]["path"] = "indicators.json"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    # Two closed months × (province + 95 wards + 2 groups + 3 phases) × every indicator.
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    from reports.indicators import definitions

    expected = 2 * (1 + 95 + 2 + 3) * len(definitions.all_indicators())
    assert rows == {"indicators": expected, "indicators-json": expected}


def test_an_empty_package_is_valid_too(client, app_ctx, tmp_path):
    """Before any snapshot: the CSV holds only its header; the empty JSON array (which
    frictionless reads no table from) is not described until it holds a row."""
    (tmp_path / "indicators.csv").write_bytes(client.get("/open-data/indicators.csv").data)
    assert client.get("/open-data/indicators.json").get_json() == []
    package = client.get("/open-data/datapackage.json").get_json()
    assert [r["name"] for r in package["resources"]] == ["indicators"]
    package["resources"][0]["path"] = "indicators.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
