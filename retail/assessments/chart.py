"""SVG for the result pages, drawn on the server: the pillar chart and the QR code of a link.

Pure functions (no Flask, no database): text in, an SVG string out, so the result works on a
cheap phone without JavaScript and prints crisply. Every text is escaped; the chart carries a
`<title>` and `<desc>` and writes each score as text, so a screen reader (or a printout in black
and white) reads the same numbers as the bars show.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from core.formatting import format_number

WIDTH = 320  # viewBox units; the SVG scales to its container (100% wide)
TRACK = 262  # the length of a bar at 100
ROW = 48  # one pillar: its name on one line, its bar below
TOP = 6
LEGEND = 26
# Colours as attributes too, so the SVG reads the same without the page's stylesheet.
BAR_FILL, TRACK_FILL, TICK_STROKE = "#0b6e4f", "#e6eaee", "#1b1f23"

Number = int | float | Fraction | Decimal


def _decimal(value: Number) -> Decimal:
    """A Decimal of any score (Fractions from `scoring` are divided exactly enough to show)."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def score_text(value: Number, locale: str = "vi") -> str:
    """A score to one decimal in the reader's locale: 62,5 in Vietnamese, 62.5 in English."""
    return format_number(_decimal(value), locale, max_decimals=1)


def _length(value: Number) -> float:
    """The bar length for a score, kept inside 0..100 so a bad value cannot draw off the chart."""
    return round(TRACK * min(max(float(value), 0.0), 100.0) / 100, 2)


def _row(
    index: int,
    label: str,
    value: Number,
    before: Number | None,
    locale: str,
    previous_label: str,
) -> str:
    top = TOP + index * ROW
    shown = score_text(value, locale)
    summary = f"{label}: {shown}"
    parts = [f'<g class="pillar"><title>{escape(summary)}</title>']
    parts.append(f'<text class="label" x="0" y="{top + 14}">{escape(label)}</text>')
    parts.append(
        f'<rect class="track" x="0" y="{top + 21}" width="{TRACK}" height="16" rx="3"'
        f' fill="{TRACK_FILL}"></rect>'
    )
    parts.append(
        f'<rect class="bar" x="0" y="{top + 21}" width="{_length(value)}" height="16" rx="3"'
        f' fill="{BAR_FILL}" data-score="{escape(shown)}"></rect>'
    )
    if before is not None:
        x = _length(before)
        text = f"{previous_label}: {score_text(before, locale)}"
        parts.append(
            f'<line class="previous" x1="{x}" y1="{top + 17}" x2="{x}" y2="{top + 41}"'
            f' stroke="{TICK_STROKE}" stroke-width="2.5">'
            f"<title>{escape(text)}</title></line>"
        )
    parts.append(f'<text class="value" x="{TRACK + 6}" y="{top + 34}">{escape(shown)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _legend(top: int, current_label: str, previous_label: str) -> str:
    tick = WIDTH // 2 + 6
    return (
        f'<g class="legend"><rect class="legend-bar" x="0" y="{top + 4}" width="14" height="12"'
        f' rx="2" fill="{BAR_FILL}"></rect>'
        f'<text x="20" y="{top + 14}">{escape(current_label)}</text>'
        f'<line class="previous" x1="{tick}" y1="{top + 2}" x2="{tick}" y2="{top + 18}"'
        f' stroke="{TICK_STROKE}" stroke-width="2.5"></line>'
        f'<text x="{tick + 8}" y="{top + 14}">{escape(previous_label)}</text></g>'
    )


def bar_chart(
    labels: Sequence[str],
    scores: Sequence[Number],
    previous: Sequence[Number | None] | None = None,
    *,
    title: str,
    description: str = "",
    locale: str = "vi",
    legend: tuple[str, str] = ("This assessment", "Previous assessment"),
    chart_id: str = "pillar-chart",
) -> str:
    """A horizontal bar per pillar (0–100), with a tick at the previous score when there is one.

    `labels`, `scores` and `previous` run in the framework's pillar order; a `None` previous score
    (a pillar the last assessment did not have) draws no tick. `legend` names the bar and the tick
    in the reader's language; it is drawn only when some previous score exists.
    """
    if len(labels) != len(scores) or (previous is not None and len(previous) != len(labels)):
        raise ValueError("labels, scores and previous scores must have one entry per pillar")
    befores = list(previous) if previous is not None else [None] * len(labels)
    has_previous = any(before is not None for before in befores)
    height = TOP + ROW * len(labels) + (LEGEND if has_previous else 0)
    rows = "".join(
        _row(i, label, value, before, locale, legend[1])
        for i, (label, value, before) in enumerate(zip(labels, scores, befores, strict=True))
    )
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pillar-chart" id="{escape(chart_id)}"'
        f' viewBox="0 0 {WIDTH} {height}" width="100%" role="img"'
        f' aria-labelledby="{escape(title_id)} {escape(desc_id)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>'
    )
    foot = _legend(height - LEGEND, *legend) if has_previous else ""
    return f"{head}{rows}{foot}</svg>"


def qr_svg(data: str, *, title: str) -> str:
    """A QR code of `data` (error correction M, 4-module quiet zone) as one SVG path."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}"'
        f' role="img" shape-rendering="crispEdges"><title>{escape(title)}</title>'
        f'<rect width="{size}" height="{size}" fill="#fff"></rect>'
        f'<path d="{path}" fill="#000"></path></svg>'
    )
