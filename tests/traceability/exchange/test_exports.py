"""The exports: the ten items as JSON with stable names, the CSV a clerk pastes from (BOM,
Vietnamese headers, no formulas), EPCIS 2.0, and the bulk ZIP of products not yet listed."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from tests import factories
from traceability.events import documents
from traceability.exchange import exports
from traceability.exchange import items as ten


def test_product_json_names_the_ten_items_and_what_is_missing(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner, standards=["VietGAP"])
    factories.batch(product, owner)
    body = exports.product_json(product)
    assert body["format"] == "dongnai-portal-items/1"
    assert list(body["items"]) == list(ten.CODES)
    assert body["items"]["applied_standards"]["standards"] == ["VietGAP"]
    assert body["missing"] == ["images", "production_stages", "expiry", "brand_serial"]
    json.dumps(body)  # plain values only


def test_csv_has_a_bom_vietnamese_headers_a_row_per_batch_and_no_formulas(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner, name='=HYPERLINK("http://x")')
    factories.batch(product, owner, lot_code="A1")
    factories.batch(product, owner, lot_code="B2")
    text = exports.products_csv([product])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Mã GTIN", "Tên sản phẩm", "Hình ảnh"]
    assert len(rows) == 3
    assert sorted(r[rows[0].index("Số lô")] for r in rows[1:]) == ["A1", "B2"]
    assert all(r[1].startswith("'=") for r in rows[1:])
    assert rows[1][rows[0].index("Thời gian sản xuất")] == "01/11/2026"


def test_epcis_export_is_a_valid_epcis_document(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    document = exports.product_epcis(product)
    assert document["type"] == "EPCISDocument"
    assert documents.validate(document) == []


def test_bulk_export_holds_every_published_product_not_listed_and_names_the_incomplete(app_ctx):
    producer, owner = factories.producer()
    published = factories.published_product(producer, owner)
    draft = factories.product(producer, owner)
    bulk = exports.bulk_export()
    with zipfile.ZipFile(io.BytesIO(bulk.content)) as archive:
        assert set(archive.namelist()) == {"products.csv", "products.json"}
        summary = json.loads(archive.read("products.json"))
    gtins = [p["gtin"] for p in summary["products"]]
    assert published.gtin in gtins
    assert draft.gtin not in gtins
    assert summary["count"] == bulk.count == len(gtins)
    assert any(e["gtin"] == published.gtin and "images" in e["missing"] for e in bulk.incomplete)
    assert summary["incomplete"] == bulk.incomplete
