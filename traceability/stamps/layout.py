"""How stamps sit on paper: the label to print, the sheet or roll layout, its checks, wrapping.

Pure geometry in millimetres (no drawing): the PDF, SVG and PNG renderers all place stamps and
their text with these.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

A4_MM = (210.0, 297.0)
MIN_SIZE_MM = 15.0
MAX_SIZE_MM = 40.0
PT_PER_MM = 72 / 25.4
HEADER_MIN_MARGIN_MM = 4.0  # the top margin a sheet needs for its page header

# GS1 AI (21) serials use "character set 82": a subset of printable ASCII.
_CSET82 = re.compile(r'[!"%-?A-Z_a-z]{1,20}')


@dataclass(frozen=True)
class Label:
    """One stamp to print."""

    url: str  # the GS1 Digital Link URI encoded in the QR symbol
    serial: str  # printed under the symbol as text (GS1 character set 82, at most 20 characters)
    caption: str = ""  # optional product name, may be Vietnamese
    hint: str = ""  # e.g. "Quét để kiểm tra", printed right under the symbol if layout.scan_hint

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("A stamp needs a URL to encode.")
        if not _CSET82.fullmatch(self.serial):
            raise ValueError(
                f"Serial {self.serial!r} is not 1-20 characters of GS1 character set 82."
            )


class LayoutError(ValueError):
    """A layout that cannot be printed; ``field`` names the setting to change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Layout:
    """How stamps are placed on paper.

    ``sheet``: A4 portrait, ``rows`` x ``cols`` stamps per page, the grid centred on the page.
    ``roll``: one stamp per page, the page the stamp's size plus ``margin_mm`` (label printers).
    """

    kind: str = "sheet"
    # 8 rows is the most that fits A4 at the default 25 mm with a two-line caption (see check()).
    rows: int = 8
    cols: int = 6
    size_mm: float = 25.0  # the printed QR symbol including its quiet zone
    show_caption: bool = True
    caption_lines: int = 2  # 1 or 2; a longer product name is cut with an ellipsis
    # None: 8 mm on sheets (outside most office printers' unprintable edge), 1 mm on roll labels.
    margin_mm: float | None = None
    # Space between stamps on a sheet, so that cutting off-line does not eat a quiet zone.
    gap_mm: float = 2.0
    cut_marks: bool = True  # short crop marks in the sheet margin at every row/column edge
    scan_hint: bool = False  # room for one short line (Label.hint) right under the symbol

    # Derived sizes ------------------------------------------------------------------------

    @property
    def margin(self) -> float:
        if self.margin_mm is not None:
            return self.margin_mm
        return 1.0 if self.kind == "roll" else 8.0

    @property
    def text_pt(self) -> float:
        """Nominal serial font size: grows with the stamp, but stays legible and modest."""
        return min(9.0, max(5.0, self.size_mm * 0.24))

    @property
    def caption_pt(self) -> float:
        return self.text_pt * 0.9

    @property
    def text_height_mm(self) -> float:
        """Height of the text block under the symbol (serial, caption lines, a little air)."""
        height_pt = self.text_pt * 1.25
        if self.scan_hint:
            height_pt += self.caption_pt * 1.25
        if self.show_caption:
            height_pt += self.caption_lines * self.caption_pt * 1.25
        return height_pt / PT_PER_MM + 0.6

    @property
    def label_width_mm(self) -> float:
        return self.size_mm

    @property
    def label_height_mm(self) -> float:
        return self.size_mm + self.text_height_mm

    @property
    def per_page(self) -> int:
        return 1 if self.kind == "roll" else self.rows * self.cols

    @property
    def page_mm(self) -> tuple[float, float]:
        if self.kind == "roll":
            return (
                self.label_width_mm + 2 * self.margin,
                self.label_height_mm + 2 * self.margin,
            )
        return A4_MM

    def boxes_mm(self) -> list[tuple[float, float]]:
        """Top-left corner (x, y in mm from the page's top-left) of each stamp box, row by row.

        The box is the QR symbol with its quiet zone (``size_mm`` square); the text is below it.
        """
        page_w, page_h = self.page_mm
        if self.kind == "roll":
            return [(self.margin, self.margin)]
        grid_w = _span(self.cols, self.label_width_mm, self.gap_mm)
        grid_h = _span(self.rows, self.label_height_mm, self.gap_mm)
        left, top = (page_w - grid_w) / 2, (page_h - grid_h) / 2
        return [
            (
                left + col * (self.label_width_mm + self.gap_mm),
                top + row * (self.label_height_mm + self.gap_mm),
            )
            for row in range(self.rows)
            for col in range(self.cols)
        ]

    def header_baseline_mm(self) -> float | None:
        """Where the page header's baseline goes (mm from the top), or None without room.

        The header sits in the top margin, above the stamps and their crop marks; a sheet needs
        HEADER_MIN_MARGIN_MM of margin for it. Roll labels (one stamp a page) have no header.
        """
        if self.kind != "sheet" or self.margin < HEADER_MIN_MARGIN_MM:
            return None
        return self.margin - 1.0

    def max_cols(self) -> int:
        return _fit_count(A4_MM[0] - 2 * self.margin, self.label_width_mm, self.gap_mm)

    def max_rows(self) -> int:
        return _fit_count(A4_MM[1] - 2 * self.margin, self.label_height_mm, self.gap_mm)

    # Validation ---------------------------------------------------------------------------

    def check(self) -> None:
        """Raise LayoutError saying what is wrong and what to change; return None if printable."""
        if self.kind not in ("sheet", "roll"):
            raise LayoutError(
                "kind", f"Unknown layout kind {self.kind!r}: use 'sheet' (A4) or 'roll' (labels)."
            )
        if not MIN_SIZE_MM <= self.size_mm <= MAX_SIZE_MM:
            raise LayoutError(
                "size_mm",
                f"A stamp of {self.size_mm:g} mm is outside the printable range: choose size_mm "
                f"from {MIN_SIZE_MM:g} mm to {MAX_SIZE_MM:g} mm.",
            )
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise LayoutError(
                    name, f"{name} must be a whole number of at least 1, not {value!r}."
                )
        if self.caption_lines not in (1, 2):
            raise LayoutError("caption_lines", "caption_lines must be 1 or 2.")
        if not 0 <= self.margin <= 30:
            raise LayoutError("margin_mm", "margin_mm must be between 0 and 30 mm.")
        if not 0 <= self.gap_mm <= 20:
            raise LayoutError("gap_mm", "gap_mm must be between 0 and 20 mm.")
        if self.kind == "sheet":
            self._check_fits_a4()

    def _check_fits_a4(self) -> None:
        hints = "a smaller size_mm, smaller margin_mm or gap_mm"
        if self.cols > self.max_cols():
            need = _span(self.cols, self.label_width_mm, self.gap_mm)
            raise LayoutError(
                "cols",
                f"{self.cols} columns of {self.size_mm:g} mm stamps need {need:.1f} mm but A4 is "
                f"{A4_MM[0] - 2 * self.margin:.1f} mm wide inside {self.margin:g} mm margins. "
                f"At most {self.max_cols()} columns fit: use cols={self.max_cols()} or {hints}.",
            )
        if self.rows > self.max_rows():
            need = _span(self.rows, self.label_height_mm, self.gap_mm)
            caption_hint = ", show_caption=False or caption_lines=1" if self.show_caption else ""
            caption_hint += ", scan_hint=False" if self.scan_hint else ""
            raise LayoutError(
                "rows",
                f"{self.rows} rows of {self.size_mm:g} mm stamps with their text need {need:.1f} mm"
                f" but A4 is {A4_MM[1] - 2 * self.margin:.1f} mm high inside {self.margin:g} mm "
                f"margins. At most {self.max_rows()} rows fit: use rows={self.max_rows()} or "
                f"{hints}{caption_hint}.",
            )


