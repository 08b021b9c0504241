"""Wards (đơn vị hành chính cấp xã), their names and types over time, and the roll-out."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked
from core.enums import str_enum


class WardKind(enum.StrEnum):
    XA = "xa"
    PHUONG = "phuong"


class AreaGroup(enum.StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class RolloutPhase(enum.StrEnum):
    PILOT_2026 = "pilot_2026"
    EXTENSION_2030 = "extension_2030"
    NOT_PLANNED = "not_planned"


class Ward(Tracked, Base):
    """A commune-level unit keyed on its GSO code, which never changes."""

    __tablename__ = "wards"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(80))
    former_province: Mapped[str] = mapped_column(String(40))
    predecessors: Mapped[str] = mapped_column(String(1000), default="")
    rollout_phase: Mapped[RolloutPhase] = mapped_column(
        str_enum(RolloutPhase, "rollout_phase"), default=RolloutPhase.NOT_PLANNED
    )
    rollout_started_on: Mapped[dt.date | None]

    statuses: Mapped[list[WardStatus]] = relationship(
        order_by="WardStatus.valid_from",
        lazy="selectin",
        cascade="all, delete-orphan",
        back_populates="ward",
    )

    def status_on(self, day: dt.date) -> WardStatus:
        """The name and kind in force on a day (the earliest known one before any record)."""
        current = self.statuses[0]
        for status in self.statuses:
            if status.valid_from <= day:
                current = status
        return current

    def kind_on(self, day: dt.date) -> WardKind:
        return self.status_on(day).kind

    def name_on(self, day: dt.date) -> str:
        return self.status_on(day).name

    def group_on(self, day: dt.date) -> AreaGroup:
        """Phường count as urban, xã as rural, following the unit's type on that day."""
        return AreaGroup.URBAN if self.kind_on(day) is WardKind.PHUONG else AreaGroup.RURAL

    @property
    def name(self) -> str:
        return self.name_on(dt.date.today())

    @property
    def kind(self) -> WardKind:
        return self.kind_on(dt.date.today())

    @property
    def group(self) -> AreaGroup:
        return self.group_on(dt.date.today())

    def __repr__(self) -> str:
        return f"<Ward {self.code}>"


class WardStatus(Base):
    """A unit's name and type from a date on (resolutions change types; codes stay)."""

    __tablename__ = "ward_statuses"
    __table_args__ = (UniqueConstraint("ward_code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_code: Mapped[str] = mapped_column(ForeignKey("wards.code", ondelete="CASCADE"))
    valid_from: Mapped[dt.date]
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[WardKind] = mapped_column(str_enum(WardKind, "ward_kind"))
    legal_basis: Mapped[str] = mapped_column(String(200), default="")

    ward: Mapped[Ward] = relationship(back_populates="statuses")
