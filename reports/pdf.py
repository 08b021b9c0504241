"""Print-ready PDF from HTML (WeasyPrint), with the vendored Vietnamese-capable font.

`html_to_pdf(render_template("reports/annual/print.html", ...))` — templates extend
`reports/print_base.html`, which sets A4, margins, page numbers and the font. WeasyPrint needs
Pango on the machine (Debian: libpango-1.0-0 libpangoft2-1.0-0, present on a desktop install).
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

FONT = Path(__file__).resolve().parents[1] / "static" / "fonts" / "DejaVuSansCondensed.ttf"
FONT_CSS = f"""
@font-face {{ font-family: "Report Sans"; src: url("{FONT.as_uri()}"); }}
html {{ font-family: "Report Sans", sans-serif; }}
"""


class PdfUnavailable(DomainError):
    """The machine lacks WeasyPrint's system libraries: say what to install, answer 503."""

    status = 503


def html_to_pdf(html: str) -> bytes:
    """The HTML document as PDF bytes. Only our font file is read: no network, no other files."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError:  # Pango (a C library) is missing: the rest of the service still works
        raise PdfUnavailable(
            _l(
                "PDF files need the Pango library on the server (Debian: apt-get install "
                "libpango-1.0-0 libpangoft2-1.0-0). The XLSX file has the same figures."
            )
        ) from None

    from weasyprint.urls import URLFetcher

    class OnlyOurFont(URLFetcher):
        """Fetch the vendored font file and nothing else (no network, no other files)."""

        def fetch(self, url, headers=None):
            if url != FONT.as_uri():
                raise ValueError(f"a report fetches nothing: {url}")
            return super().fetch(url, headers)

    fonts = FontConfiguration()
    fetcher = OnlyOurFont(allowed_protocols=("file",))
    document = HTML(string=html, url_fetcher=fetcher, base_url=str(FONT.parent))
    return document.write_pdf(
        stylesheets=[CSS(string=FONT_CSS, font_config=fonts, url_fetcher=fetcher)],
        font_config=fonts,
    )
