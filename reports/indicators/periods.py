"""Reporting periods: a month (2026-11), a quarter (2026-Q4) or a year (2026), on the province's
calendar. Stock figures are as of a period's last day (or today, while it runs); flows count what
happened from its first day to that day."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from core.db import PROVINCE_TZ, province_today
from reports.indicators.models import PeriodKind

_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
)
FIRST_YEAR, LAST_YEAR = 2020, 2100


class BadPeriod(ValueError):
    """Text that names no period; the message says which forms are understood."""


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    year: int
    number: int = 1  # the month (1–12), the quarter (1–4), or 1 for a year

    def __post_init__(self) -> None:
        top = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}[self.kind]
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.number <= top):
            raise BadPeriod(f"no such period: {self.kind} {self.year}/{self.number}")

    # --- naming ------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        given = (text or "").strip()
        text = given.upper()
        for pattern, kind in _PATTERNS:
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                number = int(match.group(2)) if kind is not PeriodKind.YEAR else 1
                try:
                    return cls(kind, year, number)
                except BadPeriod:
                    break
        raise BadPeriod(
            f"'{given}' is not a period: write a month as 2026-11, a quarter as 2026-Q4, "
            f"a year as 2026 (years {FIRST_YEAR}–{LAST_YEAR})"
        )

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def __str__(self) -> str:
        return self.key

    # --- days --------------------------------------------------------------------------------
    @property
    def start(self) -> dt.date:
        if self.kind is PeriodKind.MONTH:
            return dt.date(self.year, self.number, 1)
        if self.kind is PeriodKind.QUARTER:
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """The period's last day (inclusive)."""
        last_month = {
            PeriodKind.MONTH: self.number,
            PeriodKind.QUARTER: 3 * self.number,
            PeriodKind.YEAR: 12,
        }[self.kind]
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def as_of(self, today: dt.date | None = None) -> dt.date:
        """The day its figures are of: its last day once over, else today."""
        today = today or province_today()
        return min(self.end, today)

    def is_over(self, today: dt.date | None = None) -> bool:
        return (today or province_today()) > self.end

    def has_started(self, today: dt.date | None = None) -> bool:
        return (today or province_today()) >= self.start

    # --- neighbours --------------------------------------------------------------------------
    @classmethod
    def containing(cls, kind: PeriodKind, day: dt.date) -> Period:
        if kind is PeriodKind.MONTH:
            return cls(kind, day.year, day.month)
        if kind is PeriodKind.QUARTER:
            return cls(kind, day.year, (day.month - 1) // 3 + 1)
        return cls(kind, day.year)

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))

    def months(self) -> list[Period]:
        """The months of the period, in order."""
        first = Period.containing(PeriodKind.MONTH, self.start)
        out = [first]
        while out[-1].end < self.end:
            out.append(out[-1].next())
        return out

    @property
    def quarterly_due(self) -> dt.date:
        """A ward's quarterly report is due on the 5th of the quarter's last month."""
        if self.kind is not PeriodKind.QUARTER:
            raise BadPeriod("only a quarter has a ward report due date")
        return dt.date(self.year, 3 * self.number, 5)

    @property
    def annual_due(self) -> dt.date:
        """The Department's annual report is due before 15 December of its year."""
        return dt.date(self.year, 12, 15)


def months_back(count: int, today: dt.date | None = None) -> list[Period]:
    """The last `count` months up to this one, oldest first."""
    month = Period.containing(PeriodKind.MONTH, today or province_today())
    out = [month]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


def instant(day: dt.date) -> dt.datetime:
    """The first moment of a province calendar day, as an aware datetime (for range filters)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PROVINCE_TZ).astimezone(dt.UTC)
