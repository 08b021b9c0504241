"""An officer assesses a shop on a cheap phone, as in the field: step by step, a reload in the
middle, one step while the connection is gone, then submit and the result."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import frameworks, scoring
from retail.assessments.models import Assessment, AssessmentState
from retail.shops import services as shop_services
from retail.shops.models import ShopKind
from tests import factories
from tests.browser.conftest import phone_page

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

SMALL_PHONE = {"width": 360, "height": 740}
# Screenshots to look at after a run (/tmp/shots unless SHOTS_DIR says otherwise).
SHOTS = Path(os.environ.get("SHOTS_DIR") or Path(tempfile.gettempdir()) / "shots")
WARD = "26188"
RELOAD_STEP = 3  # answers picked, then the page is reloaded before saving
OFFLINE_STEP = 4  # saved while the phone has no connection


@pytest.fixture
def field(live_server):
    """An officer of the ward, a shop there and the published questionnaire."""
    with live_server.app.app_context():
        document = frameworks.seed_default().document
        officer = factories.user(Role.OFFICER, wards=(WARD,))
        shop = shop_services.create_shop(
            {
                "name": "Tạp hóa Bà Năm",
                "owner_name": "Lê Thị Năm",
                "phone": "+84913000555",
                "ward_code": WARD,
                "address": "88 Đường Đồng Khởi",
                "kind": ShopKind.GROCERY,
            },
            officer,
        )
        db.session.commit()
        values = {"email": officer.email, "shop": shop.id, "document": document}
        db.session.remove()
    return values


@pytest.fixture
def small_phone(browser, live_server):
    yield from phone_page(browser, live_server, SMALL_PHONE)


def planned_answers(document: dict) -> dict:
    """A spread of answers: the i-th question takes its (i mod options)-th option."""
    return {
        q["key"]: q["options"][i % len(q["options"])]["value"]
        for i, (_, q) in enumerate(scoring.questions(document))
    }


def no_horizontal_scroll(page, where: str) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] <= SMALL_PHONE["width"], f"{where}: {sizes}"


def pick(page, pillar: dict, answers: dict) -> None:
    for question in pillar["questions"]:
        value = answers[question["key"]]
        page.locator(f'input[name="q_{question["key"]}"][value="{value}"]').check()


def expect_picked(page, pillar: dict, answers: dict) -> None:
    from playwright.sync_api import expect

    for question in pillar["questions"]:
        value = answers[question["key"]]
        expect(page.locator(f'input[name="q_{question["key"]}"][value="{value}"]')).to_be_checked()


def stored(app, shop_id: int) -> Assessment:
    with app.app_context():
        found = db.session.scalars(select(Assessment).where(Assessment.shop_id == shop_id)).one()
        db.session.expunge(found)
        db.session.remove()
    return found


def test_officer_assesses_a_shop_on_a_phone(live_server, field, small_phone):
    from playwright.sync_api import expect

    page, t, app = small_phone, live_server.t, live_server.app
    document = field["document"]
    pillars = document["pillars"]
    answers = planned_answers(document)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/login")
    page.get_by_label(t("Email"), exact=True).fill(field["email"])
    page.get_by_label(t("Password"), exact=True).fill(live_server.password)
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    page.wait_for_load_state()

    page.goto(f"/retail/shops/{field['shop']}")
    page.get_by_role("link", name=t("Assess the shop"), exact=True).click()
    page.get_by_role("button", name=t("Start the assessment"), exact=True).click()
    page.wait_for_url(re.compile(r"/step/1$"))

    save = page.get_by_role("button", name=re.compile(re.escape(t("Save and continue"))))
    note = page.locator("[data-offline-note]")
    for number, pillar in enumerate(pillars, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(pillar["name"]["vi"])
        expect(page.locator("[data-step-label]")).to_have_text(f"Bước {number}/{len(pillars)}")
        no_horizontal_scroll(page, f"step {number}")
        pick(page, pillar, answers)
        if number == 1:
            page.screenshot(path=SHOTS / "assessment-step.png", full_page=True)
        if number == RELOAD_STEP:
            page.reload()
            expect_picked(page, pillar, answers)  # kept on the phone, not yet sent
        if number == OFFLINE_STEP:
            page.context.set_offline(True)
            save.click()
            expect(note).to_have_text(
                t("Saved on this phone; will be sent when the connection is back.")
            )
            # The next step is shown from the page's data while offline.
            expect(page.get_by_role("heading", level=1)).to_have_text(pillars[number]["name"]["vi"])
            page.screenshot(path=SHOTS / "assessment-offline.png", full_page=True)
            assert stored(app, field["shop"]).step == OFFLINE_STEP - 1  # nothing arrived
            page.context.set_offline(False)
            expect(note).to_have_text(t("The answers kept on this phone have been sent."))
            arrived = stored(app, field["shop"])
            assert arrived.step == OFFLINE_STEP
            assert all(arrived.answers[q["key"]] == answers[q["key"]] for q in pillar["questions"])
            continue
        save.click()
        page.wait_for_url(
            re.compile(r"/review$" if number == len(pillars) else rf"/step/{number + 1}$")
        )

    no_horizontal_scroll(page, "the review")
    expect(page.locator("li.unanswered")).to_have_count(0)
    assert (
        page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('assessment:'))")
        == []
    )
    page.get_by_role("button", name=t("Submit the assessment"), exact=True).click()
    page.wait_for_url(re.compile(r"/retail/assessments/\d+$"))

    result = stored(app, field["shop"])
    expected = scoring.score(document, answers)
    assert result.state is AssessmentState.SUBMITTED
    assert result.answers == answers
    assert result.level == expected.level
    level_name = document["levels"][expected.level]["name"]["vi"]
    expect(page.locator(".level-badge")).to_contain_text(level_name)
    total = f"{float(expected.total):.1f}".replace(".", ",").removesuffix(",0")
    expect(page.locator(".score-total b")).to_have_text(total)
    expect(page.locator(".pillar-scores li")).to_have_count(len(pillars))
    no_horizontal_scroll(page, "the result")
    page.screenshot(path=SHOTS / "assessment-result.png", full_page=True)
