"""A printed sheet, read by an independent decoder, opens the right page on a phone.

The producer's PDF is rasterised (pdftoppm, as a printer would) and every QR code on it is read
by zxing-cpp, a decoder that shares no code with our encoder. Each URL must be a stamp of the
order; opened in a phone-sized Chromium, the page shows the verdict without scrolling or
sideways scrolling, and the second scan of the same stamp says it was scanned before.
"""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.browser.conftest import LOCALE, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]


def _order_with_pdf(app):
    """A published product, a batch with a site, and a rendered order of 12 stamps."""
    from traceability.stamps import jobs
    from traceability.stamps.models import Stamp

    with app.app_context():
        producer, owner = factories.producer(verified=True)
        product = factories.published_product(producer, owner, name="Bưởi Tân Triều")
        site = factories.site(producer, owner, name="Vườn bưởi Tân Triều")
        batch = factories.batch(product, owner, lot_code="TT-2611", site_id=site.id)
        order = factories.stamp_order(
            batch, owner, quantity=12, rows=4, cols=3, size_mm=25.0, show_caption=True
        )
        db.session.commit()
        assert jobs.render_order(order.id)
        db.session.refresh(order)
        pdf = jobs.pdf_path(order)
        urls = {
            f"{app.config['BASE_URL']}/01/{s.gtin}/10/TT-2611/21/{s.serial}": s.serial
            for s in db.session.scalars(select(Stamp).where(Stamp.order_id == order.id))
        }
        db.session.remove()
    return pdf, urls


def _decode_pdf(pdf, tmp_path) -> list[str]:
    import zxingcpp
    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm not found: install poppler-utils (apt-get install poppler-utils)")
    command = [pdftoppm, "-r", "200", "-png", str(pdf), str(tmp_path / "page")]
    subprocess.run(command, check=True)  # noqa: S603 - our own file, fixed arguments
    texts = []
    for png in sorted(tmp_path.glob("page*.png")):
        with Image.open(png) as image:
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        texts.extend(code.text for code in found)
    return texts


def _verdict_in_view(page) -> None:
    box = page.locator(".verdict h1").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= min(sizes["inner"], PHONE["width"]), sizes


def test_printed_sheet_opens_the_right_pages_on_a_phone(live_server, phone, browser, tmp_path):
    from playwright.sync_api import expect

    t = live_server.t
    pdf, urls = _order_with_pdf(live_server.app)
    decoded = _decode_pdf(pdf, tmp_path)
    assert sorted(decoded) == sorted(urls), "every stamp on the sheet, and nothing else"

    first_url = sorted(decoded)[0]
    path = urlsplit(first_url).path  # the phone would reach BASE_URL; here the live server
    phone.goto(path)
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    expect(phone.locator(".verdict.genuine h1")).to_have_text(
        "✔ " + t("Genuine stamp — first scan")
    )
    expect(phone.get_by_text(urls[first_url]).first).to_be_visible()
    expect(phone.get_by_role("heading", name="Bưởi Tân Triều")).to_be_visible()
    _verdict_in_view(phone)
    phone.screenshot(path=tmp_path / "first-scan.png")

    phone.reload()
    expect(phone.locator(".verdict.scanned_before h1")).to_be_visible()
    _verdict_in_view(phone)

    # Without JavaScript the page is the same; another stamp is still a first scan.
    no_js = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        locale=LOCALE,
        java_script_enabled=False,
    )
    try:
        page = no_js.new_page()
        other = sorted(decoded)[1]
        page.goto(urlsplit(other).path)
        expect(page.locator(".verdict.genuine h1")).to_be_visible()
        expect(page.get_by_role("link", name=t("Report a suspected fake"))).to_be_visible()
        _verdict_in_view(page)
    finally:
        no_js.close()
