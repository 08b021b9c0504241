"""A ward's quarterly report to the Department (due on the 5th of the quarter's last month).

The figures come from a snapshot of the quarter (`snapshot_id`, fixed when the officer submits);
the officer writes the narrative; staff accept it or send it back with a comment.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, intpk, user_fk
from core.enums import str_enum

if TYPE_CHECKING:
    from core.wards.models import Ward
    from reports.indicators.models import Snapshot


class WardReportState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back by staff with a comment; the officer edits and resubmits
    ACCEPTED = "accepted"


class WardReport(Tracked, Base):
    __tablename__ = "ward_reports"
    __table_args__ = (UniqueConstraint("ward_code", "year", "quarter"),)

    id: Mapped[intpk]
    ward_code: Mapped[str] = mapped_column(ForeignKey("wards.code"), index=True)
    year: Mapped[int]
    quarter: Mapped[int]
    state: Mapped[WardReportState] = mapped_column(
        str_enum(WardReportState, "ward_report_state"), default=WardReportState.DRAFT
    )
    activities: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator_snapshots.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[user_fk]
    returned_at: Mapped[dt.datetime | None]
    returned_by_id: Mapped[user_fk]
    return_comment: Mapped[str] = mapped_column(String(1000), default="")
    accepted_at: Mapped[dt.datetime | None]
    accepted_by_id: Mapped[user_fk]

    ward: Mapped[Ward] = relationship()
    snapshot: Mapped[Snapshot | None] = relationship()
