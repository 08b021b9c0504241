"""Print rendering of QR stamps: A4 sheets and roll labels as PDF, single stamps as SVG or PNG.

A stamp is a QR symbol (GS1 Digital Link URI, error correction M, 4-module quiet zone inside the
stamp box) with its serial printed below it and, optionally, the product name in one or two lines.

Orders run to 100,000 stamps, so the PDF path is built for speed and bounded memory:

* The QR encoder is our own (byte mode, versions 1-40). The slow part of the usual encoders is
  choosing the mask: they draw the symbol eight times and score each one module by module. Here a
  symbol is one Python integer (row-major bits, each row followed by a spare bit), so the data is
  placed once with a precomputed permutation, each mask is an XOR, and the four ISO/IEC 18004
  penalty rules are counted with shifts, ANDs and popcounts on whole symbols. The score is the same
  number as ``qrcode.util.lost_point`` gives (the tests check it), so the chosen mask is the
  standard's lowest-penalty one.
* The PDF is written by hand: each QR is one vector path of rectangles in module units (crisp at
  any printer resolution), text uses an embedded subset of DejaVu Sans Condensed (Vietnamese
  glyphs) through Identity-H with a ToUnicode map (so the text can be searched and extracted), and
  pages are compressed and written to the output one at a time. Only the page numbers and object
  offsets stay in memory; the font subset is written last, once the glyphs used are known.

The font file is vendored in ``static/fonts/`` (with its licence) so that output does not depend
on the fonts installed on the machine.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont
from qrcode.base import rs_blocks
from qrcode.util import pattern_position

FONT_PATH = Path(__file__).resolve().parents[2] / "static" / "fonts" / "DejaVuSansCondensed.ttf"

A4_MM = (210.0, 297.0)
MIN_SIZE_MM = 15.0
MAX_SIZE_MM = 40.0
QUIET_ZONE = 4  # modules of light margin around the symbol, required by ISO/IEC 18004
PROGRESS_EVERY = 100
PT_PER_MM = 72 / 25.4
HEADER_PT = 6.0  # the small page header of a sheet: order, lot, page x / y
HEADER_MIN_MARGIN_MM = 4.0

# GS1 AI (21) serials use "character set 82": a subset of printable ASCII.
_CSET82 = re.compile(r'[!"%-?A-Z_a-z]{1,20}')


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# QR encoding
# --------------------------------------------------------------------------------------------

# Format-information bits of each error correction level (ISO/IEC 18004 table 12). They are
# also the constants of the qrcode package, whose Reed-Solomon block table we reuse.
EC_FORMAT_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}


@dataclass(frozen=True)
class QrSymbol:
    """An encoded QR symbol without quiet zone.

    ``bits`` holds the modules row by row, most significant bit first, dark = 1, each row followed
    by one spare 0 bit that is not a module (stride ``size + 1``). The spare bits keep runs and
    patterns from wrapping from one row into the next when the penalty rules shift whole symbols.
    """

    version: int
    ec: str
    mask: int
    size: int
    bits: int

    def row_strings(self) -> list[str]:
        """Rows as strings of '0' (light) and '1' (dark)."""
        stride = self.size + 1
        text = format(self.bits, f"0{stride * self.size}b")
        return [text[i : i + self.size] for i in range(0, len(text), stride)]

    def matrix(self) -> list[list[bool]]:
        return [[c == "1" for c in row] for row in self.row_strings()]


@dataclass(frozen=True)
class _Template:
    """Everything about one version's symbol that does not depend on the data."""

    size: int
    data_capacity: int  # number of data+EC modules (codeword bits plus remainder bits)
    gather: itemgetter  # picks each module's bit from "data bits + '0'", in the bit layout order
    function: int  # dark function modules (finders, timing, alignment, version info...)
    masks: tuple[int, ...]  # per mask: the data modules it inverts
    formats: dict[tuple[str, int], int]  # per (ec, mask): the dark format-information bits
    valid: int  # all module bits (not the separators)


