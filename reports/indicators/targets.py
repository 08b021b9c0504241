"""Targets per indicator and year, the trajectory between them, and a value's standing.

A year's target is due on 31 December of that year. Between two targets the trajectory is a
straight line over the years, each year counting alike and the days of a year evenly (so
31/12/2028 is exactly half-way from a 2026 target to a 2030 one, leap day or not); before the
first one it starts from the baseline (the year before's target if staff set one, else 0 on 31/12
of that year) and stands there on earlier days; after the last one it stays there. A value is
*on track* when it has reached the trajectory on its day, *behind* when it is within
`REPORTS_BEHIND_MARGIN` (10 %) of it, and *at risk* below that (the other way round for an
indicator where less is better). Everything is compared as exact fractions.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.errors import FieldErrors, NotFound
from core.extensions import db
from reports.indicators import definitions
from reports.indicators.definitions import Indicator
from reports.indicators.models import Target

FIRST_YEAR, LAST_YEAR = 2025, 2035


class Standing(enum.StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


STANDING_LABELS = {
    Standing.ON_TRACK: _l("On track"),
    Standing.BEHIND: _l("Behind"),
    Standing.AT_RISK: _l("At risk"),
    Standing.NO_TARGET: _l("No target"),
    Standing.NO_DATA: _l("No data"),
}


def targets_of(indicator: Indicator) -> dict[int, Decimal]:
    """The indicator's targets by year: the definition's defaults, overridden by staff's."""
    out = dict(indicator.default_targets)
    stored = select(Target.year, Target.value).where(Target.indicator == indicator.code)
    out.update(dict(db.session.execute(stored).all()))
    return dict(sorted(out.items()))


def all_targets() -> dict[str, dict[int, Decimal]]:
    stored: dict[str, dict[int, Decimal]] = {}
    for row in db.session.scalars(select(Target)):
        stored.setdefault(row.indicator, {})[row.year] = row.value
    out = {}
    for indicator in definitions.all_indicators():
        merged = dict(indicator.default_targets) | stored.get(indicator.code, {})
        if merged:
            out[indicator.code] = dict(sorted(merged.items()))
    return out


def _due(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _position(day: dt.date) -> Fraction:
    """The day on a scale of years: 31/12 of year Y is Y, each day of a year 1/365 (or 1/366)."""
    year_end = _due(day.year - 1)
    days_in_year = (_due(day.year) - year_end).days
    return (day.year - 1) + Fraction((day - year_end).days, days_in_year)


def expected_on(targets: dict[int, Decimal], day: dt.date) -> Fraction | None:
    """Where the trajectory through these targets stands on a day (None without targets)."""
    if not targets:
        return None
    points = sorted((Fraction(year), Fraction(value)) for year, value in targets.items())
    first_year = min(targets)
    if first_year - 1 not in targets:
        points.insert(0, (Fraction(first_year - 1), Fraction(0)))
    when = _position(day)
    if when <= points[0][0]:
        return points[0][1]
    for (left_at, left), (right_at, right) in itertools.pairwise(points):
        if when <= right_at:
            return left + (right - left) * (when - left_at) / (right_at - left_at)
    return points[-1][1]


def standing(
    indicator: Indicator, value: Fraction | None, day: dt.date, targets: dict[int, Decimal]
) -> tuple[Standing, Fraction | None]:
    """The value's standing against the trajectory on its day, and the trajectory's value."""
    expected = expected_on(targets, day)
    if expected is None:
        return Standing.NO_TARGET, None
    if value is None:
        return Standing.NO_DATA, expected
    margin = Fraction(str(current_app.config["REPORTS_BEHIND_MARGIN"]))
    if indicator.direction == "down":
        if value <= expected:
            return Standing.ON_TRACK, expected
        return (Standing.BEHIND if value <= expected * (1 + margin) else Standing.AT_RISK), expected
    if value >= expected:
        return Standing.ON_TRACK, expected
    return (Standing.BEHIND if value >= expected * (1 - margin) else Standing.AT_RISK), expected


def gap(value: Fraction | None, expected: Fraction | None) -> Fraction | None:
    """How far the value is from where it should be (negative: short of it)."""
    if value is None or expected is None:
        return None
    return value - expected


def set_target(code: str, year: int, value: Decimal, actor) -> Target:
    """Staff set (or change) a year's target; audit-logged with the old and new figures."""
    try:
        indicator = definitions.get(code)
    except KeyError:
        raise NotFound(f"no indicator {code}") from None
    errors = FieldErrors()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.add(
            "year",
            _l("Choose a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR),
        )
    if not value.is_finite() or value.as_tuple().exponent < -4:
        errors.add("value", _l("Enter a number with at most four decimals."))
    elif value < 0:
        errors.add("value", _l("A target cannot be negative."))
    elif indicator.unit in ("percent", "score") and value > 100:
        errors.add("value", _l("A percentage or score is between 0 and 100."))
    errors.raise_if_any()
    row = db.session.scalars(
        select(Target).where(Target.indicator == code, Target.year == year)
    ).first()
    before = targets_of(indicator).get(year)
    if row is None:
        row = Target(indicator=code, year=year, value=value, created_by_id=actor.id)
        db.session.add(row)
    row.value = value
    row.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "indicator.target_set",
        row,
        indicator=code,
        year=year,
        before=None if before is None else _text(before),
        after=_text(value),
    )
    return row


def _text(value: Decimal) -> str:
    """A target as the audit log keeps it: 40, 42.5 (not 40.0000 as the column gives it back)."""
    return format(Decimal(value).normalize(), "f")


def reset_target(code: str, year: int, actor) -> None:
    """Drop staff's figure for a year, going back to the definition's default (if any)."""
    row = db.session.scalars(
        select(Target).where(Target.indicator == code, Target.year == year)
    ).first()
    if row is None:
        raise NotFound(f"no target set for {code} in {year}")
    audit.record(
        actor, "indicator.target_reset", row, indicator=code, year=year, before=_text(row.value)
    )
    db.session.delete(row)
    db.session.flush()


def margin() -> Fraction:
    return Fraction(str(current_app.config["REPORTS_BEHIND_MARGIN"]))
