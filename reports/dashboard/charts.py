"""Charts drawn on the server as SVG: no script, no library from elsewhere, printable.

Each chart has a `viewBox` (it scales to a phone or an A4 page), a `<title>` and a `<desc>` for
screen readers, and its numbers are also on the page as a table. Values are converted to floats
only to place them on the drawing; every figure shown as text comes formatted by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import count

from markupsafe import Markup, escape

Number = Fraction | Decimal | int | float | None
Format = Callable[[Number], str]
_ids = count(1)


def _float(value: Number) -> float | None:
    return None if value is None else float(value)


def _top(values: Sequence[float | None]) -> float:
    """A round upper end for the scale, above every value (1, 2, 2.5 or 5 × 10ⁿ)."""
    highest = max((v for v in values if v is not None), default=0.0)
    if highest <= 0:
        return 1.0
    step = 1.0
    while step * 10 < highest:
        step *= 10
    while step > highest * 2:
        step /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= highest:
            return step * factor
    return step * 10  # pragma: no cover - the loop always returns


def _path(points: Sequence[tuple[float, float | None]]) -> str:
    """An SVG path through the points, broken where a value is missing."""
    parts, pen_down = [], False
    for x, y in points:
        if y is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return " ".join(parts)


def line_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    expected: Sequence[Number],
    *,
    title: str,
    fmt: Format,
    value_label: str,
    expected_label: str,
) -> Markup:
    """A line of monthly values and, dashed, the target trajectory on each month's day."""
    uid = next(_ids)
    width, height = 360, 210
    left, right, top, bottom = 44, 22, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    floats = [_float(v) for v in values]
    trajectory = [_float(v) for v in expected]
    upper = _top(floats + trajectory)
    step = plot_w / max(len(labels) - 1, 1)

    def x_at(index: int) -> float:
        return left + index * step

    def y_at(value: float | None) -> float | None:
        return None if value is None else top + plot_h * (1 - value / upper)

    out = [
        f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{uid}-title chart-{uid}-desc">',
        f'<title id="chart-{uid}-title">{escape(title)}</title>',
        f'<desc id="chart-{uid}-desc">'
        + escape(
            "; ".join(f"{label}: {fmt(value)}" for label, value in zip(labels, values, strict=True))
        )
        + "</desc>",
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        out.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(upper * fraction))}</text>"
        )
    for index, label in enumerate(labels):
        if index % 2 == (len(labels) - 1) % 2:  # every other month, ending on the last
            out.append(
                f'<text class="tick" x="{x_at(index):.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if any(v is not None for v in trajectory):
        points = [(x_at(i), y_at(v)) for i, v in enumerate(trajectory)]
        out.append(f'<path class="target" d="{_path(points)}"/>')
    points = [(x_at(i), y_at(v)) for i, v in enumerate(floats)]
    out.append(f'<path class="line" d="{_path(points)}"/>')
    for (x, y), label, value in zip(points, labels, values, strict=True):
        if y is not None:
            out.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                f"<title>{escape(label)}: {escape(fmt(value))}</title></circle>"
            )
    legend_y = height - 6
    out.append(
        f'<line class="line" x1="{left}" y1="{legend_y - 4}" x2="{left + 18}" y2="{legend_y - 4}"/>'
        f'<text class="legend" x="{left + 22}" y="{legend_y}">{escape(value_label)}</text>'
    )
    if any(v is not None for v in trajectory):
        out.append(
            f'<line class="target" x1="{left + 170}" y1="{legend_y - 4}" x2="{left + 188}" '
            f'y2="{legend_y - 4}"/><text class="legend" x="{left + 192}" y="{legend_y}">'
            f"{escape(expected_label)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above is escaped


def bar_chart(
    labels: Sequence[str], values: Sequence[Number], *, title: str, fmt: Format
) -> Markup:
    """Vertical bars, one per label (the shops at each maturity level)."""
    uid = next(_ids)
    width, height = 360, 190
    left, right, top, bottom = 10, 10, 22, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    floats = [_float(v) or 0.0 for v in values]
    upper = max(max(floats, default=0.0), 1.0)
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.62
    out = [
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{uid}-title chart-{uid}-desc">',
        f'<title id="chart-{uid}-title">{escape(title)}</title>',
        f'<desc id="chart-{uid}-desc">'
        + escape("; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values, strict=True)))
        + "</desc>",
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>',
    ]
    for index, (label, value, number) in enumerate(zip(labels, values, floats, strict=True)):
        h = plot_h * number / upper
        x = left + index * slot + (slot - bar) / 2
        y = top + plot_h - h
        out.append(
            f'<rect class="bar bar-{index}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text class="value" x="{x + bar / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle">'
            f"{escape(fmt(value))}</text>"
            f'<text class="tick" x="{x + bar / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above is escaped


def sparkline(values: Sequence[Number], *, title: str) -> Markup:
    """A small line of the last months, for a tile (its numbers are in the series table)."""
    width, height, pad = 120, 30, 3
    floats = [_float(v) for v in values]
    known = [v for v in floats if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(floats) - 1, 1)
    points = [
        (
            pad + i * step,
            None if v is None else height - pad - (height - 2 * pad) * (v - low) / span,
        )
        for i, v in enumerate(floats)
    ]
    dots = "".join(  # a month alone between gaps would draw no line: mark it
        f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="1.8"/>'
        for index, (x, y) in enumerate(points)
        if y is not None
        and (index == 0 or points[index - 1][1] is None)
        and (index == len(points) - 1 or points[index + 1][1] is None)
    )
    return Markup(  # noqa: S704 - every text is escaped
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<path class="line" d="{_path(points)}"/>{dots}</svg>'
    )
