"""Snapshots of the measures behind every indicator, and the targets staff set per year.

A snapshot holds the *measures* (numerators and denominators: counts, sums, medians) for one
period, per scope: the province, each ward, the urban/rural groups (as of the period's last day)
and the roll-out phases, and per product category where a measure has one. Indicators are computed
from these rows when they are read (`reports.indicators.values`), so an indicator's definition can
change without retaking a snapshot, and a past period's report reads exactly what was stored.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, created_at, intpk, user_fk
from core.enums import str_enum


class PeriodKind(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class SnapshotKind(enum.StrEnum):
    CLOSING = "closing"  # taken after the period ended: what reports read, never replaced
    CURRENT = "current"  # of a period still running (as of its day); the next one replaces it
    BACKFILL = "backfill"  # rebuilt later from the records' own dates
    REPORT = "report"  # frozen for a submitted ward report (of a running period); never replaced


class Scope(enum.StrEnum):
    PROVINCE = "province"
    WARD = "ward"
    GROUP = "group"  # urban (phường) / rural (xã), as of the period's last day
    PHASE = "phase"  # the roll-out phase


class Snapshot(Base):
    __tablename__ = "indicator_snapshots"
    __table_args__ = (Index("ix_indicator_snapshots_period", "period_kind", "period_key", "id"),)

    id: Mapped[intpk]
    period_kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, "period_kind"))
    period_key: Mapped[str] = mapped_column(String(7))  # 2026-11, 2026-Q4, 2026
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    as_of: Mapped[dt.date]  # the day the stock figures are of: the period's end, or today
    kind: Mapped[SnapshotKind] = mapped_column(str_enum(SnapshotKind, "snapshot_kind"))
    taken_at: Mapped[created_at]
    taken_by_id: Mapped[user_fk]
    seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))  # how long computing took
    notes: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. the roll-out criterion used

    values: Mapped[list[SnapshotValue]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Snapshot {self.id} {self.period_key} {self.kind} as of {self.as_of}>"


class SnapshotValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("snapshot_id", "measure", "scope", "scope_key", "category"),)

    id: Mapped[intpk]
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_snapshots.id", ondelete="CASCADE")
    )
    measure: Mapped[str] = mapped_column(String(40))
    scope: Mapped[Scope] = mapped_column(str_enum(Scope, "indicator_scope"))
    scope_key: Mapped[str] = mapped_column(String(20), default="")  # ward code, group, phase
    category: Mapped[str] = mapped_column(String(20), default="")  # '' = every category
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))

    snapshot: Mapped[Snapshot] = relationship(back_populates="values")


class Target(Tracked, Base):
    """A staff-set target of an indicator for a year (defaults come from the definitions)."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("indicator", "year"),)

    id: Mapped[intpk]
    indicator: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
