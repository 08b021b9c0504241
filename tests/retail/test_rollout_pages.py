"""The ward page, the roll-out table, officers assigned from the ward page, and the criterion edit.

Numbers on the pages are checked against rows the test makes and counts by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from core.accounts.models import Role, User
from core.audit import AuditEntry
from core.extensions import db
from retail.rollout import services
from retail.rollout.services import WardState
from retail.shops.models import ShopState
from tests import factories
from tests.retail.test_rollout_states import (
    NOT_PLANNED,
    WARD,
    add_assessment,
    add_shop,
    answers,
    assessed_shops,
)


def _text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _login(client, user: User) -> None:
    client.login(user.email, factories.PASSWORD)


def _ward_with_known_numbers() -> None:
    """Three assessed active shops (levels 5, 0, 0), one never assessed, one closed, one merged."""
    best = add_shop()
    add_assessment(best, dt.date(2026, 4, 2), given=answers("best"))
    worst = add_shop()
    add_assessment(worst, dt.date(2026, 4, 3), given=answers("worst"))
    fell_back = add_shop()
    add_assessment(fell_back, dt.date(2026, 4, 4), given=answers("best"))
    add_assessment(fell_back, dt.date(2026, 9, 4), given=answers("worst"))  # the latest counts
    add_shop()
    closed = add_shop(state=ShopState.CLOSED)
    add_assessment(closed, dt.date(2026, 4, 5), given=answers("best"))
    add_shop(state=ShopState.MERGED)


def test_ward_summary_counts_the_latest_completed_assessment_of_active_shops(app_ctx):
    _ward_with_known_numbers()
    summary = services.ward_summary(WARD)
    assert summary.progress.assessed == 3
    assert summary.progress.registered == 4
    assert summary.shops_by_state == {ShopState.ACTIVE: 4, ShopState.CLOSED: 1, ShopState.MERGED: 1}
    assert summary.levels == {0: 2, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    # every pillar: (100 + 0 + 0) / 3
    assert len(summary.pillars) == 6
    assert {average for _names, average in summary.pillars} == {Decimal(100) / 3}
    assert summary.digital_payment == 1
    assert summary.digital_share == Decimal(100) / 3


def test_ward_page_shows_those_numbers(client, app_ctx):
    _ward_with_known_numbers()
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    _login(client, officer)
    page = client.get(f"/retail/wards/{WARD}?lang=en")
    assert page.status_code == 200
    text = _text(page)
    assert "3/20 shops with a completed assessment" in text
    assert "17 more shops needed." in text
    assert "1 of 3 assessed shops take digital payments (33.3 %)." in text
    assert text.count("33.3") == 7  # six pillars and the digital-payment share
    assert officer.full_name in text
    # The level chart: one bar per level, the counts as text.
    svg = re.search(r"<svg class=\"level-chart\".*?</svg>", page.get_data(as_text=True), re.S)
    assert svg is not None
    assert len(re.findall(r"<rect class=\"bar level-", svg.group(0))) == 6
    values = re.findall(r"<text class=\"value\"[^>]*>([^<]+)</text>", svg.group(0))
    assert values == ["2", "0", "0", "0", "0", "1"]
    # Officers see no staff controls.
    assert "Assign to this ward" not in text
    assert "Remove from this ward" not in text


def test_ward_page_in_vietnamese_uses_its_number_format(client, app_ctx):
    _ward_with_known_numbers()
    staff = factories.staff()
    db.session.commit()
    _login(client, staff)
    text = _text(client.get(f"/retail/wards/{WARD}"))
    assert "3/20 cửa hàng" in text
    assert "33,3" in text


def test_staff_assign_and_remove_an_officer_from_the_ward_page(client, app_ctx):
    staff = factories.staff()
    here = factories.user(Role.OFFICER, wards=(WARD,))
    elsewhere = factories.user(Role.OFFICER, wards=(NOT_PLANNED,))
    db.session.commit()
    _login(client, staff)
    page = client.get(f"/retail/wards/{WARD}?lang=en")
    assert f'<option value="{elsewhere.id}"' in page.get_data(as_text=True)
    assert f'<option value="{here.id}"' not in page.get_data(as_text=True)
    added = client.submit(
        f"/retail/wards/{WARD}/officers", {"user_id": elsewhere.id}, token_from="/login"
    )
    assert added.status_code == 302
    db.session.expire_all()
    assert [w.code for w in db.session.get(User, elsewhere.id).wards] == [NOT_PLANNED, WARD]
    entry = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.action == "user.update", AuditEntry.object_id == str(elsewhere.id))
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.actor_id == staff.id
    assert entry.detail["before"]["wards"] == [NOT_PLANNED]
    assert entry.detail["after"]["wards"] == [NOT_PLANNED, WARD]

    removed = client.submit(
        f"/retail/wards/{WARD}/officers/{elsewhere.id}/remove", token_from="/login"
    )
    assert removed.status_code == 302
    db.session.expire_all()
    assert [w.code for w in db.session.get(User, elsewhere.id).wards] == [NOT_PLANNED]


def test_an_officers_only_ward_is_not_taken_away(client, app_ctx):
    staff = factories.staff()
    only_here = factories.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    _login(client, staff)
    response = client.submit(
        f"/retail/wards/{WARD}/officers/{only_here.id}/remove?lang=en",
        token_from="/login",
        follow_redirects=True,
    )
    assert "This is the only ward of" in _text(response)
    db.session.expire_all()
    assert [w.code for w in db.session.get(User, only_here.id).wards] == [WARD]


def test_assigning_without_choosing_says_what_to_do(client, app_ctx):
    staff = factories.staff()
    db.session.commit()
    _login(client, staff)
    response = client.submit(
        f"/retail/wards/{WARD}/officers?lang=en", {}, token_from="/login", follow_redirects=True
    )
    assert "Choose the officer to assign to this ward." in _text(response)


def test_rollout_table_filters_and_sorts(client, app_ctx):
    assessed_shops(20, dt.date(2026, 4, 1))
    assessed_shops(2, dt.date(2026, 4, 1), NOT_PLANNED)
    staff = factories.staff()
    db.session.commit()
    _login(client, staff)
    deployed = client.get("/retail/wards?state=deployed&lang=en")
    rows = re.findall(r'href="/retail/wards/(\d{5})"', deployed.get_data(as_text=True))
    assert rows == [WARD]
    assert "20/20" in _text(deployed)
    everything = client.get("/retail/wards?sort=assessed&dir=desc&lang=en")
    rows = re.findall(r'href="/retail/wards/(\d{5})"', everything.get_data(as_text=True))
    assert len(rows) == 95
    assert rows[:2] == [WARD, NOT_PLANNED]


def test_criterion_edit_asks_first_and_says_how_many_wards_change(client, app_ctx):
    assessed_shops(19, dt.date(2026, 4, 1))
    assessed_shops(2, dt.date(2026, 4, 1), NOT_PLANNED)
    staff = factories.staff()
    db.session.commit()
    _login(client, staff)
    form = client.get("/staff/rollout/criterion?lang=en")
    assert 'value="20"' in form.get_data(as_text=True)

    preview = client.submit("/staff/rollout/criterion?lang=en", {"min_shops": "19"})
    assert preview.status_code == 200
    text = _text(preview)
    assert "With the new numbers 1 ward changes state:" in text
    assert "Phường Tân Triều" in text
    assert services.current_rule().min_shops == 20  # nothing saved yet

    saved = client.submit(
        "/staff/rollout/criterion?lang=en",
        {"min_shops": "19", "min_share_percent": "", "confirm": "1"},
        follow_redirects=True,
    )
    assert "The criterion has been saved: 1 ward changed state." in _text(saved)
    db.session.expire_all()
    assert services.current_rule().min_shops == 19
    assert services.ward_progress(WARD).state is WardState.DEPLOYED
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "rollout.criterion")
    ).one()
    assert entry.actor_id == staff.id
    assert entry.detail == {
        "before": {"min_shops": 20, "min_share_percent": None},
        "after": {"min_shops": 19, "min_share_percent": None},
        "wards_changed": 1,
    }


def test_criterion_share_typed_either_way_and_refusals_said(client, app_ctx):
    staff = factories.staff()
    db.session.commit()
    _login(client, staff)
    preview = client.submit(
        "/staff/rollout/criterion", {"min_shops": "20", "min_share_percent": "12,5"}
    )
    assert "12,5 %" in _text(preview)
    assert "Không có xã, phường nào đổi trạng thái" in _text(preview)
    for typed, message in (
        ("abc", "Enter a share in per cent, e.g. 30 or 12.5."),
        ("150", "Enter a share above 0 and up to 100 per cent"),
        ("0", "Enter a share above 0 and up to 100 per cent"),
    ):
        refused = client.submit(
            "/staff/rollout/criterion?lang=en", {"min_shops": "20", "min_share_percent": typed}
        )
        assert refused.status_code == 200
        assert message in _text(refused), typed
    for typed, message in (
        ("", "Enter how many shops a ward needs, e.g. 20."),
        ("twenty", "Enter a whole number, e.g. 20."),
        ("0", "Enter a whole number of shops from 1 to 10,000."),
    ):
        refused = client.submit("/staff/rollout/criterion?lang=en", {"min_shops": typed})
        assert message in _text(refused), typed
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "rollout.criterion")
        )
        == 0
    )
