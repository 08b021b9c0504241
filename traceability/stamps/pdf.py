"""PDF output, written by hand for speed: numbered objects streamed straight to the output.

Pages are compressed on a worker thread while the next is drawn, and the stamp font is embedded as
a subset (Type0, Identity-H) with a ToUnicode map, so that the text can be searched and extracted.
Only the object offsets and page numbers stay in memory; the font is written last, once the glyphs
used are known.
"""

from __future__ import annotations

import hashlib
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from traceability.stamps.fonts import StampFont


class PdfWriter:
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


def num(value: float) -> str:
    """Compact PDF number: two decimals (1/100 pt = 3.5 micrometres) without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def text_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class PageSink:
    """Writes finished pages; compresses each on a worker thread while the next one is drawn.

    zlib releases the GIL, and Flate is a third of the work, so on a machine with a spare core
    this hides it. At most two pages are in memory: the one compressing and the one being drawn.
    """

    def __init__(self, pdf: PdfWriter, page_dict: str):
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


class FontUse:
    """Glyphs drawn so far, for the subset, the widths array and the ToUnicode map."""

    def __init__(self, font: StampFont):
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


def write_font(pdf: PdfWriter, font_id: int, fonts: FontUse) -> None:
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
