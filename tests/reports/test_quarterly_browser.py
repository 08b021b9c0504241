"""An officer writes and sends the ward's quarterly report on a 360 px phone; staff send it back
from the overview. No page scrolls sideways and none logs a console error."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.db import province_today
from core.extensions import db
from reports.indicators.models import PeriodKind
from reports.indicators.periods import Period
from reports.quarterly import services
from reports.quarterly.models import WardReportState
from tests import factories

# The browser fixtures live beside the browser tests; this one sits with the quarterly tests.
from tests.browser import conftest as browser_fixtures

browser, live_server = browser_fixtures.browser, browser_fixtures.live_server

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

NARROW = {"width": 360, "height": 740}
WARD = "26188"


def fits(page) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], f"{page.url} scrolls sideways: {sizes}"


def test_officer_sends_the_report_on_a_phone_and_staff_send_it_back(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    app, t = live_server.app, live_server.t
    with app.app_context():
        officer = factories.user(Role.OFFICER, wards=(WARD,))
        staff = factories.staff()
        db.session.commit()
        officer_email, staff_email = officer.email, staff.email
        db.session.remove()
    quarter = Period.containing(PeriodKind.QUARTER, province_today())

    context = browser.new_context(
        base_url=live_server.url, viewport=NARROW, has_touch=True, is_mobile=True, locale="vi-VN"
    )
    page = context.new_page()
    errors: list[str] = []

    def console(message) -> None:
        # The browser asks for /favicon.ico on its own; the site has none (not these pages').
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def login(email: str) -> None:
        page.goto("/login")
        page.get_by_label(t("Email"), exact=True).fill(email)
        page.get_by_label(t("Password"), exact=True).fill(live_server.password)
        page.get_by_role("button", name=t("Log in")).click()

    try:
        login(officer_email)
        page.goto("/reports/quarterly/")
        fits(page)
        page.get_by_role("link", name=t("Write")).first.click()
        assert page.url.endswith(f"/reports/quarterly/{WARD}/{quarter.key}")
        expect(page.locator("#figures-counts")).to_be_visible()
        fits(page)
        page.get_by_label(t("Activities in the quarter")).fill("Đã khảo sát 12 cửa hàng.")
        page.get_by_role("button", name=t("Send to the Department…")).click()
        expect(page.locator("#difficulties-error")).to_be_visible()  # asked for every part
        page.get_by_label(t("Difficulties"), exact=True).fill("Thiếu máy tính bảng.")
        page.get_by_label(t("Proposals"), exact=True).fill("Đề nghị tập huấn thêm.")
        page.get_by_role("button", name=t("Send to the Department…")).click()
        expect(
            page.get_by_text(
                t("After sending you cannot edit the report unless the Department sends it back.")
            )
        ).to_be_visible()
        fits(page)
        page.get_by_role("button", name=t("Send the report now"), exact=True).click()
        expect(page.get_by_text(t("The report has been sent to the Department."))).to_be_visible()
        expect(page.locator("#narrative-activities")).to_have_text("Đã khảo sát 12 cửa hàng.")
        fits(page)
        page.get_by_role("button", name=t("Log out")).click()

        login(staff_email)
        page.goto(f"/reports/quarterly/overview?quarter={quarter.key}")
        fits(page)
        page.locator(f'tr[data-ward="{WARD}"]').get_by_role("link").click()
        page.get_by_label(t("What should the ward change?")).fill("Bổ sung số hộ tập huấn.")
        page.get_by_role("button", name=t("Send back to the ward")).click()
        expect(page.get_by_text(t("The report has been sent back to the ward."))).to_be_visible()
        fits(page)
    except Exception:
        page.screenshot(path=tmp_path / "failure.png", full_page=True)
        raise
    finally:
        context.close()

    assert errors == []
    with app.app_context():
        report = services.find(WARD, quarter)
        assert report.state is WardReportState.RETURNED
        assert report.return_comment == "Bổ sung số hộ tập huấn."
        db.session.remove()
