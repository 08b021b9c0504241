"""The deployment criterion of the ward roll-out (one row; staff change it, audit-logged).

A ward is *deployed* when it has at least `min_shops` shops with a submitted (or verified)
assessment and, when `min_share_percent` is set, that many per cent of its registered (active)
shops. The state and the date it was reached are computed, never stored (`rollout.services`).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Tracked, intpk


class RolloutCriterion(Tracked, Base):
    __tablename__ = "rollout_criteria"

    id: Mapped[intpk]
    min_shops: Mapped[int] = mapped_column(default=20)
    min_share_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
