"""Targets as the targets page and the API show them: each year's figure, whether it is the
definition's default or staff's, and who set it when (read-only; `targets.py` writes them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from reports.indicators import definitions
from reports.indicators.definitions import Indicator
from reports.indicators.models import Target


@dataclass(frozen=True)
class TargetRow:
    year: int
    value: Decimal
    default: Decimal | None  # the definition's figure for the year, if it has one
    updated_at: dt.datetime | None = None  # set when staff changed it
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.updated_at is None


def _stored(code: str | None = None) -> dict[str, dict[int, TargetRow]]:
    stmt = (
        select(Target, User.full_name)
        .outerjoin(User, User.id == Target.updated_by_id)
        .order_by(Target.indicator, Target.year)
    )
    if code is not None:
        stmt = stmt.where(Target.indicator == code)
    out: dict[str, dict[int, TargetRow]] = {}
    for row, name in db.session.execute(stmt):
        out.setdefault(row.indicator, {})[row.year] = TargetRow(
            row.year, row.value, None, row.updated_at, name
        )
    return out


def _merge(indicator: Indicator, stored: dict[int, TargetRow]) -> dict[int, TargetRow]:
    defaults = dict(indicator.default_targets)
    rows = {year: TargetRow(year, value, value) for year, value in defaults.items()}
    for year, row in stored.items():
        rows[year] = TargetRow(year, row.value, defaults.get(year), row.updated_at, row.updated_by)
    return dict(sorted(rows.items()))


def rows_of(indicator: Indicator) -> dict[int, TargetRow]:
    """One indicator's targets by year (the same figures as `targets.targets_of`)."""
    return _merge(indicator, _stored(indicator.code).get(indicator.code, {}))


def all_rows() -> dict[str, dict[int, TargetRow]]:
    """Every indicator's targets by year, in one query (indicators without any: empty)."""
    stored = _stored()
    return {i.code: _merge(i, stored.get(i.code, {})) for i in definitions.all_indicators()}


def figures(rows: dict[int, TargetRow]) -> dict[int, Decimal]:
    """The {year: value} the trajectory functions of `targets.py` take."""
    return {year: row.value for year, row in rows.items()}
