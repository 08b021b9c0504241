"""The annual report's sources: which year may be reported, and the snapshots it reads.

A finished year reads its closing snapshot (taken on first need, from the records' own dates);
the running year reads its current snapshot, so its report is provisional, as of today. The
months of the year are read from their own month snapshots, up to this month. Like every
service, these flush and never commit: pages run them inside `core.pages.record`, the API
commits at its edge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.db import province_today
from core.errors import NotFound
from reports.indicators import snapshots
from reports.indicators.models import PeriodKind, Snapshot
from reports.indicators.periods import Period

FIRST_YEAR = 2025  # the programme's baseline year: no report before it


@dataclass(frozen=True)
class Sources:
    """What one annual report is built from."""

    period: Period
    snapshot: Snapshot
    months: list[tuple[Period, Snapshot]]
    today: dt.date

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def provisional(self) -> bool:
        """The year is still running: its figures are as of today and will change."""
        return not self.period.is_over(self.today)

    @property
    def due(self) -> dt.date:
        return self.period.annual_due

    @property
    def days_left(self) -> int:
        """Days until the due date (0 on the day; negative once it has passed)."""
        return (self.due - self.today).days


def years(today: dt.date | None = None) -> list[int]:
    """The years that have a report, newest first."""
    today = today or province_today()
    return list(range(max(today.year, FIRST_YEAR), FIRST_YEAR - 1, -1))


def check_year(year: int, today: dt.date | None = None) -> Period:
    """The year as a period, or NotFound (before the programme, or not started yet)."""
    today = today or province_today()
    if year < FIRST_YEAR:
        raise NotFound(_l("There is no annual report before %(first)s.", first=str(FIRST_YEAR)))
    if year > today.year:
        raise NotFound(
            _l("The year %(year)s has not started: there is nothing to report yet.", year=str(year))
        )
    return Period(PeriodKind.YEAR, year)


def sources(year: int, today: dt.date | None = None) -> Sources:
    """The year's snapshot and its months' (taking those missing or stale; flushes)."""
    today = today or province_today()
    period = check_year(year, today)
    snapshot = snapshots.for_period(period, today=today)
    months = [
        (month, snapshots.for_period(month, today=today))
        for month in period.months()
        if month.has_started(today)
    ]
    return Sources(period=period, snapshot=snapshot, months=months, today=today)