def _span(count: int, size: float, gap: float) -> float:
    return count * size + (count - 1) * gap


def _fit_count(available: float, size: float, gap: float) -> int:
    # A tiny tolerance so that a grid computed to fit exactly is not refused for rounding.
    return max(0, math.floor((available + gap + 1e-9) / (size + gap)))


def wrap_text(
    text: str, width: float, measure: Callable[[str], float], max_lines: int
) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines no wider than ``width``; ellipsize the rest.

    Words are kept whole when they fit on a line of their own, otherwise broken by character.
    """
    words = " ".join(unicodedata.normalize("NFC", text).split()).split(" ")
    if words == [""]:
        return []
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while measure(word) > width and len(lines) < max_lines:
            cut = _longest_prefix(word, width, measure)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
        if len(lines) >= max_lines:
            rest = " ".join([current, *words[index + 1 :]]).strip()
            return _ellipsize(lines, rest, width, measure, max_lines)
    if current:
        lines.append(current)  # the loop returned early if this would exceed max_lines
    return lines


def _longest_prefix(word: str, width: float, measure: Callable[[str], float]) -> int:
    cut = 1
    while cut < len(word) and measure(word[: cut + 1]) <= width:
        cut += 1
    return cut


def _ellipsize(
    lines: list[str], rest: str, width: float, measure: Callable[[str], float], max_lines: int
) -> list[str]:
    """Keep ``max_lines`` lines; if text was left over, end the last one with an ellipsis."""
    lines = lines[:max_lines]
    if not rest:
        return lines
    last = lines[-1] if lines else ""
    while last and measure(last.rstrip() + "…") > width:
        last = last[:-1]
    lines[-1:] = [last.rstrip() + "…"]
    return lines
