"""Staff try a draft on a 360 px phone: every framework page fits, the preview scores answers."""

from __future__ import annotations

import json
import os

import pytest

from core.extensions import db
from retail.assessments import frameworks
from tests import factories
from tests.browser import conftest as browser_tests

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

# The live server and Chromium of tests/browser (a conftest reaches only its own folder).
browser = browser_tests.browser
live_server = browser_tests.live_server

NARROW = {"width": 360, "height": 740}
SCREENSHOTS = os.environ.get("FRAMEWORK_SCREENSHOTS")  # a folder, to look at the pages


@pytest.fixture
def narrow(browser, live_server):
    yield from browser_tests.phone_page(browser, live_server, NARROW)


def make_staff_and_draft(app) -> tuple[str, int, int]:
    with app.app_context():
        staff = factories.staff()
        seed = frameworks.seed_default()
        document = json.loads(frameworks.SEED.read_text("utf-8"))
        draft = frameworks.create_draft(document, staff)
        db.session.commit()
        found = staff.email, seed.id, draft.id
        db.session.remove()
    return found


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_try_and_publish_a_draft_on_a_narrow_phone(narrow, live_server):
    from playwright.sync_api import expect

    page, t = narrow, live_server.t
    email, seed_id, draft_id = make_staff_and_draft(live_server.app)
    page.goto("/login")
    page.get_by_label(t("Email"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(live_server.password)
    page.get_by_role("button", name=t("Log in")).click()

    for path in (
        "/retail/frameworks",
        f"/retail/frameworks/{seed_id}",
        f"/retail/frameworks/{draft_id}/edit",
        "/retail/frameworks/new",
        f"/retail/frameworks/{draft_id}/publish",
    ):
        page.goto(path)
        assert fits(page), f"{path} scrolls sideways at 360 px"
        if SCREENSHOTS:
            name = path.strip("/").replace("/", "_")
            page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)

    page.goto(f"/retail/frameworks/{draft_id}/preview")
    first = page.get_by_label("Cửa hàng nhận thanh toán không dùng tiền mặt bằng cách nào?")
    first.select_option(value="4")  # the fifth option: "Nhiều phương thức…", 4 of 4 points
    page.get_by_role("button", name=t("Score these answers")).click()
    # customer 4/15 × 100 = 26.6…; total 26.6… × 25 / 100 = 6.6… → shown 6,6 (rounded down)
    expect(page.locator(".fw-total")).to_contain_text("6,6")
    assert fits(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/preview.png", full_page=True)

    page.goto(f"/retail/frameworks/{draft_id}/publish")
    page.get_by_role("button", name=t("Publish version %(version)d") % {"version": 2}).click()
    expect(page.locator(".flash.success")).to_be_visible()
    with live_server.app.app_context():
        assert frameworks.current().id == draft_id
        db.session.remove()
