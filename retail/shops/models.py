"""Retail shops and their imports.

A shop belongs to one ward; field officers see only the shops of their wards
(`core.access.get_in_ward` / `visible_in_wards`). Owner names and phones are personal data: only
staff and the ward's officers read them (and those are the only people who can load a shop),
never public pages, open data or logs.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, bool_false, created_at, intpk, user_fk
from core.enums import str_enum

if TYPE_CHECKING:
    from core.wards.models import Ward
    from retail.assessments.models import Assessment


class ShopKind(enum.StrEnum):
    GROCERY = "grocery"
    CONVENIENCE = "convenience"
    MARKET_STALL = "market_stall"
    PHARMACY = "pharmacy"
    FOOD_SERVICE = "food_service"
    AGRI_SUPPLIES = "agri_supplies"
    ELECTRONICS = "electronics"
    FASHION = "fashion"
    OTHER = "other"


class ShopState(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    MERGED = "merged"  # a duplicate folded into `merged_into`; its assessments moved there


class Shop(Tracked, Base):
    __tablename__ = "shops"
    __table_args__ = (
        UniqueConstraint("registration_no"),
        Index("ix_shops_ward_code_phone", "ward_code", "phone"),
        Index("ix_shops_ward_code_state", "ward_code", "state"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_together"),
    )
    # core.access: a shop is owned by its ward (officers of that ward may read and write it).
    ward_column = "ward_code"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    # E.164 (+84…), normalised with `phonenumbers`; None when the shop gave none.
    phone: Mapped[str | None] = mapped_column(String(16))
    # Household-business or tax registration number (10 or 13 digits) or a 12-digit personal ID.
    registration_no: Mapped[str | None] = mapped_column(String(13))
    ward_code: Mapped[str] = mapped_column(ForeignKey("wards.code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    market: Mapped[str] = mapped_column(String(120), default="")  # traditional market, for a stall
    kind: Mapped[ShopKind] = mapped_column(str_enum(ShopKind, "shop_kind"))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    state: Mapped[ShopState] = mapped_column(
        str_enum(ShopState, "shop_state"), default=ShopState.ACTIVE
    )
    closed_on: Mapped[dt.date | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))

    ward: Mapped[Ward] = relationship()
    merged_into: Mapped[Shop | None] = relationship(remote_side="Shop.id")
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="shop", order_by="Assessment.id"
    )


class ImportState(enum.StrEnum):
    CHECKING = "checking"
    CHECKED = "checked"  # every row checked; the report is ready; nothing saved yet
    IMPORTING = "importing"
    DONE = "done"
    REFUSED = "refused"  # bad rows and the user did not choose to import only the good ones
    FAILED = "failed"


class ShopImport(Base):
    """An uploaded shop file: its row report and, for large files, the background job's progress."""

    __tablename__ = "shop_imports"

    id: Mapped[intpk]
    created_at: Mapped[created_at]
    created_by_id: Mapped[user_fk]
    filename: Mapped[str] = mapped_column(String(200))
    # The uploaded file, kept under instance/ until the import is done (path relative to it).
    stored_path: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[ImportState] = mapped_column(
        str_enum(ImportState, "shop_import_state"), default=ImportState.CHECKING
    )
    only_valid: Mapped[bool_false]
    total_rows: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)
    created_shops: Mapped[int] = mapped_column(default=0)
    skipped_rows: Mapped[int] = mapped_column(default=0)  # already present (re-import)
    # [{"row": 3, "field": "phone", "reason": "…"}, …] and warnings (pre-merger codes mapped).
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    finished_at: Mapped[dt.datetime | None]