def qr_matrix(url: str, *, ec: str = "M") -> list[list[bool]]:
    """The modules of the QR symbol for ``url`` (True = dark), without quiet zone."""
    return encode_qr(url, ec=ec).matrix()


def encode_qr(data: str | bytes, *, ec: str = "M", mask: int | None = None) -> QrSymbol:
    """Encode ``data`` in byte mode (UTF-8) at the smallest version, with the best mask.

    ``mask`` forces a mask pattern (tests compare with other encoders that way).

    Byte mode for the whole URI keeps the symbol exactly what any scanner returns; the URI is
    short enough that mode switching would not save a version.
    """
    if ec not in EC_FORMAT_BITS:
        raise ValueError(f"Unknown error correction level {ec!r}: use L, M, Q or H.")
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    version = _smallest_version(len(payload), ec)
    tmpl = _template(version)
    bitstream = _codeword_bits(payload, version, ec)
    source = bitstream + "0" * (tmpl.data_capacity - len(bitstream)) + "0"
    unmasked = int("".join(tmpl.gather(source)), 2) | tmpl.function
    masked = [(unmasked ^ tmpl.masks[m]) | tmpl.formats[ec, m] for m in range(8)]
    if mask is None:
        # The standard's choice: the lowest penalty, the first mask on a tie. The finished symbol
        # (format information included) is scored, as ISO/IEC 18004, zxing and Nayuki's encoder
        # do; qrcode scores with blank format information, so its choice can differ. Any mask
        # is valid for decoders, the penalty only steers away from hard-to-read patterns.
        scores = [penalty(bits, tmpl.size, tmpl.valid) for bits in masked]
        mask = scores.index(min(scores))
    return QrSymbol(version, ec, mask, tmpl.size, masked[mask])


@lru_cache(maxsize=4)
def _capacities(ec: str) -> tuple[int, ...]:
    """Data codewords per version (index 0 = version 1)."""
    return tuple(
        sum(block.data_count for block in rs_blocks(v, EC_FORMAT_BITS[ec])) for v in range(1, 41)
    )


def _smallest_version(length: int, ec: str) -> int:
    for version, capacity in enumerate(_capacities(ec), start=1):
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= 8 * capacity:
            return version
    raise ValueError(f"{length} bytes do not fit in a QR symbol at error correction {ec}.")


def _codeword_bits(payload: bytes, version: int, ec: str) -> str:
    """Data codewords (mode, count, data, terminator, padding) interleaved with their RS codes."""
    blocks, capacity, interleave = _block_plan(version, ec)
    count_bits = 8 if version < 10 else 16
    bits = "0100" + format(len(payload), f"0{count_bits}b")
    if payload:
        bits += format(int.from_bytes(payload, "big"), f"0{8 * len(payload)}b")
    bits += "0" * min(4, 8 * capacity - len(bits))  # terminator, shortened if no room
    bits += "0" * (-len(bits) % 8)
    data = int(bits, 2).to_bytes(len(bits) // 8, "big")
    data += (b"\xec\x11" * capacity)[: capacity - len(data)]
    codes = []
    offset = 0
    for data_count, ec_count in blocks:
        codes.append(_rs_remainder(data[offset : offset + data_count], ec_count))
        offset += data_count
    ordered = bytes(interleave(data + b"".join(codes)))
    return format(int.from_bytes(ordered, "big"), f"0{8 * len(ordered)}b")


@lru_cache(maxsize=160)
def _block_plan(version: int, ec: str) -> tuple[tuple[tuple[int, int], ...], int, itemgetter]:
    """Blocks as (data, EC codewords), data capacity, and the codeword interleaving order.

    The order picks from "all data blocks, then all EC blocks" concatenated: the first codeword
    of every data block, then the second, ..., then the same for the EC blocks.
    """
    blocks = tuple(
        (b.data_count, b.total_count - b.data_count) for b in rs_blocks(version, EC_FORMAT_BITS[ec])
    )
    capacity = sum(d for d, _ in blocks)
    order = []
    for part, base in ((0, 0), (1, capacity)):
        starts = []
        for block in blocks:
            starts.append(base)
            base += block[part]
        for i in range(max(block[part] for block in blocks)):
            order += [
                start + i for start, block in zip(starts, blocks, strict=True) if i < block[part]
            ]
    return blocks, capacity, itemgetter(*order)


def _gf_tables() -> tuple[list[int], list[int]]:
    """Powers of 2 and logarithms in GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1."""
    exp, log = [0] * 512, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    return exp, log


_EXP, _LOG = _gf_tables()


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@lru_cache(maxsize=64)
def _rs_products(degree: int) -> tuple[int, ...]:
    """For each byte value f: f times the generator polynomial (without its leading 1) as an int.

    With this table the polynomial division takes one shift and one XOR per data codeword.
    """
    generator = [1]
    for i in range(degree):
        nxt = [*generator, 0]
        for j, coefficient in enumerate(generator):
            nxt[j + 1] ^= _gf_mul(coefficient, _EXP[i])
        generator = nxt
    return tuple(
        int.from_bytes(bytes(_gf_mul(f, g) for g in generator[1:]), "big") for f in range(256)
    )


def _rs_remainder(data: bytes, degree: int) -> bytes:
    products = _rs_products(degree)
    top = 8 * (degree - 1)
    full = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & full) ^ products[(remainder >> top) ^ byte]
    return remainder.to_bytes(degree, "big")


