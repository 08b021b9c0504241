"""Targets: the trajectory on exact days (as fractions), standings at their exact boundaries, and
staff's targets (audit-logged) over the definitions' defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from reports.indicators import definitions, targets
from reports.indicators.targets import Standing, expected_on, standing

PORTAL = {2026: Decimal(35), 2030: Decimal(70)}
D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 31), Fraction(35)),
        # Two of the four years from 2026 to 2030, though 2028 has a 29 February.
        (D(2028, 12, 31), Fraction(105, 2)),
        (D(2027, 12, 31), Fraction(175, 4)),
        (D(2029, 12, 31), Fraction(245, 4)),
        (D(2030, 12, 31), Fraction(70)),
        # From 0 on 31/12/2025: 30/6/2026 is day 181 of 365 → 35 × 181/365.
        (D(2026, 6, 30), Fraction(1267, 73)),
        (D(2026, 7, 2), Fraction(1281, 73)),  # day 183
        # The day after a target: a quarter of 35 per year, 1/365 of a year on.
        (D(2027, 1, 1), 35 + Fraction(7, 292)),
        # 29/2/2028: one year and 60/366 after 2026 → 35 + 35/4 × 71/61.
        (D(2028, 2, 29), Fraction(11025, 244)),
        # Before the baseline: the baseline; after the last target: the last target.
        (D(2025, 12, 31), Fraction(0)),
        (D(2025, 3, 1), Fraction(0)),
        (D(2031, 6, 1), Fraction(70)),
    ],
)
def test_trajectory_on_exact_days(day, expected):
    assert expected_on(PORTAL, day) == expected


def test_a_baseline_set_by_staff_starts_the_trajectory():
    with_baseline = {2025: Decimal(20), **PORTAL}
    # 20 on 31/12/2025, 35 on 31/12/2026: 30/6/2026 → 20 + 15 × 181/365.
    assert expected_on(with_baseline, D(2026, 6, 30)) == Fraction(2003, 73)
    # 2025 is then the first target: from 0 on 31/12/2024, 30/6/2025 is 20 × 181/365.
    assert expected_on(with_baseline, D(2025, 6, 30)) == Fraction(724, 73)
    assert expected_on(with_baseline, D(2024, 12, 31)) == 0
    assert expected_on({}, D(2026, 6, 30)) is None


def test_a_flat_target_is_reached_in_its_first_year_and_stays():
    payment = {2026: Decimal(90), 2030: Decimal(90)}
    assert expected_on(payment, D(2026, 12, 31)) == 90
    assert expected_on(payment, D(2028, 5, 1)) == 90
    assert expected_on(payment, D(2026, 4, 1)) == Fraction(90 * 91, 365)  # day 91


def test_standing_at_the_exact_boundaries_up(app_ctx):
    portal = definitions.get("portal_listed_share")
    day = D(2026, 12, 31)  # expected 35; behind down to 35 × 0.9 = 31.5
    assert standing(portal, Fraction(35), day, PORTAL) == (Standing.ON_TRACK, 35)
    assert standing(portal, Fraction(36), day, PORTAL)[0] is Standing.ON_TRACK
    assert standing(portal, Fraction(35) - Fraction(1, 10**9), day, PORTAL)[0] is Standing.BEHIND
    assert standing(portal, Fraction(63, 2), day, PORTAL)[0] is Standing.BEHIND
    below = Fraction(63, 2) - Fraction(1, 10**9)
    assert standing(portal, below, day, PORTAL)[0] is Standing.AT_RISK
    assert standing(portal, None, day, PORTAL) == (Standing.NO_DATA, 35)
    assert standing(portal, Fraction(10), day, {}) == (Standing.NO_TARGET, None)


def test_standing_at_the_exact_boundaries_down(app_ctx):
    expired = definitions.get("ocop_expired")  # less is better
    goal = {2026: Decimal(10)}
    day = D(2026, 12, 31)  # expected 10; behind up to 11
    assert standing(expired, Fraction(9), day, goal)[0] is Standing.ON_TRACK
    assert standing(expired, Fraction(10), day, goal)[0] is Standing.ON_TRACK
    assert standing(expired, Fraction(11), day, goal)[0] is Standing.BEHIND
    assert standing(expired, 11 + Fraction(1, 10**9), day, goal)[0] is Standing.AT_RISK


def test_the_margin_comes_from_the_configuration(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_BEHIND_MARGIN", "0.25")
    portal = definitions.get("portal_listed_share")
    day = D(2026, 12, 31)
    assert standing(portal, Fraction(105, 4), day, PORTAL)[0] is Standing.BEHIND  # 35 × 0.75
    assert standing(portal, Fraction(26), day, PORTAL)[0] is Standing.AT_RISK
    assert targets.margin() == Fraction(1, 4)


def test_gap():
    assert targets.gap(Fraction(30), Fraction(35)) == -5
    assert targets.gap(None, Fraction(35)) is None
    assert targets.gap(Fraction(30), None) is None


def entries(action):
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(stmt))


def test_defaults_then_staff_targets_with_an_audit_trail(make):
    staff = make.staff()
    portal = definitions.get("portal_listed_share")
    assert targets.targets_of(portal) == {2026: Decimal(35), 2030: Decimal(70)}
    targets.set_target("portal_listed_share", 2026, Decimal("40"), staff)
    targets.set_target("portal_listed_share", 2026, Decimal("42.5"), staff)
    targets.set_target("portal_listed_share", 2028, Decimal("55"), staff)
    assert targets.targets_of(portal) == {
        2026: Decimal("42.5"),
        2028: Decimal(55),
        2030: Decimal(70),
    }
    assert targets.all_targets()["portal_listed_share"][2026] == Decimal("42.5")
    assert targets.all_targets()["wards_deployed"] == {2026: Decimal(25), 2030: Decimal(95)}
    logged = [
        (e.detail["year"], e.detail["before"], e.detail["after"])
        for e in entries("indicator.target_set")
    ]
    assert logged == [(2026, "35", "40"), (2026, "40", "42.5"), (2028, None, "55")]
    assert entries("indicator.target_set")[0].actor_id == staff.id
    # A staff target on an indicator without defaults shows up in all_targets.
    targets.set_target("shops_assessed", 2027, Decimal(500), staff)
    assert targets.all_targets()["shops_assessed"] == {2027: Decimal(500)}
    # Reset goes back to the default.
    targets.reset_target("portal_listed_share", 2026, staff)
    assert targets.targets_of(portal)[2026] == Decimal(35)
    assert entries("indicator.target_reset")[0].detail["before"] == "42.5"
    with pytest.raises(NotFound):
        targets.reset_target("portal_listed_share", 2026, staff)


@pytest.mark.parametrize(
    ("code", "year", "value", "field"),
    [
        ("portal_listed_share", 2024, "40", "year"),
        ("portal_listed_share", 2036, "40", "year"),
        ("portal_listed_share", 2027, "100.5", "value"),
        ("pillar_data_average", 2027, "101", "value"),
        ("portal_listed_share", 2027, "-1", "value"),
        ("wards_deployed", 2027, "-3", "value"),
        ("portal_listed_share", 2027, "NaN", "value"),
        ("portal_listed_share", 2027, "40.00001", "value"),
    ],
)
def test_set_target_refuses_bad_values(make, code, year, value, field):
    with pytest.raises(ValidationFailed) as caught:
        targets.set_target(code, year, Decimal(value), make.staff())
    assert field in caught.value.field_errors


def test_set_target_accepts_the_edges(make):
    staff = make.staff()
    targets.set_target("portal_listed_share", 2025, Decimal(0), staff)
    targets.set_target("portal_listed_share", 2035, Decimal(100), staff)
    targets.set_target("wards_deployed", 2027, Decimal(60), staff)  # a count may exceed 100
    with pytest.raises(NotFound):
        targets.set_target("no_such_indicator", 2027, Decimal(1), staff)
