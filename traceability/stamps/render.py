"""Print rendering of QR stamps: A4 sheets and roll labels as PDF, single stamps as SVG or PNG.

A stamp is a QR symbol (GS1 Digital Link URI, error correction M, 4-module quiet zone inside the
stamp box) with its serial printed below it and, optionally, the product name in one or two lines.

Orders run to 100,000 stamps, so the PDF path is built for speed and bounded memory. The parts:
``qr.py`` encodes the symbols (our own encoder: the mask choice is the slow part of the usual
ones), ``layout.py`` places the stamps on the page, ``fonts.py`` reads the font's metrics and
subsets it with fontTools, and ``pdf.py`` writes the objects. Here each QR becomes one vector
path of rectangles in module units (crisp at any printer resolution) and each text a string of
glyph ids; pages are written to the output one at a time.

The names of those modules that callers use are importable from here too.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import accumulate
from typing import BinaryIO
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from traceability.stamps.fonts import FONT_PATH, StampFont, stamp_font
from traceability.stamps.layout import (
    A4_MM,
    HEADER_MIN_MARGIN_MM,
    MAX_SIZE_MM,
    MIN_SIZE_MM,
    PT_PER_MM,
    Label,
    Layout,
    LayoutError,
    wrap_text,
)
from traceability.stamps.pdf import FontUse, PageSink, PdfWriter, num, text_string, write_font
from traceability.stamps.qr import (
    EC_FORMAT_BITS,
    QUIET_ZONE,
    QrSymbol,
    encode_qr,
    penalty,
    qr_matrix,
    qr_rectangles,
)

__all__ = [
    "A4_MM",
    "EC_FORMAT_BITS",
    "FONT_PATH",
    "HEADER_MIN_MARGIN_MM",
    "HEADER_PT",
    "MAX_SIZE_MM",
    "MIN_SIZE_MM",
    "PROGRESS_EVERY",
    "PT_PER_MM",
    "QUIET_ZONE",
    "Label",
    "Layout",
    "LayoutError",
    "QrSymbol",
    "StampFont",
    "encode_qr",
    "penalty",
    "qr_matrix",
    "qr_rectangles",
    "render_pdf",
    "render_png",
    "render_svg",
    "stamp_font",
    "wrap_text",
]

PROGRESS_EVERY = 100
HEADER_PT = 6.0  # the small page header of a sheet: order, lot, page x / y


class _RunOperators(dict):
    """(first module index, length) of a dark run -> its PDF ``re`` operator, built on first use.

    One per symbol size; a stamp order reuses the same few thousand runs over and over, so the
    hot loop becomes dictionary look-ups done by ``map`` in C.
    """

    def __init__(self, size: int):
        super().__init__()
        self.stride = size + 1

    def __missing__(self, key: tuple[int, int]) -> str:
        row, col = divmod(key[0], self.stride)
        value = self[key] = f"{col} {row} {key[1]} 1 re"
        return value


_RUN_OPERATORS: dict[int, _RunOperators] = {}
_SPLIT_RUNS = re.compile("(1+)")


def _pdf_path(symbol: QrSymbol) -> str:
    """qr_rectangles as PDF ``re`` operators (the hot loop of render_pdf, hence no Python loop).

    Splitting on dark runs gives light, dark, light, ... pieces; the running sum of their lengths
    gives every dark run's first module.
    """
    operators = _RUN_OPERATORS.get(symbol.size)
    if operators is None or len(operators) > 200_000:  # bound the memory for odd large symbols
        operators = _RUN_OPERATORS[symbol.size] = _RunOperators(symbol.size)
    text = format(symbol.bits, f"0{(symbol.size + 1) * symbol.size}b")
    lengths = list(map(len, _SPLIT_RUNS.split(text)))
    ends = list(accumulate(lengths))
    return " ".join(map(operators.__getitem__, zip(ends[0:-1:2], lengths[1::2], strict=True)))


class _PageComposer:
    """Turns labels into PDF drawing operators at the slots of a layout."""

    def __init__(self, layout: Layout, fonts: FontUse):
        self.layout = layout
        self.fonts = fonts
        self.size_pt = layout.size_mm * PT_PER_MM
        self.text_width = (layout.size_mm - 1.0) * PT_PER_MM  # 0.5 mm clear of the box edges
        self.slots = self._slots()
        self._captions: dict[str, list[tuple[str, float]]] = {}
        self._lines: dict[str, tuple[str, float, float]] = {}

    def _slots(self) -> list[tuple[float, float]]:
        """Top-left corner (x, y in PDF points, y up) of each label box on a page."""
        page_h = self.layout.page_mm[1]
        return [(x * PT_PER_MM, (page_h - y) * PT_PER_MM) for x, y in self.layout.boxes_mm()]

    def header(self, left: str, right: str) -> str:
        """The page header: ``left`` (ellipsized to fit) and ``right`` right-aligned, in the top
        margin between the page margins."""
        baseline_mm = self.layout.header_baseline_mm()
        if baseline_mm is None or not (left or right):
            return ""
        page_w, page_h = self.layout.page_mm
        margin = self.layout.margin * PT_PER_MM
        x_right = page_w * PT_PER_MM - margin
        baseline = (page_h - baseline_mm) * PT_PER_MM
        fonts, size = self.fonts, HEADER_PT
        right = unicodedata.normalize("NFC", right)
        right_width = fonts.width(right, size)
        room = x_right - margin - right_width - 3 * PT_PER_MM
        lines = wrap_text(left, room, lambda t: fonts.width(t, size), 1) if room > 0 else []
        ops = []
        if lines:
            ops.append(
                f"BT /F1 {num(size)} Tf {num(margin)} {num(baseline)} Td "
                f"<{fonts.hex(lines[0])}> Tj ET"
            )
        if right:
            ops.append(
                f"BT /F1 {num(size)} Tf {num(x_right - right_width)} {num(baseline)} Td "
                f"<{fonts.hex(right)}> Tj ET"
            )
        return " ".join(ops)

    def cut_marks(self, *, top: bool = True) -> str:
        """Crop marks in the page margin at the edges of every column and row.

        ``top=False`` leaves out the marks above the grid, where the page header is.
        """
        layout = self.layout
        if layout.kind == "roll" or not layout.cut_marks:
            return ""
        page_h = layout.page_mm[1] * PT_PER_MM
        first_x, first_y = self.slots[0]
        last_x, last_y = self.slots[-1]
        right = last_x + self.size_pt
        bottom = last_y - layout.label_height_mm * PT_PER_MM
        length = min(4 * PT_PER_MM, first_x - PT_PER_MM, page_h - first_y - PT_PER_MM)
        if length < PT_PER_MM:  # no room in the margin: leave them out rather than crowd stamps
            return ""
        gap = PT_PER_MM  # marks stop 1 mm short of the stamps
        xs = sorted({x for x, _ in self.slots} | {x + self.size_pt for x, _ in self.slots})
        label_h = layout.label_height_mm * PT_PER_MM
        ys = sorted({y for _, y in self.slots} | {y - label_h for _, y in self.slots})
        ops = ["q 0.2 w 0 G"]
        for x in xs:
            if top:
                ops.append(
                    f"{num(x)} {num(first_y + gap)} m {num(x)} {num(first_y + gap + length)} l"
                )
            ops.append(f"{num(x)} {num(bottom - gap)} m {num(x)} {num(bottom - gap - length)} l")
        for y in ys:
            ops.append(f"{num(first_x - gap)} {num(y)} m {num(first_x - gap - length)} {num(y)} l")
            ops.append(f"{num(right + gap)} {num(y)} m {num(right + gap + length)} {num(y)} l")
        ops.append("S Q")
        return "\n".join(ops)

    def label(self, label: Label, slot: int) -> str:
        x, top = self.slots[slot]
        symbol = encode_qr(label.url)
        modules = symbol.size + 2 * QUIET_ZONE
        unit = self.size_pt / modules
        # Module grid with y downwards, origin at the first dark-capable module (inside the
        # quiet zone), so every rectangle is four small integers.
        origin_x = x + QUIET_ZONE * unit
        origin_y = top - QUIET_ZONE * unit
        path = _pdf_path(symbol)
        parts = [f"q {unit:.5f} 0 0 {-unit:.5f} {origin_x:.3f} {origin_y:.3f} cm {path} f Q"]
        parts.append(self._text(label, x, top - self.size_pt))
        return "\n".join(parts)

    def _text(self, label: Label, x: float, qr_bottom: float) -> str:
        layout, fonts = self.layout, self.fonts
        centre = x + self.size_pt / 2
        ops = []
        if layout.scan_hint and label.hint:
            hint_size = layout.caption_pt
            ops.append(self._line(label.hint, hint_size, centre, qr_bottom - hint_size * 0.98))
            qr_bottom -= hint_size * 1.25
        size = layout.text_pt
        width = fonts.width(label.serial, size)
        if width > self.text_width:  # never cut a serial: shrink it instead
            size *= self.text_width / width
            width = self.text_width
        baseline = qr_bottom - layout.text_pt * 0.98
        ops.append(f"BT /F1 {num(size)} Tf {num(centre - width / 2)} {num(baseline)} Td")
        ops.append(f"<{fonts.hex(label.serial)}> Tj ET")
        if layout.show_caption and label.caption:
            ops.append(self._caption(label.caption, centre, baseline))
        return " ".join(ops)

    def _line(self, text: str, size: float, centre: float, baseline: float) -> str:
        """One centred line, shrunk (never cut) to the stamp's width; the result is cached."""
        key = f"{size}\x00{text}"
        drawn = self._lines.get(key)
        if drawn is None:
            text = unicodedata.normalize("NFC", text)
            width = self.fonts.width(text, size)
            if width > self.text_width:
                size *= self.text_width / width
                width = self.text_width
            drawn = (self.fonts.hex(text), size, width)
            if len(self._lines) < 64:
                self._lines[key] = drawn
        glyphs, size, width = drawn
        return (
            f"BT /F1 {num(size)} Tf {num(centre - width / 2)} {num(baseline)} Td <{glyphs}> Tj ET"
        )

    def _caption(self, caption: str, centre: float, serial_baseline: float) -> str:
        size = self.layout.caption_pt
        lines = self._captions.get(caption)
        if lines is None:  # an order usually repeats one product name: wrap it once
            wrapped = wrap_text(
                caption,
                self.text_width,
                lambda s: self.fonts.width(s, size),
                self.layout.caption_lines,
            )
            lines = [(self.fonts.hex(line), self.fonts.width(line, size)) for line in wrapped]
            if len(self._captions) < 1024:
                self._captions[caption] = lines
        ops = []
        baseline = serial_baseline - self.layout.text_pt * 0.27 - size
        for glyphs, width in lines:
            ops.append(
                f"BT /F1 {num(size)} Tf {num(centre - width / 2)} {num(baseline)} Td "
                f"<{glyphs}> Tj ET"
            )
            baseline -= size * 1.25
        return " ".join(ops)


