"""`flask reports snapshot` and `flask reports backfill`: output, exit codes, bad input.

"Today" is fixed at 2/4/2026 (the commands read the province's day through the snapshots
module), so the expected periods do not depend on when the suite runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.extensions import db
from reports.indicators import snapshots
from reports.indicators.models import Snapshot
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU


@pytest.fixture
def runner(app, app_ctx, monkeypatch):
    monkeypatch.setattr(snapshots, "province_today", lambda: dt.date(2026, 4, 2))
    shop = data.shop(TAN_TRIEU, created="2026-01-05")
    data.assessment(shop, "2026-02-10")
    return app.test_cli_runner()


def stored() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Snapshot.period_key, Snapshot.kind).order_by(Snapshot.id))
    return [(key, str(kind)) for key, kind in rows]


def test_snapshot_closes_finished_periods_and_refreshes_running_ones(runner):
    result = runner.invoke(args=["reports", "snapshot"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    closed = sorted(line.split()[0] for line in lines if " closing " in line)
    assert closed == ["2026-01", "2026-02", "2026-03", "2026-Q1"]
    running = sorted(line.split()[0] for line in lines if " current " in line)
    assert running == ["2026", "2026-04", "2026-Q2"]
    assert any(line.startswith("2026-03") and "as of 2026-03-31" in line for line in lines)
    assert all(line.rstrip().endswith(" s)") for line in lines)
    # Run again: nothing more to close; the running ones are replaced.
    again = runner.invoke(args=["reports", "snapshot"])
    assert again.exit_code == 0
    assert " closing " not in again.output
    assert stored().count(("2026-04", "current")) == 1
    assert stored().count(("2026-03", "closing")) == 1


def test_snapshot_of_one_period(runner):
    result = runner.invoke(args=["reports", "snapshot", "--period", "2026-04"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-04  current  as of 2026-04-02")
    result = runner.invoke(args=["reports", "snapshot", "--period", "2026-q1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-Q1  closing  as of 2026-03-31")
    # A closed period is not taken again: the report already sent keeps its figures.
    again = runner.invoke(args=["reports", "snapshot", "--period", "2026-Q1"])
    assert again.exit_code == 1
    assert "2026-Q1 was closed on" in again.output
    assert stored().count(("2026-Q1", "closing")) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--period", "2026-13"], 2, "'2026-13' is not a period"),
        (["--period", "Q4"], 2, "write a month as 2026-11"),
        (["--period", "2026-05"], 1, "2026-05 has not started yet"),
        (["--period", "2027"], 1, "2027 has not started yet"),
    ],
)
def test_snapshot_refuses_bad_periods(runner, args, code, message):
    result = runner.invoke(args=["reports", "snapshot", *args])
    assert result.exit_code == code
    assert message in result.output
    assert stored() == []


def test_backfill_rebuilds_the_months_asked(runner):
    result = runner.invoke(args=["reports", "backfill", "--from", "2026-01", "--to", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "4 snapshots rebuilt (2026-01 → 2026-03)." in result.output
    assert stored() == [
        ("2026-01", "backfill"),
        ("2026-02", "backfill"),
        ("2026-03", "backfill"),
        ("2026-Q1", "backfill"),
    ]
    # Up to the running month: April is not over, so only January to March are rebuilt.
    again = runner.invoke(args=["reports", "backfill", "--from", "2026-01", "--to", "2026-06"])
    assert again.exit_code == 0
    assert "4 snapshots rebuilt" in again.output
    assert len(stored()) == 4


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--from", "2026-Q1", "--to", "2026-03"], 1, "backfill takes months"),
        (["--from", "2026-03", "--to", "2026-01"], 1, "the last month comes before the first"),
        (["--from", "2026-3", "--to", "2026-03"], 2, "'2026-3' is not a period"),
        (["--from", "2026-01"], 2, "Missing option '--to'"),
    ],
)
def test_backfill_refuses_bad_input(runner, args, code, message):
    result = runner.invoke(args=["reports", "backfill", *args])
    assert result.exit_code == code
    assert message in result.output
    assert stored() == []
