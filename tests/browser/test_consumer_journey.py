"""The batch's journey on the consumer page, in real Chromium on a 360 × 740 phone: six steps,
where the batch came from and where it went, in Vietnamese, within 30 KB and without sideways
scrolling; the English switch says the same."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from core.extensions import db
from tests.browser.conftest import LOCALE, phone_page
from tests.traceability.events.test_journey import HARVESTED, World, local, season
from traceability.events import identifiers

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PAGE_BUDGET = 30 * 1024


@pytest.fixture
def small_phone(browser, live_server):
    yield from phone_page(browser, live_server, SMALL_PHONE)


def _journey_stamp(app) -> str:
    """A stamp of a batch with six recorded steps; its page's path."""
    with app.app_context():
        world = World(stamps=1)
        season(world)
        later = HARVESTED + dt.timedelta(days=2)
        world.record("receiving", local(later, 9), source_name="Kho lạnh Hóa An")
        # Captured through the API from another system: a step of its own vocabulary, a place
        # named by a long URI; neither may widen a phone's page.
        world.store(
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "eventTime": local(later, 10).isoformat(),
                "eventTimeZoneOffset": "+07:00",
                "bizStep": "https://example.com/vocabulary/steps/cold-chain-temperature-check",
                "readPoint": {"id": "https://example.com/locations/warehouse-0000000000000042"},
                "quantityList": [
                    {"epcClass": identifiers.lgtin(world.product.gtin, world.batch.lot_code)}
                ],
            }
        )
        db.session.commit()
        path = world.stamp_path()
        db.session.remove()
    return path


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
    page.screenshot(path=str(folder / f"consumer-journey-{name}.png"), full_page=True)


def test_the_journey_on_a_360px_phone_in_vietnamese_within_30_kb(
    live_server, small_phone, browser, tmp_path
):
    from playwright.sync_api import expect

    t = live_server.t
    path = _journey_stamp(live_server.app)
    response = small_phone.goto(path)
    assert response is not None and response.status == 200
    small_phone.wait_for_load_state("load")
    assert len(response.body()) <= PAGE_BUDGET, len(response.body())
    journey = small_phone.locator("section.journey")
    expect(journey.locator("h3")).to_have_text(t("The batch's journey"))
    expect(journey.locator("li")).to_have_count(6)
    expect(journey.locator("li").first).to_contain_text(t("Harvest"))
    expect(journey.locator("li").first).to_contain_text("Vườn bưởi Bình Thạch, Phường Tân Triều")
    expect(journey.locator("li").first).to_contain_text("02/11/2026 06:30")
    expect(journey).to_contain_text("VietGAP-TT-24-03-75-0112")
    expect(journey.locator("dt").first).to_have_text(t("Where it came from"))
    expect(journey.locator("dt").nth(1)).to_have_text(t("Shipped to"))
    expect(journey.locator("dd").nth(1)).to_have_text(
        "Cửa hàng Nông sản sạch Trấn Biên, Phường Trấn Biên"
    )
    assert journey.locator("script").count() == 0  # no JavaScript for the journey
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])
    _shoot(small_phone, "360-vi", tmp_path)

    small_phone.locator("p.lang a").click()
    small_phone.wait_for_load_state("load")
    expect(small_phone.locator("section.journey h3")).to_have_text("The batch's journey")
    expect(small_phone.locator("section.journey dt").nth(1)).to_have_text("Shipped to")
    _no_sideways_scroll(small_phone, SMALL_PHONE["width"])

    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale=LOCALE)
    try:
        wide = context.new_page()
        wide.goto(path)
        _no_sideways_scroll(wide, DESKTOP["width"])
        expect(wide.locator("section.journey li")).to_have_count(6)
        _shoot(wide, "1280-vi", tmp_path)
    finally:
        context.close()
