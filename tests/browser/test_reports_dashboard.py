"""The coverage dashboard in real Chromium, on a 360 px phone and on a desktop: the charts are
drawn (SVG with paths and bars), nothing is logged to the console, no page scrolls sideways, and
a ward row leads to the ward's page. Screenshots go to /tmp/shots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.extensions import db
from tests import factories
from tests.browser.conftest import phone_page

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the browser tests keep their screenshots


@pytest.fixture
def small_phone(browser, live_server):
    yield from phone_page(browser, live_server, SMALL_PHONE)


@pytest.fixture
def desktop(browser, live_server):
    yield from phone_page(browser, live_server, DESKTOP)


def make_staff(app, producer_id: int) -> str:
    """A staff account, and one published product so the chart has a point to draw."""
    from sqlalchemy import select

    from core.accounts.models import User
    from traceability.registry.models import Producer

    with app.app_context():
        producer = db.session.get(Producer, producer_id)
        owner = db.session.scalars(select(User).where(User.producer_id == producer_id)).first()
        factories.published_product(producer, owner)
        email = factories.staff().email
        db.session.commit()
        db.session.remove()
    return email


def log_in(page, live_server, email: str) -> None:
    t = live_server.t
    page.goto("/login")
    page.get_by_label(t("Email"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    page.wait_for_load_state()


def no_sideways_scroll(page, width: int, where: str) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] and sizes["scroll"] <= width, (
        f"{where} scrolls sideways: {sizes}"
    )


def check_dashboard(page, live_server, width: int, name: str) -> None:
    from playwright.sync_api import expect

    log_in(page, live_server, make_staff(live_server.app, live_server.producer_id))
    errors: list[str] = []  # from the reports' pages (the login page is not theirs)
    page.on("console", lambda message: errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = page.goto("/reports/?indicator=portal_listed_share")
    assert response is not None and response.status == 200
    line = page.locator("svg.line-chart")
    expect(line).to_be_visible()
    expect(line.locator("path.line")).to_have_count(1)
    expect(line.locator("path.target")).to_have_count(1)  # the share has targets
    expect(line.locator("circle.point")).to_have_count(1)  # this month: 0 of 1 product listed
    assert line.locator("path.line").get_attribute("d").startswith("M")
    assert line.bounding_box()["width"] <= width
    expect(page.locator("svg.bar-chart rect.bar")).to_have_count(6)
    expect(page.locator("ul.tiles > li")).to_have_count(4)
    expect(page.locator("svg.sparkline path.line")).to_have_count(4)
    no_sideways_scroll(page, width, f"the dashboard ({name})")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"reports-dashboard-{name}.png", full_page=True)

    # A filter through the form, without script: the rural wards only.
    page.locator('select[name="group"]').select_option("rural")
    page.locator("form.filters").nth(1).locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"group=rural"))
    first = page.locator("#table-wards tbody tr").first.locator("a")
    ward_name = first.inner_text().strip()
    assert ward_name.startswith("Xã")

    # Drill down to the ward.
    first.click()
    page.wait_for_url(re.compile(r"/reports/wards/\d{5}"))
    expect(page.locator("h1")).to_contain_text(ward_name)
    expect(page.locator("svg.line-chart path.line")).to_have_count(1)
    expect(page.locator('a[href*="/retail/shops?ward_code="]')).to_have_count(1)
    no_sideways_scroll(page, width, f"a ward's page ({name})")
    page.screenshot(path=SHOTS / f"reports-ward-{name}.png", full_page=True)

    # Printed: no navigation or forms, the charts stay.
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("svg.line-chart")).to_be_visible()
    page.emulate_media(media="screen")
    assert errors == [], errors


def test_dashboard_on_a_phone(live_server, small_phone):
    check_dashboard(small_phone, live_server, SMALL_PHONE["width"], "phone")


def test_dashboard_on_a_desktop(live_server, desktop):
    check_dashboard(desktop, live_server, DESKTOP["width"], "desktop")
