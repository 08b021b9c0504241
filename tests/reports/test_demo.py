"""The reports demo: months of history on top of the registry and retail demos, snapshots of the
six finished months, ward reports of the running quarter; loaded once, true on any day."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from core.db import PROVINCE_TZ
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from reports import demo
from reports.indicators import definitions
from reports.indicators.models import Scope, Snapshot, SnapshotKind
from reports.indicators.periods import Period, instant
from reports.indicators.values import Figures
from reports.quarterly.models import WardReport, WardReportState
from retail import demo as retail_demo
from traceability.registry import demo as registry_demo
from traceability.registry.models import Producer, Product
from traceability.stamps.models import CounterfeitReport, ReportState, Scan, Verdict

# The day the demos are loaded in these tests: nine days after the demos' written day, so every
# written date moves forward by nine days; after the quarter's due date (5/12).
DAY = dt.date(2026, 12, 10)
SIX_MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def _load_all(monkeypatch, day: dt.date, *, registry_too: bool = True) -> bool:
    """The three demos as loaded on `day` (the registry demo's services check its dates against
    the clock, so a day far ahead of it is given to the retail and reports demos only)."""
    if registry_too:
        monkeypatch.setattr(registry_demo, "province_today", lambda: day)
    monkeypatch.setattr(retail_demo, "province_today", lambda: day)
    registry_demo.load_demo()
    retail_demo.load_demo()
    added = demo.load_demo(today=day)
    db.session.flush()
    return added


@pytest.fixture
def loaded(app_ctx, monkeypatch):
    assert _load_all(monkeypatch, DAY) is True


def _closing(key: str) -> Snapshot:
    found = db.session.scalars(
        db.select(Snapshot).where(Snapshot.period_key == key, Snapshot.kind == SnapshotKind.CLOSING)
    ).all()
    assert len(found) == 1, key
    return found[0]


def _value(snapshot: Snapshot, code: str) -> Fraction | None:
    return Figures.of(snapshot).get(definitions.get(code), Scope.PROVINCE).value


def _counts() -> dict:
    models = (Producer, Product, Scan, CounterfeitReport, Snapshot, WardReport)
    return {
        m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models
    }


def test_six_finished_months_are_closed_and_the_running_periods_current(loaded):
    months = demo.demo_snapshots()
    assert [s.period_key for s in months] == SIX_MONTHS
    for snapshot in months:
        assert snapshot.as_of == Period.parse(snapshot.period_key).end
    # The finished quarters among those months (Q2 ends in June, Q3 in September).
    assert _closing("2026-Q2").as_of == dt.date(2026, 6, 30)
    assert _closing("2026-Q3").as_of == dt.date(2026, 9, 30)
    current = db.session.scalars(
        db.select(Snapshot.period_key).where(Snapshot.kind == SnapshotKind.CURRENT)
    ).all()
    assert sorted(current) == ["2026", "2026-12", "2026-Q4"]


def test_portal_share_worked_out_and_rising(loaded):
    # With the nine-day shift, June closes on written day 21/6: the registry demo's five
    # products submitted in April plus three new ones (20/5, 20/5, 8/6) are registered; listed
    # are the pomelo (2/6) and the bird's nest (16/6): 2 of 8.
    assert _value(_closing("2026-06"), "portal_listed_share") == Fraction(2, 8) * 100
    # November closes on written day 21/11: 19 registered (6 of the registry demo, 13 new),
    # 12 listed (the registry demo's 3 and 9 new ones listed by 18/11).
    assert _value(_closing("2026-11"), "portal_listed_share") == Fraction(12, 19) * 100
    shares = [_value(s, "portal_listed_share") for s in demo.demo_snapshots()]
    assert shares == sorted(shares)
    assert shares[-1] > shares[0]


def test_headline_figures_move_like_a_programme(loaded):
    months = demo.demo_snapshots()
    assessed = [_value(s, "shops_assessed") for s in months]
    assert assessed == sorted(assessed) and assessed[-1] > assessed[0] > 0
    for code in ("ip_supported_share", "digital_payment_share", "producers_verified"):
        assert all(_value(s, code) for s in months), code
    verified = [_value(s, "producers_verified") for s in months]
    assert verified == sorted(verified) and verified[-1] > verified[0]
    deployed = [_value(s, "wards_deployed") for s in months]
    assert deployed == sorted(deployed) and deployed[-1] > deployed[0]
    started = [_value(s, "wards_started") for s in months]
    # The 8 pilot wards started in March; four extension wards from 23/9, 14/10, 11/11, 25/11.
    assert started == [8, 8, 8, 9, 10, 12]
    # Every month has stamps issued and scanned; some months suspicious scans and reports.
    for snapshot in months:
        assert _value(snapshot, "stamps_issued") > 0
        assert _value(snapshot, "scans") > 0
    assert sum(_value(s, "scans_suspicious") for s in months) > 0
    assert sum(_value(s, "reports_received") for s in months) >= 5
    # The honey's OCOP certificate (16/10/2023 + 9 days, 36 months) ended on 24/10/2026.
    expired = [_value(s, "ocop_expired") for s in months]
    assert expired[3] == 0 and expired[4] >= 1
    november = _closing("2026-11")
    assert _value(november, "ocop_expiring_90") > 0
    assert _value(november, "report_resolution_median") > 0


def test_ip_filings_come_month_by_month(loaded):
    # OCOP and key products with IP filed or protected: in June the registry demo's 4 (of its 5
    # registered OCOP/key products) and the bird's nest; by November 12 of 16.
    june, november = _closing("2026-06"), _closing("2026-11")
    assert _value(june, "ip_supported_share") == Fraction(5, 8) * 100
    assert _value(november, "ip_supported_share") == Fraction(12, 16) * 100


def test_every_record_is_dated_before_the_load_day(loaded):
    newest_scan = db.session.scalar(db.select(db.func.max(Scan.at)))
    assert newest_scan < instant(DAY)
    assert db.session.scalar(
        db.select(db.func.count()).select_from(Scan).where(Scan.verdict == Verdict.SUSPICIOUS)
    )
    handled = db.session.scalars(
        db.select(CounterfeitReport).where(
            CounterfeitReport.state.in_((ReportState.CONFIRMED, ReportState.DISMISSED))
        )
    ).all()
    assert len(handled) >= 5
    assert all(r.at < r.handled_at < instant(DAY) for r in handled)
    for product in db.session.scalars(db.select(Product)):
        if product.portal_state_on is not None:
            assert product.portal_state_on < DAY
            assert product.reviewed_at < instant(product.portal_state_on + dt.timedelta(days=1))


def test_ward_reports_of_the_running_quarter(loaded):
    reports = {r.ward_code: r for r in db.session.scalars(db.select(WardReport))}
    assert all((r.year, r.quarter) == (2026, 4) for r in reports.values())
    assert reports["26188"].state is WardReportState.DRAFT  # the demo officer's ward
    assert reports["26188"].snapshot_id is None
    returned = reports["26098"]
    assert returned.state is WardReportState.RETURNED and returned.return_comment
    assert returned.returned_at > returned.submitted_at
    assert reports["26341"].state is WardReportState.ACCEPTED
    submitted = [r for r in reports.values() if r.state is WardReportState.SUBMITTED]
    assert len(submitted) == 2
    due = instant(dt.date(2026, 12, 6))  # due on 5/12: late once that day is over
    assert sum(1 for r in submitted if r.submitted_at >= due) == 1
    for report in reports.values():
        if report.state is not WardReportState.DRAFT:
            frozen = db.session.get(Snapshot, report.snapshot_id)
            assert frozen.kind is SnapshotKind.REPORT and frozen.period_key == "2026-Q4"
            # Frozen with the figures of the day it was submitted.
            assert frozen.as_of == report.submitted_at.astimezone(PROVINCE_TZ).date()


def test_a_second_load_changes_nothing(loaded):
    before = _counts()
    assert demo.load_demo(today=DAY) is False
    assert _counts() == before


def test_the_other_demos_are_needed(app_ctx, monkeypatch):
    with pytest.raises(RuntimeError, match="flask --app wsgi demo load"):
        demo.load_demo()
    monkeypatch.setattr(registry_demo, "province_today", lambda: DAY)
    registry_demo.load_demo()
    with pytest.raises(RuntimeError, match="flask --app wsgi retail demo load"):
        demo.load_demo(today=DAY)


def test_loaded_on_another_day_the_story_holds(app_ctx, monkeypatch):
    later = dt.date(2027, 3, 20)  # 109 days after the written day, after Q1's due date (5/3)
    assert _load_all(monkeypatch, later, registry_too=False) is True
    months = demo.demo_snapshots()
    assert [s.period_key for s in months] == [
        "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"
    ]  # fmt: skip
    assert _closing("2026-Q4").as_of == dt.date(2026, 12, 31)
    assert _closing("2026").as_of == dt.date(2026, 12, 31)
    shares = [_value(s, "portal_listed_share") for s in months]
    assert shares == sorted(shares) and shares[0] > 0
    assessed = [_value(s, "shops_assessed") for s in months]
    assert assessed == sorted(assessed) and assessed[-1] > assessed[0]
    assert db.session.scalar(db.select(db.func.max(Scan.at))) < instant(later)
    reports = {r.ward_code: r for r in db.session.scalars(db.select(WardReport))}
    assert {(r.year, r.quarter) for r in reports.values()} == {(2027, 1)}
    late = [
        r
        for r in reports.values()
        if r.submitted_at and r.submitted_at >= instant(dt.date(2027, 3, 6))
    ]
    assert [r.ward_code for r in late] == ["25396"]
    extension = db.session.scalars(
        db.select(Ward).where(Ward.rollout_phase == RolloutPhase.EXTENSION_2030)
    ).all()
    assert len(extension) == 4


def test_cli_loads_once(app):
    runner = app.test_cli_runner()
    with app.app_context():
        registry_demo.load_demo()
        retail_demo.load_demo()
        db.session.commit()
    first = runner.invoke(args=["reports", "demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Reports demo loaded." in first.output
    second = runner.invoke(args=["reports", "demo", "load"])
    assert "nothing changed" in second.output
