"""QR encoding (ISO/IEC 18004, byte mode, versions 1-40) built for printing whole stamp orders fast.

The slow part of the usual encoders is choosing the mask: they draw the symbol eight times and
score each one module by module. Here a symbol is one Python integer (row-major bits, each row
followed by a spare bit), so the data is placed once with a precomputed permutation, each mask is
an XOR, and the four penalty rules are counted with shifts, ANDs and popcounts on whole symbols.
The score is the same number as ``qrcode.util.lost_point`` gives (the tests check it), so the
chosen mask is the standard's lowest-penalty one. Only the qrcode package's Reed-Solomon block
table and alignment pattern positions are reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from qrcode.base import rs_blocks
from qrcode.util import pattern_position

QUIET_ZONE = 4  # modules of light margin around the symbol, required by ISO/IEC 18004

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
