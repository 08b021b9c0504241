"""The officer's day: never assessed, drafts, self-assessments to confirm, shops due."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.accounts.models import Role
from core.extensions import db
from retail.assessments.models import AssessmentOrigin, AssessmentState
from retail.rollout import officer_day as services
from retail.shops.models import ShopState
from tests import factories
from tests.retail.test_rollout_states import NOT_PLANNED, WARD, add_assessment, add_shop

MINE = frozenset({WARD})


def _names(stmt) -> list[str]:
    return [row.name if hasattr(row, "name") else row.shop.name for row in db.session.scalars(stmt)]


@pytest.mark.parametrize(
    ("day", "months", "cutoff"),
    [
        (dt.date(2026, 11, 30), 6, dt.date(2026, 5, 31)),
        (dt.date(2026, 11, 29), 6, dt.date(2026, 5, 29)),
        # 29, 30 and 31 August all fall due on 28 February (no 29th in 2027)
        (dt.date(2027, 2, 28), 6, dt.date(2026, 8, 31)),
        (dt.date(2027, 2, 27), 6, dt.date(2026, 8, 27)),
        (dt.date(2026, 12, 1), 3, dt.date(2026, 9, 1)),
        (dt.date(2026, 1, 15), 12, dt.date(2025, 1, 15)),
    ],
)
def test_due_cutoff(day, months, cutoff):
    assert services.due_cutoff(day, months) == cutoff


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert services.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert services.add_months(dt.date(2026, 11, 30), -6) == dt.date(2026, 5, 30)
    assert services.add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)


def test_never_assessed_lists_active_shops_of_the_wards_with_no_assessment_at_all(app_ctx):
    add_shop(name="Tạp hóa Chưa Đánh Giá")
    add_assessment(add_shop(name="Tạp hóa Đã Đánh Giá"), dt.date(2026, 5, 1))
    add_assessment(add_shop(name="Tạp hóa Có Nháp"), state=AssessmentState.DRAFT, given={})
    add_shop(name="Tạp hóa Đã Đóng", state=ShopState.CLOSED)
    add_shop(NOT_PLANNED, name="Tạp hóa Xã Khác")
    assert _names(services.never_assessed(MINE)) == ["Tạp hóa Chưa Đánh Giá"]


def test_drafts_and_self_assessments_to_confirm(app_ctx):
    first = add_assessment(
        add_shop(name="Nhà thuốc Nháp Cũ"), state=AssessmentState.DRAFT, given={}
    )
    first.updated_at = dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC)
    second = add_assessment(
        add_shop(name="Quán cơm Nháp Mới"), state=AssessmentState.DRAFT, given={}
    )
    second.updated_at = dt.datetime(2026, 11, 1, 3, tzinfo=dt.UTC)
    add_assessment(
        add_shop(name="Sạp rau Tự Đánh Giá"),
        state=AssessmentState.AWAITING_CONFIRMATION,
        origin=AssessmentOrigin.SELF,
    )
    add_assessment(
        add_shop(NOT_PLANNED, name="Sạp cá Xã Khác"), state=AssessmentState.DRAFT, given={}
    )
    db.session.flush()
    assert _names(services.drafts_to_finish(MINE)) == ["Nhà thuốc Nháp Cũ", "Quán cơm Nháp Mới"]
    assert _names(services.awaiting_confirmation(MINE)) == ["Sạp rau Tự Đánh Giá"]


def test_due_six_months_after_the_last_completed_assessment(app_ctx):
    today = dt.date(2026, 12, 1)
    add_assessment(add_shop(name="A Due Since May"), dt.date(2026, 5, 31))
    add_assessment(add_shop(name="B Due Today"), dt.date(2026, 6, 1))
    add_assessment(add_shop(name="C Not Yet"), dt.date(2026, 6, 2))
    reassessed = add_shop(name="D Re-assessed")
    add_assessment(reassessed, dt.date(2026, 3, 1))
    add_assessment(reassessed, dt.date(2026, 9, 1))
    under_way = add_shop(name="E Draft Under Way")
    add_assessment(under_way, dt.date(2026, 3, 1))
    add_assessment(under_way, state=AssessmentState.DRAFT, given={})
    closed = add_shop(name="F Closed", state=ShopState.CLOSED)
    add_assessment(closed, dt.date(2026, 3, 1))
    add_assessment(add_shop(NOT_PLANNED, name="G Other Ward"), dt.date(2026, 3, 1))
    due = services.due_for_reassessment(MINE, today, 6)
    assert _names(due) == ["A Due Since May", "B Due Today"]
    assert _names(services.due_for_reassessment(MINE, today - dt.timedelta(days=1), 6)) == [
        "A Due Since May"
    ]
    assert _names(services.due_for_reassessment(MINE, today, 3)) == [
        "A Due Since May",
        "B Due Today",
        "C Not Yet",
        "D Re-assessed",
    ]


def test_the_day_page_of_an_officer(client, app_ctx, monkeypatch):
    from retail.rollout import views

    monkeypatch.setattr(views, "province_today", lambda: dt.date(2026, 12, 1))
    add_shop(name="Tạp hóa Chưa Đánh Giá", phone="+84912000111")
    add_assessment(add_shop(name="Tạp hóa Đến Hạn"), dt.date(2026, 5, 20))
    add_assessment(add_shop(name="Tạp hóa Mới Đánh Giá"), dt.date(2026, 11, 20))
    add_assessment(add_shop(name="Nhà thuốc Đang Nháp"), state=AssessmentState.DRAFT, given={})
    add_shop(NOT_PLANNED, name="Tạp hóa Xã Khác")
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    client.login(officer.email, factories.PASSWORD)
    page = client.get("/retail?lang=en")
    html = page.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert page.status_code == 200
    assert "Phường Tân Triều" in text and "2/20 shops" in text
    never = html[html.index('id="never"') : html.index('id="drafts"')]
    assert "Tạp hóa Chưa Đánh Giá" in never and "0912 000 111" in never
    assert "Tạp hóa Đến Hạn" not in never
    drafts = html[html.index('id="drafts"') : html.index('id="awaiting"')]
    assert "Nhà thuốc Đang Nháp" in drafts
    due = html[html.index('id="due"') :]
    assert "Tạp hóa Đến Hạn" in due
    assert "Last assessed 20 May 2026; due since 20 Nov 2026" in " ".join(
        re.sub(r"<[^>]+>", " ", due).split()
    )
    assert "Tạp hóa Mới Đánh Giá" not in due
    assert "Tạp hóa Xã Khác" not in html
    assert 'action="/retail/shops"' in html


def test_the_reassessment_interval_is_configurable(client, app_ctx, monkeypatch):
    from retail.rollout import views

    monkeypatch.setattr(views, "province_today", lambda: dt.date(2026, 12, 1))
    monkeypatch.setitem(client.application.config, "RETAIL_REASSESS_MONTHS", 3)
    add_assessment(add_shop(name="Tạp hóa Tháng Tám"), dt.date(2026, 8, 30))
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    client.login(officer.email, factories.PASSWORD)
    html = client.get("/retail?lang=en").get_data(as_text=True)
    assert "Tạp hóa Tháng Tám" in html[html.index('id="due"') :]


def test_a_long_list_is_shown_in_full_on_its_own_pages(client, app_ctx):
    for k in range(7):
        add_shop(name=f"Tạp hóa Số {k}")
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    client.login(officer.email, factories.PASSWORD)
    day = client.get("/retail?lang=en").get_data(as_text=True)
    never = day[day.index('id="never"') : day.index('id="drafts"')]
    assert never.count('class="day-item"') == 5
    assert "Show all 7 in this list" in never
    full = client.get("/retail?list=never&lang=en").get_data(as_text=True)
    assert full.count('class="day-item"') == 7


def test_an_officer_without_wards_is_told_whom_to_ask(client, app_ctx):
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    officer.wards = []
    db.session.commit()
    client.login(officer.email, factories.PASSWORD)
    text = client.get("/retail?lang=en").get_data(as_text=True)
    assert "You are not assigned to any ward yet" in text


def test_staff_are_sent_to_the_rollout_table(client, app_ctx):
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    response = client.get("/retail")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/retail/wards")
