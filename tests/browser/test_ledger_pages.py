"""The origin log in real Chromium at 360 px and 1280 px: the log's page, a batch's records and the
consumer page's "verify" section, in Vietnamese, without sideways scrolling; the stamp page stays
within the journey's 30 KB."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from core.extensions import db
from tests.browser.conftest import LOCALE, phone_page
from tests.traceability.events.test_journey import World, season

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PAGE_BUDGET = 30 * 1024


@pytest.fixture
def small_phone(browser, live_server):
    yield from phone_page(browser, live_server, SMALL_PHONE)


def _signed_batch(app) -> tuple[str, int, str]:
    """A batch with its journey, signed into a checkpoint: its stamp path, id and the root."""
    from traceability.ledger import checkpoints

    with app.app_context():
        world = World(stamps=1)
        season(world)
        db.session.commit()
        latest = checkpoints.publish()
        db.session.commit()
        root = base64.b64encode(bytes.fromhex(latest.root_hash)).decode()
        found = world.stamp_path(), world.batch.id, root
        db.session.remove()
    return found


def _no_sideways_scroll(page, width: int) -> None:
    page.wait_for_load_state("load")
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= width, sizes


def _shoot(page, name: str, tmp_path: Path) -> None:
    """Screenshots for a person to look at (SCREENSHOTS_DIR, else the test's temporary dir)."""
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"ledger-{name}.png"), full_page=True)


def test_log_pages_and_verify_section_on_a_phone_and_a_desktop(
    live_server, small_phone, browser, tmp_path
):
    from playwright.sync_api import expect

    t = live_server.t
    path, batch_id, root = _signed_batch(live_server.app)

    response = small_phone.goto(path)
    assert response is not None and response.status == 200
    assert len(response.body()) <= PAGE_BUDGET, len(response.body())
    section = small_phone.locator("section.log")
    expect(section.locator("h3")).to_have_text(t("Origin check"))
    expect(section).to_contain_text("6")
    link = section.locator("a")
    expect(link).to_have_attribute("href", f"/log/batches/{batch_id}")
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])
    section.scroll_into_view_if_needed()
    _shoot(small_phone, "consumer-360", tmp_path)

    link.click()
    small_phone.wait_for_load_state("load")
    expect(small_phone.locator(".records > section")).to_have_count(6)
    expect(small_phone.locator(".records > section").nth(2)).to_contain_text(t("Harvest"))
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])
    _shoot(small_phone, "batch-360", tmp_path)
    # The full leaf hash is one tap away, and still fits.
    small_phone.locator(".records > section details summary").first.click()
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])

    small_phone.goto("/log/")
    expect(small_phone.locator("h1")).to_have_text(t("The origin log"))
    expect(small_phone.locator("main")).to_contain_text(root)
    expect(small_phone.locator("main")).to_contain_text(
        "python -m traceability.ledger.verify bundle --key KEY bundle.json"
    )
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])
    _shoot(small_phone, "index-360", tmp_path)

    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale=LOCALE)
    try:
        wide = context.new_page()
        for name, url in (
            ("index-1280", "/log/"),
            ("batch-1280", f"/log/batches/{batch_id}"),
            ("consumer-1280", path),
        ):
            assert wide.goto(url).status == 200
            _no_sideways_scroll(wide, DESKTOP["width"])
            _shoot(wide, name, tmp_path)
        expect(wide.locator("section.log h3")).to_have_text(t("Origin check"))
    finally:
        context.close()


def test_staff_monitor_alarm_on_a_desktop(live_server, browser, tmp_path):
    """A rewritten leaf: staff run the check, see the alarm on the monitor and the red banner on
    their other pages."""
    from playwright.sync_api import expect
    from sqlalchemy import update

    from tests import factories
    from traceability.ledger.models import LedgerEntry

    t = live_server.t
    _path, batch_id, _root = _signed_batch(live_server.app)
    with live_server.app.app_context():
        staff = factories.staff()
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.batch_id == batch_id, LedgerEntry.event_pk.is_not(None))
            .values(record=LedgerEntry.record + " ")
        )
        db.session.commit()
        email = staff.email
        db.session.remove()
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale=LOCALE)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label(t("Email"), exact=True).fill(email)
        page.get_by_label(t("Password"), exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name=t("Log in"), exact=True).click()
        page.wait_for_load_state("load")
        page.goto("/staff/log/")
        page.get_by_role("button", name=t("Run the check now"), exact=True).click()
        page.wait_for_load_state("load")
        expect(page.locator("div.flash.error")).to_be_visible()
        expect(page.locator("p.flash.error").first).to_be_visible()
        _no_sideways_scroll(page, DESKTOP["width"])
        _shoot(page, "staff-1280", tmp_path)
        page.goto("/staff/reports")
        banner = page.locator("p.flash.error[role=alert]")
        expect(banner.locator("a")).to_have_attribute("href", "/staff/log/")
    finally:
        context.close()
