"""Reporting periods: names, days, neighbours across years, due dates, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.indicators.models import PeriodKind
from reports.indicators.periods import BadPeriod, Period, instant, months_back

D = dt.date


@pytest.mark.parametrize(
    ("text", "kind", "year", "number", "key", "start", "end"),
    [
        ("2026-11", PeriodKind.MONTH, 2026, 11, "2026-11", D(2026, 11, 1), D(2026, 11, 30)),
        ("2028-02", PeriodKind.MONTH, 2028, 2, "2028-02", D(2028, 2, 1), D(2028, 2, 29)),
        ("2026-02", PeriodKind.MONTH, 2026, 2, "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("2026-Q4", PeriodKind.QUARTER, 2026, 4, "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        (" 2026-q1 ", PeriodKind.QUARTER, 2026, 1, "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-Q2", PeriodKind.QUARTER, 2026, 2, "2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026", PeriodKind.YEAR, 2026, 1, "2026", D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_parse_and_days(text, kind, year, number, key, start, end):
    period = Period.parse(text)
    assert (period.kind, period.year, period.number) == (kind, year, number)
    assert (period.key, str(period), period.start, period.end) == (key, key, start, end)
    assert Period.parse(period.key) == period


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-Q0",
        "26-11",
        "2026-1",
        "2026/11",
        "2019",
        "2101-01",
        "november",
        "2026-11-01",
    ],
)
def test_bad_periods_say_what_is_understood(text):
    with pytest.raises(BadPeriod) as caught:
        Period.parse(text)
    message = str(caught.value)
    assert "2026-11" in message and "2026-Q4" in message and "2020–2100" in message
    if text and text.strip():
        assert f"'{text.strip()}' is not a period" in message


def test_constructing_an_impossible_period_fails():
    with pytest.raises(BadPeriod):
        Period(PeriodKind.MONTH, 2026, 13)
    with pytest.raises(BadPeriod):
        Period(PeriodKind.YEAR, 2026, 2)


def test_neighbours_across_years():
    assert Period.parse("2026-01").previous() == Period.parse("2025-12")
    assert Period.parse("2026-12").next() == Period.parse("2027-01")
    assert Period.parse("2026-Q1").previous() == Period.parse("2025-Q4")
    assert Period.parse("2026-Q4").next() == Period.parse("2027-Q1")
    assert Period.parse("2026").previous() == Period.parse("2025")
    assert Period.parse("2026").next() == Period.parse("2027")
    assert Period.parse("2028-02").next() == Period.parse("2028-03")


def test_months_of_a_period():
    assert [m.key for m in Period.parse("2026-Q4").months()] == ["2026-10", "2026-11", "2026-12"]
    assert [m.key for m in Period.parse("2026-Q1").months()] == ["2026-01", "2026-02", "2026-03"]
    year = Period.parse("2026").months()
    assert len(year) == 12 and year[0].key == "2026-01" and year[-1].key == "2026-12"
    assert Period.parse("2026-07").months() == [Period.parse("2026-07")]


def test_containing():
    day = D(2026, 4, 30)
    assert Period.containing(PeriodKind.MONTH, day).key == "2026-04"
    assert Period.containing(PeriodKind.QUARTER, day).key == "2026-Q2"
    assert Period.containing(PeriodKind.QUARTER, D(2026, 3, 31)).key == "2026-Q1"
    assert Period.containing(PeriodKind.QUARTER, D(2026, 10, 1)).key == "2026-Q4"
    assert Period.containing(PeriodKind.YEAR, day).key == "2026"


def test_due_dates():
    assert [Period.parse(f"2026-Q{n}").quarterly_due for n in (1, 2, 3, 4)] == [
        D(2026, 3, 5),
        D(2026, 6, 5),
        D(2026, 9, 5),
        D(2026, 12, 5),
    ]
    assert Period.parse("2026").annual_due == D(2026, 12, 15)
    with pytest.raises(BadPeriod):
        Period.parse("2026-11").quarterly_due  # noqa: B018


def test_as_of_over_and_started():
    november = Period.parse("2026-11")
    assert november.as_of(D(2026, 11, 20)) == D(2026, 11, 20)
    assert november.as_of(D(2026, 12, 1)) == D(2026, 11, 30)
    assert not november.is_over(D(2026, 11, 30))
    assert november.is_over(D(2026, 12, 1))
    assert not november.has_started(D(2026, 10, 31))
    assert november.has_started(D(2026, 11, 1))


def test_months_back_and_instants():
    assert [m.key for m in months_back(3, D(2026, 2, 10))] == ["2025-12", "2026-01", "2026-02"]
    assert len(months_back(25, D(2026, 12, 1))) == 25
    # Midnight in Đồng Nai (UTC+7) is 17:00 UTC the day before.
    assert instant(D(2026, 5, 1)) == dt.datetime(2026, 4, 30, 17, 0, tzinfo=dt.UTC)


def test_periods_order_within_a_kind():
    months = [Period.parse(k) for k in ("2026-02", "2025-12", "2026-01")]
    assert [m.key for m in sorted(months)] == ["2025-12", "2026-01", "2026-02"]
