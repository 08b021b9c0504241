"""The stamp font, DejaVu Sans Condensed (Vietnamese glyphs): its metrics and subsets to embed.

The font file is vendored in ``static/fonts/`` (with its licence) so that output does not depend
on the fonts installed on the machine. fontTools reads it once per process; each PDF embeds a
subset made by ``fontTools.subset`` with the glyphs that PDF drew.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

FONT_PATH = Path(__file__).resolve().parents[2] / "static" / "fonts" / "DejaVuSansCondensed.ttf"

# A PDF viewer draws an embedded font's glyphs by id: it never reads the layout features, the
# math table or FontForge's timestamp (which fontTools does not know how to subset).
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "MATH", "FFTM")


@dataclass(frozen=True)
class StampFont:
    """A TrueType font's file and the metrics that layout and PDF embedding need."""

    data: bytes
    postscript_name: str
    units_per_em: int
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    cmap: dict[int, int]  # Unicode code point -> glyph id
    advances: tuple[int, ...]  # advance width of each glyph id, in font units

    @classmethod
    def from_bytes(cls, data: bytes) -> StampFont:
        font = TTFont(io.BytesIO(data))
        gids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
        head, hhea, os2 = font["head"], font["hhea"], font.get("OS/2")
        metrics = font["hmtx"].metrics
        name = font["name"].getDebugName(6) or ""
        return cls(
            data=data,
            postscript_name=re.sub(r"[^A-Za-z0-9-]", "", name) or "Font",
            units_per_em=head.unitsPerEm,
            bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
            ascent=hhea.ascent,
            descent=hhea.descent,
            # sCapHeight exists from OS/2 version 2; before it, the ascent is the usual stand-in.
            cap_height=os2.sCapHeight if os2 is not None and os2.version >= 2 else hhea.ascent,
            cmap={code: gids[glyph] for code, glyph in font.getBestCmap().items() if gids[glyph]},
            advances=tuple(metrics[glyph][0] for glyph in font.getGlyphOrder()),
        )

    def subset(self, used: Iterable[int]) -> bytes:
        """A TrueType file with only the glyphs ``used`` (and their components), ids unchanged.

        Keeping the ids (``retain_gids``) lets the content streams be written before the subset
        is known. Each call parses the file again: the subsetter edits the font it is given, and
        parsing the cached bytes is three times faster than a deep copy of a parsed font.
        """
        options = Options()
        options.retain_gids = True
        options.hinting = False  # printers and viewers rasterise unhinted outlines well
        subsetter = Subsetter(options)
        subsetter.populate(gids=list(used))
        # No timestamp of today in head.modified: the same labels give the same PDF bytes.
        font = TTFont(io.BytesIO(self.data), recalcTimestamp=False)
        for tag in _UNUSED_TABLES:  # before subsetting, which would parse them (half its time)
            if tag in font:
                del font[tag]
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


@lru_cache(maxsize=1)
def stamp_font() -> StampFont:
    if not FONT_PATH.exists():
        raise FileNotFoundError(
            f"The stamp font {FONT_PATH} is missing: it is part of the project (static/fonts/)."
        )
    return StampFont.from_bytes(FONT_PATH.read_bytes())
