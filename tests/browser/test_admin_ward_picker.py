"""An admin gives a new field officer their wards on a tablet: search, tick, clear, create."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

TABLET = {"width": 768, "height": 1024}
NARROW = {"width": 360, "height": 740}


def make_admin(app) -> str:
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        db.session.commit()
        email = admin.email
        db.session.remove()
    return email


@pytest.mark.parametrize("viewport", [TABLET, NARROW], ids=["tablet", "360px"])
def test_admin_picks_an_officers_wards_by_searching(browser, live_server, viewport, tmp_path):
    from playwright.sync_api import expect

    email = make_admin(live_server.app)
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    t = live_server.t
    try:
        page.goto("/login")
        page.get_by_label(t("Email"), exact=True).fill(email)
        page.get_by_label(t("Password"), exact=True).fill(live_server.password)
        page.get_by_role("button", name=t("Log in")).click()
        page.goto("/admin/users")

        search = page.get_by_placeholder(t("Find a ward by name"))
        expect(search).to_be_visible()  # the script showed the search box
        boxes = page.locator("[data-ward-item]:visible")
        assert boxes.count() == 95
        search.fill("long khanh")  # no diacritics needed
        expect(page.get_by_label("Phường Long Khánh", exact=True)).to_be_visible()
        assert 0 < boxes.count() < 10
        page.get_by_label("Phường Long Khánh", exact=True).check()
        search.fill("dak o")
        page.get_by_label("Xã Đăk Ơ", exact=True).check()
        # A ticked ward stays in sight while searching for another.
        expect(page.get_by_label("Phường Long Khánh", exact=True)).to_be_visible()
        search.press("Enter")  # does not submit the form
        assert page.url.endswith("/admin/users")
        search.fill("")
        assert boxes.count() == 95

        sizes = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert sizes["scroll"] <= sizes["inner"], f"scrolls sideways: {sizes}"

        page.get_by_label(t("Full name"), exact=True).fill("Cán bộ Long Khánh")
        page.get_by_label(t("Email"), exact=True).fill(f"canbo{viewport['width']}@example.vn")
        page.get_by_label(t("Initial password"), exact=True).fill("tieu-chin-ngot-31")
        page.get_by_label(t("Role"), exact=True).select_option("officer")
        page.get_by_role("button", name=t("Create account")).click()
        expect(page.get_by_text(t("The account has been created."))).to_be_visible()
    except Exception:
        page.screenshot(path=tmp_path / "failure.png", full_page=True)
        raise
    finally:
        context.close()

    with live_server.app.app_context():
        officer = db.session.scalar(
            select(User).where(User.email == f"canbo{viewport['width']}@example.vn")
        )
        assert officer.role is Role.OFFICER
        assert sorted(w.name for w in officer.wards) == ["Phường Long Khánh", "Xã Đăk Ơ"]
        db.session.remove()
