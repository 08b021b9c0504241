"""The server-rendered SVG of the result page: one bar per pillar, values as text, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from retail.assessments.chart import TRACK, bar_chart, qr_svg

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["Khách hàng", "Chiến lược", "Hạ tầng", "Vận hành", "Kỹ năng", "Dữ liệu"]
SCORES = [62.5, 100, 0, Fraction(100, 3), 50.04, 12.25]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is XML


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(SVG + tag) if cls in e.get("class", "").split()]


def test_one_bar_per_pillar_with_its_value_written_as_text():
    root = parse(bar_chart(LABELS, SCORES, title="Điểm từng trụ cột"))
    bars = by_class(root, "rect", "bar")
    assert len(bars) == 6
    values = [e.text for e in by_class(root, "text", "value")]
    # One decimal in Vietnamese: 100/3 = 33.33… → 33,3; 50.04 → 50; 12.25 → 12,2 (half-even).
    assert values == ["62,5", "100", "0", "33,3", "50", "12,2"]
    assert [e.text for e in by_class(root, "text", "label")] == LABELS
    # Bars are proportional: 62.5 of a 100-long track, and 100 is the whole track.
    assert float(bars[0].get("width")) == pytest.approx(TRACK * 0.625)
    assert float(bars[1].get("width")) == TRACK
    assert float(bars[2].get("width")) == 0


def test_english_readers_get_a_decimal_point():
    root = parse(bar_chart(["A"], [62.5], title="t", locale="en"))
    assert [e.text for e in by_class(root, "text", "value")] == ["62.5"]


def test_the_chart_is_titled_and_described_for_screen_readers():
    root = parse(bar_chart(LABELS, SCORES, title="Điểm", description="Mỗi thanh một trụ cột"))
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title.text == "Điểm" and desc.text == "Mỗi thanh một trụ cột"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # Each pillar's group says its name and score, for a reader that hovers or reads it out.
    groups = by_class(root, "g", "pillar")
    assert len(groups) == 6
    assert groups[0].find(SVG + "title").text == "Khách hàng: 62,5"


def test_every_text_is_escaped():
    nasty = '<script>alert("x")</script> & Co'
    svg = bar_chart([nasty], [10], [5], title="<b>t</b>", legend=("<now>", "& before"))
    assert "<script>" not in svg and "<b>" not in svg and "<now>" not in svg
    root = parse(svg)
    assert by_class(root, "text", "label")[0].text == nasty
    assert root.find(SVG + "title").text == "<b>t</b>"


def test_previous_scores_draw_a_tick_and_a_legend_but_no_extra_bar():
    previous = [50, None, 0, 20, 50, 10]
    root = parse(bar_chart(LABELS, SCORES, previous, title="t", legend=("Lần này", "Lần trước")))
    assert len(by_class(root, "rect", "bar")) == 6
    ticks = [
        line for line in by_class(root, "line", "previous") if line.find(SVG + "title") is not None
    ]
    assert len(ticks) == 5  # none for the pillar without a previous score
    assert float(ticks[0].get("x1")) == pytest.approx(TRACK * 0.5)
    assert ticks[0].find(SVG + "title").text == "Lần trước: 50"
    legend = by_class(root, "g", "legend")[0]
    assert [t.text for t in legend.iter(SVG + "text")] == ["Lần này", "Lần trước"]


def test_no_legend_on_a_first_assessment():
    root = parse(bar_chart(LABELS, SCORES, title="t"))
    assert not by_class(root, "g", "legend")
    assert not by_class(root, "line", "previous")


def test_scores_outside_0_to_100_stay_on_the_chart():
    root = parse(bar_chart(["a", "b"], [150, -5], title="t"))
    widths = [float(b.get("width")) for b in by_class(root, "rect", "bar")]
    assert widths == [TRACK, 0]


def test_labels_and_scores_must_match():
    with pytest.raises(ValueError):
        bar_chart(["a", "b"], [1], title="t")
    with pytest.raises(ValueError):
        bar_chart(["a"], [1], [1, 2], title="t")


def test_qr_code_is_an_svg_square_with_a_title():
    url = "https://trace.example.vn/r/" + "x" * 43
    root = parse(qr_svg(url, title="Mã QR & liên kết"))
    _, _, width, height = root.get("viewBox").split()
    # Version n has 17 + 4n modules, plus a 4-module quiet zone each side.
    assert width == height and (int(width) - 8 - 17) % 4 == 0
    assert root.find(SVG + "title").text == "Mã QR & liên kết"
    assert root.find(SVG + "path").get("d").startswith("M")
