"""Stamp sheets: a header on each page (order, lot, page x / y) and "Quét để kiểm tra" under
each code; every QR still decodes and the layout checks say when the text does not fit."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from PIL import Image

from tests.traceability.test_stamp_render import (
    EC_AT_LEAST_M,
    assert_quiet_zones,
    decode,
    make_labels,
    pdf_text,
    rasterise,
)
from traceability.stamps.render import Label, Layout, LayoutError, render_pdf

HINT = "Quét để kiểm tra"
HEADER = "Đơn tem #42 · Bưởi Tân Triều · lô LOT-2026/11 · 1.500 tem"


def page_label(page: int, pages: int) -> str:
    return f"Trang {page} / {pages}"


def with_hint(labels: list[Label]) -> list[Label]:
    return [replace(label, hint=HINT) for label in labels]


LAYOUTS = {
    "sheet-25mm-hint": Layout(rows=7, scan_hint=True),
    "sheet-15mm-full-grid-hint": Layout(
        size_mm=15,
        scan_hint=True,
        rows=Layout(size_mm=15, scan_hint=True).max_rows(),
        cols=Layout(size_mm=15).max_cols(),
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_code_decodes_with_the_header_and_the_hint(layout, tmp_path):
    count = layout.per_page + 3
    labels = with_hint(make_labels(count, seed=count))
    out = io.BytesIO()
    render_pdf(iter(labels), layout, out, header=HEADER, page_label=page_label, total=count)
    pdf = out.getvalue()
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 2
    per_page = [labels[: layout.per_page], labels[layout.per_page :]]
    for page_path, page_labels in zip(pages, per_page, strict=True):
        with Image.open(page_path) as raw, raw.convert("L") as page:
            barcodes = decode(page)
            assert_quiet_zones(page, layout, page_labels)
        assert sorted(b.text for b in barcodes) == sorted(label.url for label in page_labels)
        assert {b.ec_level for b in barcodes} <= EC_AT_LEAST_M

    text = pdf_text(pdf, tmp_path)
    assert "Trang 1 / 2" in text and "Trang 2 / 2" in text
    assert text.count("Đơn tem #42") == 2  # one header per page
    assert text.count(HINT) == count  # under every code
    for label in labels:
        assert label.serial in text  # the human-readable serial a consumer can type


def test_the_header_sits_above_the_stamps_in_the_top_margin(tmp_path):
    layout = Layout(rows=2, cols=2)
    out = io.BytesIO()
    render_pdf(iter(make_labels(4)), layout, out, header=HEADER, page_label=page_label, total=4)
    (page_path,) = rasterise(out.getvalue(), tmp_path)
    px = 300 / 25.4
    with Image.open(page_path) as raw, raw.convert("L") as page:
        band = page.crop((0, 0, page.width, round(layout.margin * px)))
        assert band.getextrema()[0] < 100  # the header is printed in the margin
        top_of_stamps = min(y for _x, y in layout.boxes_mm())
        between = page.crop(
            (0, round(layout.margin * px), page.width, round(top_of_stamps * px) - 1)
        )
        assert between.getextrema()[0] > 200  # nothing between the header and the stamps


def test_the_hint_needs_room_and_the_check_says_so():
    Layout(scan_hint=True, rows=Layout(scan_hint=True).max_rows()).check()
    assert Layout(scan_hint=True).max_rows() < Layout().max_rows()
    with pytest.raises(LayoutError) as error:
        Layout(rows=Layout().max_rows(), scan_hint=True).check()
    assert error.value.field == "rows"
    assert "scan_hint=False" in error.value.message


def test_a_header_needs_a_top_margin():
    with pytest.raises(LayoutError) as error:
        render_pdf(iter([]), Layout(rows=2, cols=2, margin_mm=2), io.BytesIO(), header="x")
    assert error.value.field == "margin_mm" and "at least 4 mm" in error.value.message
    with pytest.raises(ValueError, match="total"):
        render_pdf(iter([]), Layout(), io.BytesIO(), page_label=page_label)


def test_roll_labels_have_no_header_but_keep_the_hint(tmp_path):
    labels = with_hint(make_labels(2))
    out = io.BytesIO()
    layout = Layout(kind="roll", size_mm=20, scan_hint=True)
    render_pdf(iter(labels), layout, out, header=HEADER, page_label=page_label, total=2)
    text = pdf_text(out.getvalue(), tmp_path)
    assert "Đơn tem" not in text and "Trang" not in text
    assert text.count(HINT) == 2
    assert re.search(r"Bưởi Tân", text)
