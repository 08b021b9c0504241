"""The shop's one-page result on a 360 px phone in real Chromium: the officer's page with the
chart and the change since last time, a link made and opened by the owner (no account), and the
owner's self-assessment form; no page scrolls sideways. Screenshots go to /tmp/shots/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from core.accounts.models import Role
from core.extensions import db
from tests import factories
from tests.browser.conftest import phone_page
from tests.permissions_retail_results import all_answers, submitted_assessment

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}
SHOTS = Path("/tmp/shots")  # noqa: S108 - where the brief asks the screenshots to be
OWNER = "Trần Văn Tư"
PHONE = "+84987654321"


@pytest.fixture
def small_phone(browser, live_server):
    yield from phone_page(browser, live_server, SMALL_PHONE)


@pytest.fixture
def owner_phone(browser, live_server):
    """The shop owner's phone: another browser, with no session."""
    yield from phone_page(browser, live_server, SMALL_PHONE)


def no_sideways_scroll(page, where: str) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] and sizes["scroll"] <= SMALL_PHONE["width"], (
        f"{where} scrolls sideways on a 360 px phone: {sizes}"
    )


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def make_shop_with_two_assessments(app) -> tuple[str, str, int, int, str]:
    from retail.assessments import frameworks
    from retail.shops import services as shop_services
    from retail.shops.models import ShopKind

    with app.app_context():
        officer = factories.user(Role.OFFICER, wards=("26188",))
        shop = shop_services.create_shop(
            {
                "name": "Tạp hóa Minh Tâm",
                "owner_name": OWNER,
                "phone": PHONE,
                "ward_code": "26188",
                "address": "45 Đường Nguyễn Ái Quốc",
                "kind": ShopKind.GROCERY,
            },
            officer,
        )
        document = frameworks.seed_default().document
        start = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
        submitted_assessment(shop, officer, all_answers(document, pick=min), when=start)
        middle = all_answers(document, pick=lambda values: sorted(values)[len(values) // 2])
        later = submitted_assessment(shop, officer, middle, when=start + dt.timedelta(days=200))
        db.session.commit()
        level = next(lv for lv in document["levels"] if lv["level"] == later.level)
        result = officer.email, factories.PASSWORD, later.id, shop.id, level["name"]["vi"]
        db.session.remove()
    return result


def test_the_result_page_on_a_phone_then_sent_to_the_owner(live_server, small_phone, owner_phone):
    from playwright.sync_api import expect

    page, t = small_phone, live_server.t
    email, password, assessment_id, shop_id, level_name = make_shop_with_two_assessments(
        live_server.app
    )

    page.goto("/login")
    page.get_by_label(t("Email"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    page.wait_for_load_state()

    page.goto(f"/retail/assessments/{assessment_id}/result")
    chart = page.locator("svg.pillar-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(6)
    assert chart.bounding_box()["width"] <= SMALL_PHONE["width"]
    expect(page.locator(".level-badge .level-name")).to_have_text(level_name)
    expect(page.locator("p.since")).to_contain_text("10/03/2026")
    no_sideways_scroll(page, "the officer's result page")
    shot(page, "result-officer")

    # Make a link to send: it is shown once, with a QR code; the copy button works with JS.
    page.get_by_role("button", name=t("Create a link to send"), exact=True).click()
    link = page.locator("#shop-link")
    expect(link).to_contain_text("/r/")
    expect(page.locator("figure.qr-box svg")).to_be_visible()
    expect(page.get_by_role("button", name=t("Copy the link"), exact=True)).to_be_visible()
    no_sideways_scroll(page, "the new link page")
    shot(page, "result-link")
    path = "/r/" + link.inner_text().strip().rsplit("/r/", 1)[1]

    # The owner opens it on their own phone, without an account.
    response = owner_phone.goto(path)
    assert response is not None and response.status == 200
    expect(owner_phone.locator("svg.pillar-chart rect.bar")).to_have_count(6)
    html = owner_phone.content()
    assert OWNER not in html and "987654321" not in html
    expect(owner_phone.get_by_role("button", name=t("Create a link to send"))).to_have_count(0)
    no_sideways_scroll(owner_phone, "the public result page")
    shot(owner_phone, "result-public")

    # Printed: no navigation, no officer's tools.
    owner_phone.emulate_media(media="print")
    expect(owner_phone.locator("header.top")).to_be_hidden()
    page.emulate_media(media="print")
    page.goto(f"/retail/assessments/{assessment_id}/result")
    expect(page.locator(".officer-tools")).to_be_hidden()
    page.emulate_media(media="screen")

    # A self-assessment link: the owner's questionnaire fits the phone too.
    page.goto(f"/retail/shops/{shop_id}/self-link")
    page.get_by_role("button", name=t("Create a self-assessment link"), exact=True).click()
    self_path = "/s/" + page.locator("#shop-link").inner_text().strip().rsplit("/s/", 1)[1]
    owner_phone.emulate_media(media="screen")
    owner_phone.goto(self_path)
    expect(owner_phone.locator("fieldset.question").first).to_be_visible()
    for group in owner_phone.locator("fieldset.question").all():
        group.locator("label.option").last.click()
    no_sideways_scroll(owner_phone, "the self-assessment form")
    shot(owner_phone, "self-assessment")
    owner_phone.get_by_role("button", name=t("Send my answers"), exact=True).click()
    expect(owner_phone.locator("h1")).to_have_text(t("Thank you, your answers have been sent"))
    shot(owner_phone, "self-assessment-sent")

    page.goto(f"/retail/shops/{shop_id}/self-link")
    no_sideways_scroll(page, "the shop's self-assessment page")
    shot(page, "self-links")
    page.locator('a[href*="/confirm"]').first.click()
    page.wait_for_url(re.compile(r"/confirm$"))
    no_sideways_scroll(page, "the confirmation page")
    shot(page, "self-assessment-confirm")