def render_pdf(
    labels: Iterable[Label],
    layout: Layout,
    out: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    title: str = "",
    header: str = "",
    page_label: Callable[[int, int], str] | None = None,
    total: int | None = None,
) -> int:
    """Write the stamps as a PDF to ``out``, page by page; return how many were drawn.

    ``labels`` is consumed lazily (a generator is fine). ``progress`` gets the running count every
    PROGRESS_EVERY labels and once at the end with the total.

    On sheets, each page gets a small header in its top margin: ``header`` on the left and
    ``page_label(page, pages)`` on the right (the caller words and formats it, e.g.
    "Trang 1 / 3"); ``total``, the number of labels, gives the number of pages.
    """
    layout.check()
    if page_label is not None and total is None:
        raise ValueError("page_label needs total, the number of labels, to count the pages.")
    has_header = bool(header or page_label)
    if has_header and layout.kind == "sheet" and layout.header_baseline_mm() is None:
        raise LayoutError(
            "margin_mm",
            f"A page header needs a top margin of at least {HEADER_MIN_MARGIN_MM:g} mm, not "
            f"{layout.margin:g} mm: use a larger margin_mm or no header.",
        )
    pages = max(1, math.ceil((total or 0) / layout.per_page))
    fonts = FontUse(stamp_font())
    composer = _PageComposer(layout, fonts)
    pdf = PdfWriter(out)
    catalog, pages_id, font_id = pdf.reserve(), pdf.reserve(), pdf.reserve()
    page_w, page_h = (num(v * PT_PER_MM) for v in layout.page_mm)
    sink = PageSink(
        pdf,
        f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {page_w} {page_h}] "
        f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {{content}} 0 R >>",
    )
    parts = ["0 g", composer.cut_marks(top=not has_header), ""]
    page_start = len(parts)

    def start_page(number: int) -> None:
        right = page_label(number, max(pages, number)) if page_label is not None else ""
        parts[page_start - 1] = composer.header(header, right)

    start_page(1)
    drawn, reported = 0, -1
    try:
        for label in labels:
            parts.append(composer.label(label, drawn % layout.per_page))
            drawn += 1
            if drawn % layout.per_page == 0:
                sink.add("\n".join(parts).encode("latin-1"))
                del parts[page_start:]
                start_page(drawn // layout.per_page + 1)
            if progress is not None and drawn % PROGRESS_EVERY == 0:
                progress(drawn)
                reported = drawn
        if len(parts) > page_start or drawn == 0:
            # The last, partly filled page (or one blank page: a PDF needs a page).
            sink.add("\n".join(parts).encode("latin-1"))
    finally:
        sink.close()
    write_font(pdf, font_id, fonts)
    kids = " ".join(f"{page} 0 R" for page in sink.page_ids)
    pdf.obj(pages_id, f"<< /Type /Pages /Kids [{kids}] /Count {len(sink.page_ids)} >>")
    pdf.obj(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R >>")
    info = pdf.reserve()
    pdf.obj(
        info,
        f"<< /Title {text_string(title or 'QR stamps')} "
        f"/Producer {text_string('Dong Nai traceability stamp renderer')} >>",
    )
    pdf.close(catalog, info)
    if progress is not None and reported != drawn:
        progress(drawn)
    return drawn


# --------------------------------------------------------------------------------------------
# Single stamps: SVG and PNG
# --------------------------------------------------------------------------------------------


def render_svg(label: Label, size_mm: float = 25) -> str:
    """One stamp as SVG: the symbol as one path in module units, serial and caption below."""
    layout = Layout(kind="roll", size_mm=size_mm, margin_mm=0)
    layout.check()
    symbol = encode_qr(label.url)
    modules = symbol.size + 2 * QUIET_ZONE
    mm_per_module = size_mm / modules
    pt = 1 / (PT_PER_MM * mm_per_module)  # one point in module units
    height = modules + layout.text_height_mm / mm_per_module
    fonts = FontUse(stamp_font())
    text_width = (size_mm - 1.0) / mm_per_module
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{w}v{h}h-{w}z" for x, y, w, h in qr_rectangles(symbol)
    )
    serial_size = layout.text_pt * pt
    serial_width = fonts.width(label.serial, serial_size)
    if serial_width > text_width:
        serial_size *= text_width / serial_width
    baseline = modules + layout.text_pt * 0.98 * pt
    family = "'DejaVu Sans Condensed','DejaVu Sans','Arial Narrow',sans-serif"
    texts = [_svg_text(label.serial, modules / 2, baseline, serial_size)]
    if label.caption:
        size = layout.caption_pt * pt
        line_y = baseline + layout.text_pt * 0.27 * pt + size
        lines = wrap_text(label.caption, text_width, lambda s: fonts.width(s, size), 2)
        for line in lines:
            texts.append(_svg_text(line, modules / 2, line_y, size))
            line_y += size * 1.25
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm:g}mm" '
        f'height="{num(height * mm_per_module)}mm" viewBox="0 0 {modules} {num(height)}">'
        f'<rect width="{modules}" height="{num(height)}" fill="#fff"/>'
        f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>'
        f'<g font-family="{family}" text-anchor="middle" fill="#000">{"".join(texts)}</g>'
        "</svg>"
    )


