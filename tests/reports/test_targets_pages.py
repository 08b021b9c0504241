"""The targets page: staff see every year's target, edit one (typed the page's way), add a year,
and reset to the default after confirming."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from reports.indicators import targets
from reports.indicators.models import Target
from tests import factories

CODE = "portal_listed_share"  # 35 % in 2026, 70 % in 2030


@pytest.fixture
def staff(app_ctx):
    user = factories.staff()
    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, staff):
    client.login(staff.email, factories.PASSWORD)
    return client


def stored(code: str, year: int) -> Decimal | None:
    row = db.session.scalars(
        select(Target).where(Target.indicator == code, Target.year == year)
    ).first()
    return None if row is None else row.value


def row_of(html: str, code: str) -> str:
    match = re.search(rf'<tr id="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def test_the_page_shows_defaults_staff_changes_and_the_trajectory_today(
    logged_in, staff, monkeypatch
):
    targets.set_target(CODE, 2028, Decimal("52.25"), staff)
    db.session.commit()
    # On 31/12/2028 the trajectory is half-way from 35 to 70 (52,5) and from 25 to 95 wards (60).
    monkeypatch.setattr("reports.indicators.views.province_today", lambda: dt.date(2028, 12, 31))
    page = logged_in.get("/reports/targets/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for year in range(2026, 2031):
        assert f"<th>{year}</th>" in html
    listed = row_of(html, CODE)
    assert "35 %" in listed and "70 %" in listed
    assert "52,3 %" in listed  # 52,25 shown half-up to one place (half-even would say 52,2)
    assert staff.full_name in listed
    assert "52,5 %" not in listed  # staff's 2028 target bends the line: 52,25 on 31/12/2028
    wards = row_of(html, "wards_deployed")
    assert ">25<" in wards.replace(" ", "") and "60" in wards
    assert "/reports/targets/wards_deployed/2027" in wards  # each year's cell is editable


def test_the_trajectory_today_without_staff_changes(logged_in, monkeypatch):
    monkeypatch.setattr("reports.indicators.views.province_today", lambda: dt.date(2028, 12, 31))
    html = logged_in.get("/reports/targets/").get_data(as_text=True)
    cells = re.findall(r"<td>(.*?)</td>", row_of(html, CODE), re.S)
    assert cells[-2].strip() == "52,5 %"  # the trajectory column


def test_a_target_typed_in_vietnamese_is_saved_and_audit_logged(logged_in, staff):
    url = f"/reports/targets/{CODE}/2027"
    response = logged_in.submit(url, {"value": "52,5"}, token_from=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/targets/#{CODE}")
    assert stored(CODE, 2027) == Decimal("52.5")
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "indicator.target_set")
    ).one()
    assert entry.actor_id == staff.id and entry.detail["after"] == "52.5"
    assert entry.detail["before"] is None


def test_an_existing_target_is_prefilled_the_pages_way(logged_in, staff):
    targets.set_target(CODE, 2027, Decimal("52.5"), staff)
    db.session.commit()
    html = logged_in.get(f"/reports/targets/{CODE}/2027").get_data(as_text=True)
    assert 'value="52,5"' in html
    assert f"/reports/targets/{CODE}/2027/reset" in html


def test_a_count_target_reads_the_vietnamese_thousands_separator(logged_in):
    url = "/reports/targets/wards_deployed/2027"
    logged_in.submit(url, {"value": "1.500"}, token_from=url)
    assert stored("wards_deployed", 2027) == Decimal(1500)


@pytest.mark.parametrize(
    ("typed", "why"),
    # What each message must hold in either language: the bound, or the example typed the
    # Vietnamese way.
    [("120", "100"), ("abc", "32,5"), ("", "52,5")],
)
def test_a_bad_target_is_refused_next_to_the_field(logged_in, typed, why):
    url = f"/reports/targets/{CODE}/2027"
    response = logged_in.submit(url, {"value": typed}, token_from=url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="field has-error"' in html
    error = re.search(r'<small class="error" id="value-error" role="alert">(.*?)</small>', html)
    assert error and why in error.group(1)
    assert stored(CODE, 2027) is None


def test_an_english_page_reads_a_point_as_the_decimal_separator(logged_in):
    url = f"/reports/targets/{CODE}/2027"
    english = {"Accept-Language": "en"}
    logged_in.get("/lang/en")
    response = logged_in.submit(url, {"value": "52.5"}, token_from=url, headers=english)
    assert response.status_code == 302
    assert stored(CODE, 2027) == Decimal("52.5")


def test_staff_add_a_year_the_indicator_has_no_target_for(logged_in):
    url = f"/reports/targets/{CODE}/add"
    html = logged_in.get(url).get_data(as_text=True)
    assert '<option value="2029">' in html and '<option value="2026">' not in html
    response = logged_in.submit(url, {"year": "2029", "value": "63"}, token_from=url)
    assert response.status_code == 302
    assert stored(CODE, 2029) == Decimal(63)
    taken = logged_in.submit(url, {"year": "2026", "value": "40"}, token_from=url)
    assert taken.status_code == 200 and 'id="year-error"' in taken.get_data(as_text=True)
    assert stored(CODE, 2026) is None


def test_reset_asks_first_then_goes_back_to_the_default(logged_in, staff):
    targets.set_target(CODE, 2026, Decimal("40"), staff)
    db.session.commit()
    url = f"/reports/targets/{CODE}/2026/reset"
    confirm = logged_in.get(url)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "40 %" in html and "35 %" in html and f'action="{url}"' in html
    assert stored(CODE, 2026) == Decimal(40)  # nothing changed by asking
    response = logged_in.submit(url, {}, token_from=url)
    assert response.status_code == 302
    assert stored(CODE, 2026) is None
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "indicator.target_reset")
    ).one()


def test_a_default_cannot_be_reset_and_an_unknown_indicator_is_404(logged_in):
    assert logged_in.get(f"/reports/targets/{CODE}/2026/reset").status_code == 404
    assert logged_in.get("/reports/targets/nothing/2026").status_code == 404
    assert logged_in.get("/reports/targets/nothing/add").status_code == 404
    assert logged_in.get(f"/reports/targets/{CODE}/1999").status_code == 404  # no such year
