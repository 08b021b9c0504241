"""The reports' PDF helper: Vietnamese text survives, and a machine without Pango is told why."""

from __future__ import annotations

import builtins
import io

import pypdf
import pytest

from reports.pdf import PdfUnavailable, html_to_pdf


def test_vietnamese_text_is_embedded_with_the_vendored_font(app_ctx):
    pdf = html_to_pdf("<h1>Sở KH&CN Đồng Nai</h1><p>1.500 kg</p>")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Sở KH&CN Đồng Nai" in text and "1.500 kg" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # The @font-face of print_base: the vendored DejaVu file, under our family name.
    assert fonts and all("Report-Sans" in name for name in fonts), fonts


def test_a_report_fetches_nothing_from_outside(app_ctx):
    # An image from the network is refused by the fetcher: the PDF is made without it.
    pdf = html_to_pdf('<p>Trang</p><img src="http://example.com/x.png">')
    assert pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == "Trang"


def test_without_pango_the_answer_says_what_to_install(app_ctx, monkeypatch):
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(PdfUnavailable) as caught:
        html_to_pdf("<p>x</p>")
    assert caught.value.status == 503
    assert "libpango-1.0-0" in str(caught.value.message)
