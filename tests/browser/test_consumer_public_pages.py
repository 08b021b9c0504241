"""The consumer's public pages on a small (360 px) phone in real Chromium: a malformed code, a
serial typed by hand, and sharing the area when the browser refuses the location."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.browser.conftest import LOCALE, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def small_phone(browser, live_server):
    """A 360 px wide, touch, Vietnamese phone without permission to read the location."""
    yield from phone_page(browser, live_server, SMALL_PHONE)


def _no_sideways_scroll(page) -> None:
    # After a click the next document may not have parsed yet; measure the loaded page.
    page.wait_for_load_state("load")
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= SMALL_PHONE["width"], sizes


def _stamp(app) -> tuple[str, str, str]:
    from traceability.stamps.models import Stamp

    with app.app_context():
        producer, owner = factories.producer(verified=True)
        product = factories.published_product(producer, owner, name="Bưởi Tân Triều")
        batch = factories.batch(product, owner, lot_code="TT-2611")
        order = factories.stamp_order(batch, owner, quantity=1)
        db.session.commit()
        stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()
        result = stamp.gtin, "TT-2611", stamp.serial
        db.session.remove()
    return result


def test_the_malformed_page_fits_a_360px_phone_in_vietnamese(live_server, small_phone):
    from playwright.sync_api import expect

    t = live_server.t
    response = small_phone.goto("/01/123/21/Ab3xK9pQ2mZ")
    assert response is not None and response.status == 400
    expect(small_phone.locator(".verdict h1")).to_contain_text(t("This QR code is not valid"))
    expect(small_phone.locator(".verdict")).to_contain_text("Mã sản phẩm (GTIN)")
    _no_sideways_scroll(small_phone)
    # The English detail opens for experts, and still fits.
    small_phone.locator("summary").click()
    expect(small_phone.locator("details p")).to_contain_text("AI (01) value '123' is too short")
    _no_sideways_scroll(small_phone)
    expect(small_phone.locator("a.button")).to_have_attribute(
        "href", "/report/01/123/21/Ab3xK9pQ2mZ"
    )
    small_phone.locator("p.lang a").click()
    expect(small_phone.locator(".verdict h1")).to_contain_text("This QR code is not valid")
    _no_sideways_scroll(small_phone)


def test_a_serial_typed_by_hand_opens_the_stamp_page(live_server, small_phone):
    from playwright.sync_api import expect

    t = live_server.t
    gtin, lot, serial = _stamp(live_server.app)
    small_phone.goto("/")
    small_phone.locator('a[href="/check"]').click()
    small_phone.wait_for_url("**/check")
    _no_sideways_scroll(small_phone)
    # As a consumer types it from a smudged stamp: small letters, with spaces.
    small_phone.locator("#serial").fill(f"{serial[:4].lower()} {serial[4:].lower()}")
    small_phone.locator("form button").click()
    small_phone.wait_for_url(f"**/01/{gtin}/10/{lot}/21/{serial}")
    expect(small_phone.locator(".verdict h1")).to_contain_text(t("Genuine stamp — first scan"))
    _no_sideways_scroll(small_phone)


def test_sharing_the_area_says_so_when_the_browser_refuses(live_server, small_phone):
    from playwright.sync_api import expect

    gtin, lot, serial = _stamp(live_server.app)
    small_phone.goto(f"/01/{gtin}/10/{lot}/21/{serial}")
    button = small_phone.locator("form.place button")
    expect(button).to_be_visible()
    button.click()
    message = small_phone.locator("form.place [data-error]")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Trình duyệt không cho phép chia sẻ vị trí")
    expect(button).to_be_enabled()
    _no_sideways_scroll(small_phone)


def test_the_share_button_is_not_shown_without_javascript(browser, live_server):
    from playwright.sync_api import expect

    gtin, lot, serial = _stamp(live_server.app)
    context = browser.new_context(
        base_url=live_server.url, viewport=SMALL_PHONE, locale=LOCALE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"/01/{gtin}/10/{lot}/21/{serial}")
        expect(page.locator(".verdict h1")).to_be_visible()
        expect(page.locator("form.place button")).to_be_hidden()
    finally:
        context.close()
