"""An officer registers a shop on a 360 px phone: the market field follows the kind, the
location button fills the coordinates from the phone, and no page scrolls sideways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from retail.shops.models import Shop
from tests import factories

# The live server and Chromium of the browser tests (tests/browser/conftest.py).
from tests.browser.conftest import browser, live_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

PHONE_360 = {"width": 360, "height": 740}
WARD = "26188"
HERE = {"latitude": 10.957413, "longitude": 106.842687}


def _officer(app) -> str:
    with app.app_context():
        officer = factories.user(Role.OFFICER, wards=(WARD,))
        db.session.commit()
        email = officer.email
        db.session.remove()
    return email


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"], f"{page.url} is {width}px wide"


def test_an_officer_registers_a_shop_with_the_phones_location(browser, live_server):  # noqa: F811
    from playwright.sync_api import expect

    email = _officer(live_server.app)
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE_360,
        has_touch=True,
        locale="vi-VN",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    t = live_server.t
    try:
        page.goto("/login")
        page.get_by_label(t("Email"), exact=True).fill(email)
        page.get_by_label(t("Password"), exact=True).fill(live_server.password)
        page.get_by_role("button", name=t("Log in")).click()
        page.goto("/retail/shops")
        _no_sideways_scroll(page)

        page.goto("/retail/shops/new")
        market = page.get_by_label(t("Market"), exact=True)
        expect(market).to_be_hidden()  # only a market stall is asked for its market
        kind = page.get_by_label(t("Kind of shop"), exact=True)
        kind.select_option("market_stall")
        expect(market).to_be_visible()
        market.fill("Chợ Tân Triều")
        page.get_by_label(t("Shop name"), exact=True).fill("Sạp Rau Cô Năm")
        page.get_by_label(t("Phone"), exact=True).fill("0912 345 678")
        page.get_by_role("button", name=t("Use this phone's location")).click()
        expect(page.get_by_label(t("Latitude"), exact=True)).to_have_value("10.957413")
        expect(page.get_by_label(t("Longitude"), exact=True)).to_have_value("106.842687")
        _no_sideways_scroll(page)
        page.get_by_role("button", name=t("Save"), exact=True).click()

        expect(page.get_by_role("heading", name="Sạp Rau Cô Năm")).to_be_visible()
        expect(page.get_by_text("0912 345 678")).to_be_visible()
        _no_sideways_scroll(page)
    finally:
        context.close()

    with live_server.app.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.name == "Sạp Rau Cô Năm")).one()
        assert (shop.phone, shop.market) == ("+84912345678", "Chợ Tân Triều")
        assert (float(shop.latitude), float(shop.longitude)) == (10.957413, 106.842687)
        db.session.remove()
