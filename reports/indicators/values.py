"""Reading indicators off a snapshot: exact values (Fractions), never rounded until shown.

    figures = Figures.of(snapshot)
    figure = figures.get(definitions.get("portal_listed_share"), Scope.WARD, "26188")
    figure.value      # Fraction(7, 20) * 100 → 35, or None without a denominator
    figures.for_wards(indicator, {"26188", "25993"})   # an officer's wards, summed

A measure missing from the snapshot is 0 (zeros are not stored), except a median, which is None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from core.extensions import db
from reports.indicators.definitions import Indicator
from reports.indicators.measures import MEASURES, MEDIAN
from reports.indicators.models import Scope, Snapshot, SnapshotValue

PRIVACY_MINIMUM = 3  # open data shows no figure from fewer than 3 shops or producers


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    numerator: Decimal | None
    denominator: Decimal | None
    base: Decimal | None = None  # how many shops or producers the figure rests on

    @property
    def value(self) -> Fraction | None:
        """The indicator's value: a percentage (0–100), a count, a score or hours."""
        if self.numerator is None:
            return None
        if self.indicator.denominator is None:
            return Fraction(self.numerator)
        if not self.denominator:
            return None
        ratio = Fraction(self.numerator) / Fraction(self.denominator)
        return ratio * 100 if self.indicator.unit == "percent" else ratio

    @property
    def publishable(self) -> bool:
        """Open data's rule: a figure rests on at least three shops or producers."""
        if self.indicator.privacy is None:
            return True
        return self.base is not None and self.base >= PRIVACY_MINIMUM


class Figures:
    """All the rows of one snapshot, in memory (a few thousand numbers)."""

    def __init__(self, snapshot: Snapshot, rows: dict[tuple[str, str, str, str], Decimal]):
        self.snapshot = snapshot
        self.rows = rows

    @classmethod
    def of(cls, snapshot: Snapshot) -> Figures:
        stmt = select(
            SnapshotValue.measure,
            SnapshotValue.scope,
            SnapshotValue.scope_key,
            SnapshotValue.category,
            SnapshotValue.value,
        ).where(SnapshotValue.snapshot_id == snapshot.id)
        rows = {
            (measure, str(scope), key, category): value
            for measure, scope, key, category, value in db.session.execute(stmt)
        }
        return cls(snapshot, rows)

    def measure(
        self, code: str, scope: Scope | str, key: str = "", category: str = ""
    ) -> Decimal | None:
        found = self.rows.get((code, str(scope), key, category))
        if found is None and MEASURES[code].aggregate != MEDIAN:
            return Decimal(0)
        return found

    def get(
        self,
        indicator: Indicator,
        scope: Scope | str = Scope.PROVINCE,
        key: str = "",
        category: str = "",
    ) -> Figure:
        def read(code):
            return None if code is None else self.measure(code, scope, key, category)

        return Figure(
            indicator,
            read(indicator.numerator),
            read(indicator.denominator),
            read(indicator.privacy),
        )

    def for_wards(self, indicator: Indicator, codes: Iterable[str], category: str = "") -> Figure:
        """The figure of a set of wards (an officer's): their sums; no median across wards."""
        codes = list(codes)
        if any(MEASURES[m].aggregate == MEDIAN for m in indicator.measures):
            if len(codes) == 1:
                return self.get(indicator, Scope.WARD, codes[0], category)
            return Figure(indicator, None, None, None)

        def total(code):
            if code is None:
                return None
            return sum(
                (self.measure(code, Scope.WARD, ward, category) for ward in codes), Decimal(0)
            )

        return Figure(
            indicator,
            total(indicator.numerator),
            total(indicator.denominator),
            total(indicator.privacy),
        )

    def keys(self, scope: Scope | str) -> list[str]:
        """The scope keys that have any stored row (wards with data, groups, phases)."""
        scope = str(scope)
        return sorted({key for (_, s, key, _) in self.rows if s == scope})
