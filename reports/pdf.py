"""Print-ready PDF from HTML (WeasyPrint), with the vendored Vietnamese-capable font.

`html_to_pdf(render_template("reports/annual/print.html", ...))` — templates extend
`reports/print_base.html`, which sets A4, margins, page numbers and the font. WeasyPrint needs
Pango on the machine (Debian: libpango-1.0-0 libpangoft2-1.0-0, present on a desktop install).
"""

from __future__ import annotations

from pathlib import Path

FONT = Path(__file__).resolve().parents[1] / "static" / "fonts" / "DejaVuSansCondensed.ttf"
FONT_CSS = f"""
@font-face {{ font-family: "Report Sans"; src: url("{FONT.as_uri()}"); }}
html {{ font-family: "Report Sans", sans-serif; }}
"""


def html_to_pdf(html: str) -> bytes:
    """The HTML document as PDF bytes. Only our font file is read: no network, no other files."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()

    def no_fetching(url: str, *args, **kwargs):
        if url == FONT.as_uri():
            return {"file_obj": FONT.open("rb"), "mime_type": "font/ttf"}
        raise ValueError(f"a report fetches nothing: {url}")

    document = HTML(string=html, url_fetcher=no_fetching, base_url=str(FONT.parent))
    return document.write_pdf(
        stylesheets=[CSS(string=FONT_CSS, font_config=fonts)], font_config=fonts
    )