def _bch(value: int, generator: int, degree: int) -> int:
    remainder = value << degree
    top = generator.bit_length() - 1
    while remainder.bit_length() > degree:
        remainder ^= generator << (remainder.bit_length() - 1 - top)
    return (value << degree) | remainder


def _format_word(ec: str, mask: int) -> int:
    return _bch((EC_FORMAT_BITS[ec] << 3) | mask, 0x537, 10) ^ 0x5412


_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
)


def _format_positions(n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(row, col) of format bits 0..14: the copy by the top-left finder, then the split copy."""
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
    first += [(8, 14 - i) for i in range(9, 15)]
    second = [(8, n - 1 - i) for i in range(8)] + [(n - 15 + i, 8) for i in range(8, 15)]
    return first, second


def _function_grid(version: int) -> list[list[bool | None]]:
    """The symbol with function modules set (dark/light) and data modules None."""
    n = 4 * version + 17
    grid: list[list[bool | None]] = [[None] * n for _ in range(n)]

    def finder(top: int, left: int) -> None:
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                r, c = top + dr, left + dc
                if 0 <= r < n and 0 <= c < n:
                    ring = max(abs(dr - 3), abs(dc - 3))  # 0 centre .. 3 edge, 4 separator
                    grid[r][c] = ring != 2 and ring != 4

    finder(0, 0)
    finder(0, n - 7)
    finder(n - 7, 0)
    for i in range(8, n - 8):
        grid[6][i] = grid[i][6] = i % 2 == 0
    centres = pattern_position(version)  # empty for version 1
    # Every pair of centres gets an alignment pattern, except the three under the finders.
    corners = {(6, 6), (6, n - 7), (n - 7, 6)}
    for r in centres:
        for c in centres:
            if (r, c) in corners:
                continue
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    grid[r + dr][c + dc] = max(abs(dr), abs(dc)) != 1
    for r, c in _format_positions(n)[0] + _format_positions(n)[1]:
        grid[r][c] = False  # reserved; the bits depend on the mask
    grid[n - 8][8] = True  # the "dark module"
    if version >= 7:
        word = _bch(version, 0x1F25, 12)
        for i in range(18):
            bit = bool((word >> i) & 1)
            a, b = n - 11 + i % 3, i // 3
            grid[b][a] = grid[a][b] = bit
    return grid


def _placement_order(grid: list[list[bool | None]]) -> list[tuple[int, int]]:
    """Data modules in the order codeword bits fill them: two-column zigzag from bottom right."""
    n = len(grid)
    order = []
    right = n - 1
    while right >= 1:
        if right == 6:  # the vertical timing pattern column is skipped
            right = 5
        upward = ((right + 1) & 2) == 0
        for step in range(n):
            r = n - 1 - step if upward else step
            for c in (right, right - 1):
                if grid[r][c] is None:
                    order.append((r, c))
        right -= 2
    return order


@lru_cache(maxsize=40)
def _template(version: int) -> _Template:
    n = 4 * version + 17
    stride = n + 1
    total = n * stride
    grid = _function_grid(version)
    order = _placement_order(grid)
    index = {pos: i for i, pos in enumerate(order)}
    light = len(order)  # index of the "0" appended to the data bits

    def collect(cells: Iterable[tuple[int, int]]) -> int:
        bits = bytearray(b"0" * total)
        for r, c in cells:
            bits[r * stride + c] = ord("1")
        return int(bits, 2)

    # For every bit of the layout (row by row, separator last): which data bit goes there.
    picks = [index.get((r, c), light) for r in range(n) for c in range(stride)]
    dark_function = [(r, c) for r in range(n) for c in range(n) if grid[r][c]]
    first, second = _format_positions(n)
    formats = {}
    for ec in EC_FORMAT_BITS:
        for m in range(8):
            word = _format_word(ec, m)
            cells = [pos for i in range(15) if (word >> i) & 1 for pos in (first[i], second[i])]
            formats[ec, m] = collect(cells)
    return _Template(
        size=n,
        data_capacity=len(order),
        gather=itemgetter(*picks),
        function=collect(dark_function),
        masks=tuple(collect(pos for pos in order if _MASKS[m](*pos)) for m in range(8)),
        formats=formats,
        valid=collect((r, c) for r in range(n) for c in range(n)),
    )


def penalty(bits: int, size: int, valid: int) -> int:
    """ISO/IEC 18004 mask penalty (rules N1..N4) of a symbol in the QrSymbol bit layout.

    ``valid`` marks the module bits. Separator bits are neither dark nor light, so no run or
    pattern continues from one row into the next; shifting by the stride instead of by one
    applies the same rules to columns (bits shifted in above the first row are neither).
    """
    dark, light = bits, ~bits & valid
    stride = size + 1
    score = 0
    for step in (1, stride):
        score += _runs_penalty(dark, step) + _runs_penalty(light, step)
        score += 40 * _finder_like_count(dark, light, step)
    for colour in (dark, light):
        vertical = colour & (colour >> stride)
        score += 3 * (vertical & (vertical >> 1)).bit_count()
    dark_share = dark.bit_count() / (size * size)
    score += int(abs(dark_share * 100 - 50) / 5) * 10
    return score


def _runs_penalty(colour: int, step: int) -> int:
    """Rule 1: 3 + (length - 5) for every run of five or more same-coloured modules in a line."""
    pairs = colour & (colour >> step)
    fours = pairs & (pairs >> 2 * step)
    fives = fours & (colour >> 4 * step)  # one bit per window of five: a run of L gives L - 4
    starts = fives & ~(fives << step)  # one bit per run
    return fives.bit_count() + 2 * starts.bit_count()


def _finder_like_count(dark: int, light: int, step: int) -> int:
    """Rule 3: windows 1011101 with four light modules after (10111010000) or before (00001011101).

    Shifting left by ``step`` lines up the next module of the line with the current one, so a
    window starting at a module is the AND of shifted copies.
    """
    s = step
    dark3 = dark & (dark << s) & (dark << 2 * s)
    core = dark & (light << s) & (dark3 << 2 * s) & (light << 5 * s) & (dark << 6 * s)
    light2 = light & (light << s)
    light4 = light2 & (light2 << 2 * s)
    return (core & (light4 << 7 * s)).bit_count() + (light4 & (core << 4 * s)).bit_count()


# --------------------------------------------------------------------------------------------
# Geometry shared by the renderers
# --------------------------------------------------------------------------------------------

_DARK_RUN = re.compile("1+")


def qr_rectangles(symbol: QrSymbol) -> list[tuple[int, int, int, int]]:
    """Dark modules as (x, y, width, height) rectangles in module units, y downwards.

    One rectangle per horizontal run. Merging equal runs of consecutive rows into taller
    rectangles was measured: it shortens the raw path by a sixth, but after Flate the PDF is the
    same size and building it is slower, so runs stay one module high.
    """
    stride = symbol.size + 1
    text = format(symbol.bits, f"0{stride * symbol.size}b")
    rects = []
    for match in _DARK_RUN.finditer(text):
        row, col = divmod(match.start(), stride)
        rects.append((col, row, match.end() - match.start(), 1))
    return rects


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


# --------------------------------------------------------------------------------------------
# TrueType font: metrics for layout and a subset for embedding
# --------------------------------------------------------------------------------------------

_REQUIRED_TABLES = (b"head", b"hhea", b"hmtx", b"maxp", b"loca", b"glyf", b"cvt ", b"fpgm", b"prep")


class TrueTypeFont:
    """The parts of a TrueType file that PDF embedding needs, read with struct (no dependency)."""

    def __init__(self, data: bytes):
        self.data = data
        count = struct.unpack_from(">H", data, 4)[0]
        self.tables: dict[bytes, tuple[int, int]] = {}
        for i in range(count):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag] = (offset, length)
        head = self.tables[b"head"][0]
        self.units_per_em = struct.unpack_from(">H", data, head + 18)[0]
        self.bbox = struct.unpack_from(">4h", data, head + 36)
        long_loca = struct.unpack_from(">h", data, head + 50)[0] == 1
        hhea = self.tables[b"hhea"][0]
        self.ascent, self.descent = struct.unpack_from(">hh", data, hhea + 4)
        metrics_count = struct.unpack_from(">H", data, hhea + 34)[0]
        self.glyph_count = struct.unpack_from(">H", data, self.tables[b"maxp"][0] + 4)[0]
        hmtx = self.tables[b"hmtx"][0]
        advances = [struct.unpack_from(">H", data, hmtx + 4 * i)[0] for i in range(metrics_count)]
        advances += [advances[-1]] * (self.glyph_count - metrics_count)
        self.advances = advances
        self.cap_height = self._cap_height()
        self.loca = self._read_loca(long_loca)
        self.cmap = self._read_cmap()
        self.postscript_name = self._postscript_name()

    def _cap_height(self) -> int:
        offset, length = self.tables.get(b"OS/2", (0, 0))
        if length >= 90 and struct.unpack_from(">H", self.data, offset)[0] >= 2:
            return struct.unpack_from(">h", self.data, offset + 88)[0]
        return self.ascent

    def _read_loca(self, long_loca: bool) -> list[int]:
        offset = self.tables[b"loca"][0]
        count = self.glyph_count + 1
        if long_loca:
            return list(struct.unpack_from(f">{count}I", self.data, offset))
        return [2 * v for v in struct.unpack_from(f">{count}H", self.data, offset)]

    def _read_cmap(self) -> dict[int, int]:
        """Unicode code point -> glyph id, from the Windows Unicode subtable (format 12 or 4)."""
        base = self.tables[b"cmap"][0]
        count = struct.unpack_from(">H", self.data, base + 2)[0]
        subtables = {}
        for i in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", self.data, base + 4 + 8 * i)
            subtables[platform, encoding] = base + offset
        if (3, 10) in subtables:
            return self._cmap_format12(subtables[3, 10])
        return self._cmap_format4(subtables[3, 1])

    def _cmap_format12(self, at: int) -> dict[int, int]:
        groups = struct.unpack_from(">I", self.data, at + 12)[0]
        mapping = {}
        for i in range(groups):
            start, end, glyph = struct.unpack_from(">III", self.data, at + 16 + 12 * i)
            for code in range(start, end + 1):
                mapping[code] = glyph + code - start
        return mapping

    def _cmap_format4(self, at: int) -> dict[int, int]:
        segments = struct.unpack_from(">H", self.data, at + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", self.data, at + 14)
        starts_at = at + 16 + 2 * segments
        starts = struct.unpack_from(f">{segments}H", self.data, starts_at)
        deltas = struct.unpack_from(f">{segments}h", self.data, starts_at + 2 * segments)
        range_at = starts_at + 4 * segments
        ranges = struct.unpack_from(f">{segments}H", self.data, range_at)
        mapping = {}
        for i in range(segments):
            for code in range(starts[i], ends[i] + 1):
                if code == 0xFFFF:
                    continue
                if ranges[i] == 0:
                    glyph = (code + deltas[i]) & 0xFFFF
                else:
                    where = range_at + 2 * i + ranges[i] + 2 * (code - starts[i])
                    glyph = struct.unpack_from(">H", self.data, where)[0]
                    glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
                if glyph:
                    mapping[code] = glyph
        return mapping

    def _postscript_name(self) -> str:
        offset, _ = self.tables[b"name"]
        count, strings = struct.unpack_from(">HH", self.data, offset + 2)
        for i in range(count):
            platform, _enc, _lang, name_id, length, where = struct.unpack_from(
                ">6H", self.data, offset + 6 + 12 * i
            )
            if name_id == 6:
                raw = self.data[offset + strings + where : offset + strings + where + length]
                text = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1")
                return re.sub(r"[^A-Za-z0-9-]", "", text) or "Font"
        return "Font"

    def glyph_bytes(self, gid: int) -> bytes:
        glyf = self.tables[b"glyf"][0]
        return self.data[glyf + self.loca[gid] : glyf + self.loca[gid + 1]]

    def components(self, gid: int) -> list[int]:
        """Glyph ids a composite glyph is built from (Vietnamese letters are base + marks)."""
        glyph = self.glyph_bytes(gid)
        if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
            return []
        found, at = [], 10
        while True:
            flags, component = struct.unpack_from(">HH", glyph, at)
            found.append(component)
            at += 4 + (4 if flags & 0x0001 else 2)
            if flags & 0x0008:
                at += 2
            elif flags & 0x0040:
                at += 4
            elif flags & 0x0080:
                at += 8
            if not flags & 0x0020:
                return found

    def subset(self, used: Iterable[int]) -> bytes:
        """A TrueType file where every glyph not in ``used`` is empty; glyph ids are unchanged.

        Keeping the ids lets the content streams be written before the subset is known.
        """
        keep = {0}
        pending = list(used)
        while pending:
            gid = pending.pop()
            if gid not in keep:
                keep.add(gid)
                pending.extend(self.components(gid))
        glyf = bytearray()
        loca = []
        for gid in range(self.glyph_count):
            loca.append(len(glyf))
            if gid in keep:
                glyf += self.glyph_bytes(gid)
                glyf += b"\0" * (-len(glyf) % 4)
        loca.append(len(glyf))
        tables = {tag: self._table(tag) for tag in _REQUIRED_TABLES if tag in self.tables}
        head = bytearray(tables[b"head"])
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, recomputed below
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        tables[b"head"] = bytes(head)
        tables[b"glyf"] = bytes(glyf)
        tables[b"loca"] = struct.pack(f">{len(loca)}I", *loca)
        return _sfnt(tables)

    def _table(self, tag: bytes) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset : offset + length]


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    """Assemble a TrueType file from its tables (sorted directory, aligned, with checksums)."""
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16
    )
    offset = 12 + 16 * count
    directory, body = b"", b""
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head_at = offset + body.index(tables[b"head"]) if b"head" in tables else None
    if head_at is not None:
        adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
        font[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)


@lru_cache(maxsize=1)
def stamp_font() -> TrueTypeFont:
    if not FONT_PATH.exists():
        raise FileNotFoundError(
            f"The stamp font {FONT_PATH} is missing: it is part of the project (static/fonts/)."
        )
    return TrueTypeFont(FONT_PATH.read_bytes())


class _FontUse:
    """Glyphs drawn so far, for the subset, the widths array and the ToUnicode map."""

    def __init__(self, font: TrueTypeFont):
        self.font = font
        self.scale = 1000 / font.units_per_em
        self.fallback = font.cmap.get(ord("?"), 0)
        self.to_unicode: dict[int, str] = {}
        self._glyphs: dict[str, tuple[str, float]] = {}  # char -> (4 hex digits, width/1000 em)

    def glyph(self, char: str) -> tuple[str, float]:
        found = self._glyphs.get(char)
        if found is None:
            gid = self.font.cmap.get(ord(char), self.fallback)
            self.to_unicode.setdefault(gid, char if gid != self.fallback else "?")
            found = (f"{gid:04X}", self.font.advances[gid] * self.scale / 1000)
            self._glyphs[char] = found
        return found

    def width(self, text: str, size: float) -> float:
        return sum(self.glyph(c)[1] for c in text) * size

    def hex(self, text: str) -> str:
        return "".join(self.glyph(c)[0] for c in text)


# --------------------------------------------------------------------------------------------
# PDF output
# --------------------------------------------------------------------------------------------


class _PdfWriter:
    """Writes numbered objects straight to the output and remembers where they start."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.position = 0
        self.offsets: dict[int, int] = {}
        self.last_id = 0
        self.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        self.last_id += 1
        return self.last_id

    def obj(self, number: int, body: str | bytes) -> None:
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def stream(self, number: int, data: bytes, extra: str = "", *, level: int = 6) -> None:
        self.packed_stream(number, zlib.compress(data, level), extra)

    def packed_stream(self, number: int, packed: bytes, extra: str = "") -> None:
        head = f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
        self.obj(number, head.encode("latin-1") + packed + b"\nendstream")

    def close(self, root: int, info: int) -> None:
        xref_at = self.position
        count = self.last_id + 1
        lines = [f"xref\n0 {count}\n0000000000 65535 f \n"]
        lines += [f"{self.offsets[n]:010d} 00000 n \n" for n in range(1, count)]
        self.write("".join(lines).encode("ascii"))
        digest = hashlib.md5(str(self.offsets).encode(), usedforsecurity=False).hexdigest()
        self.write(
            f"trailer\n<< /Size {count} /Root {root} 0 R /Info {info} 0 R "
            f"/ID [<{digest}> <{digest}>] >>\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii")
        )