def _svg_text(text: str, x: float, y: float, size: float) -> str:
    return f'<text x="{num(x)}" y="{num(y)}" font-size="{size:.3f}">{escape(text)}</text>'


_PNG_LEVELS = bytes.maketrans(b"01", b"\xff\x00")  # '1' = dark module = black


@lru_cache(maxsize=16)
def _pil_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def render_png(label: Label, size_px: int = 600) -> bytes:
    """One stamp as PNG: the symbol scaled by a whole number of pixels per module (no blur)."""
    symbol = encode_qr(label.url)
    modules = symbol.size + 2 * QUIET_ZONE
    if size_px < modules:
        raise ValueError(f"size_px must be at least {modules} for this URL (one pixel per module).")
    scale = size_px // modules
    qr_px = scale * modules
    offset = (size_px - qr_px) // 2  # leftover pixels only widen the quiet zone
    serial_px = max(8, round(size_px * 0.085))
    caption_px = max(8, round(serial_px * 0.9))
    lines = []
    if label.caption:
        font = _pil_font(caption_px)
        lines = wrap_text(label.caption, size_px * 0.96, font.getlength, 2)
    height = size_px + round(serial_px * 1.3 + len(lines) * caption_px * 1.25) + serial_px // 4

    light_row = "0" * QUIET_ZONE
    bits = "".join(light_row + row + light_row for row in symbol.row_strings())
    blank = "0" * modules * QUIET_ZONE
    pixels = (blank + bits + blank).encode("ascii").translate(_PNG_LEVELS)
    buffer = io.BytesIO()
    with (
        Image.frombytes("L", (modules, modules), pixels) as small,
        small.resize((qr_px, qr_px), Image.Resampling.NEAREST) as qr,
        Image.new("L", (size_px, height), 255) as canvas,
    ):
        canvas.paste(qr, (offset, offset))
        draw = ImageDraw.Draw(canvas)
        serial_font = _pil_font(serial_px)
        y = size_px + serial_px * 0.1
        draw.text((size_px / 2, y), label.serial, font=serial_font, fill=0, anchor="ma")
        y += serial_px * 1.3
        for line in lines:
            draw.text((size_px / 2, y), line, font=_pil_font(caption_px), fill=0, anchor="ma")
            y += caption_px * 1.25
        canvas.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()
