"""Snapshots: a closed period keeps its figures; current ones are replaced; backfills never
replace a closing snapshot; report snapshots stay; stale current snapshots are re-taken."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.errors import Conflict
from core.extensions import db
from reports.indicators import definitions, snapshots
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind, SnapshotValue
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, at, d

MARCH, APRIL, JUNE = Period.parse("2026-03"), Period.parse("2026-04"), Period.parse("2026-06")
FEBRUARY = Period.parse("2026-02")


def value(snapshot, code, ward=None):
    figures = Figures.of(snapshot)
    if ward:
        return figures.get(definitions.get(code), Scope.WARD, ward).value
    return figures.get(definitions.get(code)).value


def kinds(period: Period) -> list[str]:
    stmt = (
        select(Snapshot.kind)
        .where(Snapshot.period_kind == period.kind, Snapshot.period_key == period.key)
        .order_by(Snapshot.id)
    )
    return [str(kind) for kind in db.session.scalars(stmt)]


@pytest.fixture
def shops(app_ctx):
    """Two shops in Tân Triều, one assessed on 10/3 (taking digital payment), one not."""
    first = data.shop(TAN_TRIEU)
    data.assessment(first, "2026-03-10", flags={"takes_digital_payment": True})
    second = data.shop(TAN_TRIEU)
    return first, second


def test_a_closed_month_does_not_change_when_records_are_edited_afterwards(shops):
    first, second = shops
    today = d("2026-04-05")
    closing = snapshots.for_period(MARCH, today=today)
    assert closing.kind is SnapshotKind.CLOSING and closing.as_of == d("2026-03-31")
    assert value(closing, "shops_assessed_share", TAN_TRIEU) == 50
    assert value(closing, "digital_payment_share") == 100
    # Edits after the report: the second shop gets a backdated assessment, the first one's
    # flags change, a new shop appears with a March date.
    data.assessment(second, "2026-03-20", flags={})
    first.assessments[0].flags = {}
    data.shop(TAN_TRIEU, created="2026-03-02")
    db.session.flush()
    again = snapshots.for_period(MARCH, today=d("2026-04-20"))
    assert again.id == closing.id
    assert value(again, "shops_assessed_share", TAN_TRIEU) == 50
    assert value(again, "digital_payment_share") == 100
    assert kinds(MARCH) == ["closing"]
    # Whereas computing from the records now gives the edited figures: 2 of 3, 0 %.
    fresh = snapshots.take(MARCH, kind=SnapshotKind.BACKFILL, today=d("2026-04-20"))
    assert value(fresh, "shops_assessed_share", TAN_TRIEU) == Fraction(200, 3)
    assert value(fresh, "digital_payment_share") == 0
    # ... and a backfill never replaces the closing snapshot, which reports still read.
    assert snapshots.for_period(MARCH, today=d("2026-04-20")).id == closing.id


def test_a_running_periods_current_snapshot_changes_and_replaces_the_last(shops):
    _first, second = shops
    today = d("2026-03-25")
    one = snapshots.take(MARCH, today=today)
    assert one.kind is SnapshotKind.CURRENT and one.as_of == today
    assert value(one, "shops_assessed", TAN_TRIEU) == 1
    data.assessment(second, "2026-03-24")
    two = snapshots.take(MARCH, today=today)
    assert value(two, "shops_assessed", TAN_TRIEU) == 2
    assert kinds(MARCH) == ["current"]
    assert db.session.get(Snapshot, one.id) is None
    orphans = (
        select(func.count()).select_from(SnapshotValue).where(SnapshotValue.snapshot_id == one.id)
    )
    assert db.session.scalar(orphans) == 0


def test_report_snapshots_are_never_dropped(shops):
    today = d("2026-03-25")
    frozen = snapshots.take(MARCH, kind=SnapshotKind.REPORT, today=today)
    snapshots.take(MARCH, today=today)
    snapshots.take(MARCH, today=today)
    assert kinds(MARCH) == ["report", "current"]
    # Nor read as the period's figures.
    assert snapshots.for_period(MARCH, today=today).kind is SnapshotKind.CURRENT
    assert db.session.get(Snapshot, frozen.id) is not None


def test_for_period_retakes_a_stale_current_snapshot(shops, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_CURRENT_MAX_AGE_MINUTES", 15)
    today = d("2026-03-25")
    one = snapshots.for_period(MARCH, today=today)
    assert snapshots.for_period(MARCH, today=today).id == one.id
    one.taken_at = utcnow() - dt.timedelta(minutes=14)
    assert snapshots.for_period(MARCH, today=today).id == one.id
    one.taken_at = utcnow() - dt.timedelta(minutes=16)
    db.session.flush()
    # refresh=False reads it anyway (a page that must not write).
    assert snapshots.for_period(MARCH, today=today, refresh=False).id == one.id
    two = snapshots.for_period(MARCH, today=today)
    assert two.id != one.id and two.kind is SnapshotKind.CURRENT
    # A new day re-takes it too, whatever its age: its stock figures are of another day.
    three = snapshots.for_period(MARCH, today=d("2026-03-26"))
    assert three.id != two.id and three.as_of == d("2026-03-26")
    monkeypatch.setitem(app.config, "REPORTS_CURRENT_MAX_AGE_MINUTES", 60 * 24)
    three.taken_at = utcnow() - dt.timedelta(hours=2)
    assert snapshots.for_period(MARCH, today=d("2026-03-26")).id == three.id


def test_with_no_maximum_age_readers_never_take_a_running_periods_snapshot(shops, app, monkeypatch):
    """REPORTS_CURRENT_MAX_AGE_MINUTES=0: a large database leaves counting to cron."""
    monkeypatch.setitem(app.config, "REPORTS_CURRENT_MAX_AGE_MINUTES", 0)
    first = snapshots.for_period(MARCH, today=d("2026-03-25"))  # none yet: one is taken
    first.taken_at = utcnow() - dt.timedelta(days=3)
    db.session.flush()
    again = snapshots.for_period(MARCH, today=d("2026-03-27"))
    assert again.id == first.id and again.as_of == d("2026-03-25")  # old, and says so
    # A finished period is still closed on first need.
    assert snapshots.for_period(FEBRUARY, today=d("2026-03-27")).kind is SnapshotKind.CLOSING


def test_for_period_of_a_past_period_reads_a_backfill_when_there_is_no_closing_one(shops):
    today = d("2026-05-02")
    backfilled = snapshots.take(MARCH, kind=SnapshotKind.BACKFILL, today=today)
    assert snapshots.for_period(MARCH, today=today).id == backfilled.id
    # April has nothing: its closing snapshot is taken on first need.
    april = snapshots.for_period(APRIL, today=today)
    assert april.kind is SnapshotKind.CLOSING and april.as_of == d("2026-04-30")


def test_backfill_rebuilds_months_and_the_quarters_and_years_they_end(shops):
    today = d("2026-07-10")
    taken = snapshots.backfill(Period.parse("2026-01"), Period.parse("2026-06"), today=today)
    assert [s.period_key for s in taken] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-Q1",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-Q2",
    ]
    assert {s.kind for s in taken} == {SnapshotKind.BACKFILL}
    # January had no assessment yet; March's is there from its 10th.
    assert value(taken[0], "shops_assessed") == 0
    assert value(taken[2], "shops_assessed") == 1
    # A second backfill replaces the first; a closing snapshot, once there, is kept.
    closing = snapshots.take(Period.parse("2026-Q1"), today=today)
    again = snapshots.backfill(Period.parse("2026-01"), Period.parse("2026-03"), today=today)
    assert len(again) == 4
    assert kinds(MARCH) == ["backfill"]
    assert kinds(Period.parse("2026-Q1")) == ["closing", "backfill"]
    assert snapshots.for_period(Period.parse("2026-Q1"), today=today).id == closing.id


def test_backfill_stops_at_the_running_month_and_refuses_bad_ranges(shops):
    today = d("2026-03-15")
    taken = snapshots.backfill(Period.parse("2025-12"), Period.parse("2026-05"), today=today)
    # December 2025 (and the quarter and year it ends), January, February; March is running.
    assert [s.period_key for s in taken] == ["2025-12", "2025-Q4", "2025", "2026-01", "2026-02"]
    with pytest.raises(Conflict, match="months"):
        snapshots.backfill(Period.parse("2026-Q1"), Period.parse("2026-02"), today=today)
    with pytest.raises(Conflict, match="before the first"):
        snapshots.backfill(Period.parse("2026-02"), Period.parse("2026-01"), today=today)


def test_take_refuses_periods_not_started_and_closing_a_running_one(app_ctx):
    with pytest.raises(Conflict, match="not started"):
        snapshots.take(JUNE, today=d("2026-05-31"))
    with pytest.raises(Conflict, match="still running"):
        snapshots.take(JUNE, kind=SnapshotKind.CLOSING, today=d("2026-06-30"))
    assert snapshots.take(JUNE, today=d("2026-07-01")).kind is SnapshotKind.CLOSING


def test_close_finished_closes_past_periods_once_and_refreshes_running_ones(shops):
    # The first record is of 5/1/2026: 2025's periods hold nothing and are not closed.
    today = d("2026-04-02")
    taken = snapshots.close_finished(today=today)
    closed = sorted(s.period_key for s in taken if s.kind is SnapshotKind.CLOSING)
    assert closed == ["2026-01", "2026-02", "2026-03", "2026-Q1"]
    current = sorted(s.period_key for s in taken if s.kind is SnapshotKind.CURRENT)
    assert current == ["2026", "2026-04", "2026-Q2"]
    again = snapshots.close_finished(today=today)
    assert all(s.kind is SnapshotKind.CURRENT for s in again)
    assert kinds(Period.parse("2026-04")) == ["current"]
    assert kinds(MARCH) == ["closing"]
    # The closing snapshot notes the roll-out criterion it used.
    march = snapshots.for_period(MARCH, today=today)
    assert march.notes["rollout_rule"] == {"min_shops": 20, "min_share_percent": None}


def test_series_are_the_last_periods_oldest_first(shops):
    today = d("2026-04-02")
    months = snapshots.series(PeriodKind.MONTH, 3, today=today)
    assert [(s.period_key, s.kind) for s in months] == [
        ("2026-02", SnapshotKind.CLOSING),
        ("2026-03", SnapshotKind.CLOSING),
        ("2026-04", SnapshotKind.CURRENT),
    ]
    assert [value(s, "shops_assessed") for s in months] == [0, 1, 1]
    quarters = snapshots.series(PeriodKind.QUARTER, 2, today=today)
    assert [s.period_key for s in quarters] == ["2026-Q1", "2026-Q2"]


def test_zeros_are_not_stored_and_read_as_zero(shops):
    snapshot = snapshots.take(MARCH, today=d("2026-04-01"))
    stored = (
        select(func.count())
        .select_from(SnapshotValue)
        .where(SnapshotValue.snapshot_id == snapshot.id, SnapshotValue.value == 0)
    )
    assert db.session.scalar(stored) == 0
    assert value(snapshot, "scans") == 0
    assert value(snapshot, "shops_assessed", "25993") == 0
    assert at(d("2026-03-10")) < at(d("2026-03-11"))