def _num(value: float) -> str:
    """Compact PDF number: two decimals (1/100 pt = 3.5 micrometres) without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _pdf_text_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class _PageComposer:
    """Turns labels into PDF drawing operators at the slots of a layout."""

    def __init__(self, layout: Layout, fonts: _FontUse):
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
                f"BT /F1 {_num(size)} Tf {_num(margin)} {_num(baseline)} Td "
                f"<{fonts.hex(lines[0])}> Tj ET"
            )
        if right:
            ops.append(
                f"BT /F1 {_num(size)} Tf {_num(x_right - right_width)} {_num(baseline)} Td "
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
                    f"{_num(x)} {_num(first_y + gap)} m {_num(x)} {_num(first_y + gap + length)} l"
                )
            ops.append(
                f"{_num(x)} {_num(bottom - gap)} m {_num(x)} {_num(bottom - gap - length)} l"
            )
        for y in ys:
            ops.append(
                f"{_num(first_x - gap)} {_num(y)} m {_num(first_x - gap - length)} {_num(y)} l"
            )
            ops.append(f"{_num(right + gap)} {_num(y)} m {_num(right + gap + length)} {_num(y)} l")
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
        ops.append(f"BT /F1 {_num(size)} Tf {_num(centre - width / 2)} {_num(baseline)} Td")
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
            f"BT /F1 {_num(size)} Tf {_num(centre - width / 2)} {_num(baseline)} Td "
            f"<{glyphs}> Tj ET"
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
                f"BT /F1 {_num(size)} Tf {_num(centre - width / 2)} {_num(baseline)} Td "
                f"<{glyphs}> Tj ET"
            )
            baseline -= size * 1.25
        return " ".join(ops)


class _PageSink:
    """Writes finished pages; compresses each on a worker thread while the next one is drawn.

    zlib releases the GIL, and Flate is a third of the work, so on a machine with a spare core
    this hides it. At most two pages are in memory: the one compressing and the one being drawn.
    """

    def __init__(self, pdf: _PdfWriter, page_dict: str):
        self.pdf = pdf
        self.page_dict = page_dict  # the page object with {content} left to fill in
        self.page_ids: list[int] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stamp-pdf")
        self._pending: Future[bytes] | None = None

    def add(self, content: bytes) -> None:
        future = self._pool.submit(zlib.compress, content, 6)
        self._write_pending()
        self._pending = future

    def close(self) -> None:
        try:
            self._write_pending()
        finally:
            self._pool.shutdown()

    def _write_pending(self) -> None:
        if self._pending is None:
            return
        packed, self._pending = self._pending.result(), None
        content, page = self.pdf.reserve(), self.pdf.reserve()
        self.pdf.packed_stream(content, packed)
        self.pdf.obj(page, self.page_dict.format(content=content))
        self.page_ids.append(page)


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
    fonts = _FontUse(stamp_font())
    composer = _PageComposer(layout, fonts)
    pdf = _PdfWriter(out)
    catalog, pages_id, font_id = pdf.reserve(), pdf.reserve(), pdf.reserve()
    page_w, page_h = (_num(v * PT_PER_MM) for v in layout.page_mm)
    sink = _PageSink(
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
    _write_font(pdf, font_id, fonts)
    kids = " ".join(f"{page} 0 R" for page in sink.page_ids)
    pdf.obj(pages_id, f"<< /Type /Pages /Kids [{kids}] /Count {len(sink.page_ids)} >>")
    pdf.obj(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R >>")
    info = pdf.reserve()
    pdf.obj(
        info,
        f"<< /Title {_pdf_text_string(title or 'QR stamps')} "
        f"/Producer {_pdf_text_string('Dong Nai traceability stamp renderer')} >>",
    )
    pdf.close(catalog, info)
    if progress is not None and reported != drawn:
        progress(drawn)
    return drawn


def _write_font(pdf: _PdfWriter, font_id: int, fonts: _FontUse) -> None:
    """The Type0 font with its CID font, descriptor, subset font file and ToUnicode map."""
    font = fonts.font
    used = sorted(fonts.to_unicode)
    program = font.subset(used)
    tag = "".join(
        chr(65 + b % 26)
        for b in hashlib.sha1(bytes(str(used), "ascii"), usedforsecurity=False).digest()[:6]
    )
    name = f"{tag}+{font.postscript_name}"
    cid, descriptor, file_id, to_unicode = (pdf.reserve() for _ in range(4))
    scale = 1000 / font.units_per_em
    widths = " ".join(f"{gid} [{round(font.advances[gid] * scale)}]" for gid in used)
    bbox = " ".join(str(round(v * scale)) for v in font.bbox)
    pdf.obj(
        font_id,
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
        f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>",
    )
    pdf.obj(
        cid,
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /W [{widths}] /CIDToGIDMap /Identity >>",
    )
    pdf.obj(
        descriptor,
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{bbox}] "
        f"/ItalicAngle 0 /Ascent {round(font.ascent * scale)} "
        f"/Descent {round(font.descent * scale)} /CapHeight {round(font.cap_height * scale)} "
        f"/StemV 80 /FontFile2 {file_id} 0 R >>",
    )
    pdf.stream(file_id, program, f"/Length1 {len(program)} ", level=9)
    pdf.stream(to_unicode, _to_unicode_cmap(fonts.to_unicode).encode("ascii"))


def _to_unicode_cmap(mapping: dict[int, str]) -> str:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):  # at most 100 entries per block
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for gid, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines)


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
    fonts = _FontUse(stamp_font())
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
        f'height="{_num(height * mm_per_module)}mm" viewBox="0 0 {modules} {_num(height)}">'
        f'<rect width="{modules}" height="{_num(height)}" fill="#fff"/>'
        f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>'
        f'<g font-family="{family}" text-anchor="middle" fill="#000">{"".join(texts)}</g>'
        "</svg>"
    )


def _svg_text(text: str, x: float, y: float, size: float) -> str:
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size:.3f}">{escape(text)}</text>'


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
