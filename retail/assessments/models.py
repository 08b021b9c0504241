"""Assessment frameworks (versioned questionnaires kept as data), assessments and result links.

A framework's `document` is the JSON of `../shared/data/assessment/retail_dx_v1.json` (with optional
advice texts per option). Published versions never change; every assessment keeps the framework
version it used. Scores are computed by `retail.assessments.scoring.score` (exact at thresholds)
and stored with the assessment when it is submitted.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, created_at, intpk, user_fk
from core.enums import str_enum

if TYPE_CHECKING:
    from retail.shops.models import Shop


class FrameworkState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # the newest published version of a key is the one new assessments use


class Framework(Tracked, Base):
    __tablename__ = "assessment_frameworks"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[dict] = mapped_column(JSON)
    state: Mapped[FrameworkState] = mapped_column(
        str_enum(FrameworkState, "framework_state"), default=FrameworkState.DRAFT
    )
    published_at: Mapped[dt.datetime | None]
    published_by_id: Mapped[user_fk]


class AssessmentOrigin(enum.StrEnum):
    OFFICER = "officer"  # filled in by a field officer with the shop owner
    SELF = "self"  # filled in by the shop owner from a link; counts only once an officer confirms


class AssessmentState(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # a self-assessment sent by the owner
    SUBMITTED = "submitted"  # the shop has "completed the assessment"
    VERIFIED = "verified"  # read-only; a correction is a new assessment


class Assessment(Tracked, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_shop_id_state", "shop_id", "state"),
        Index("ix_assessments_state_submitted_at", "state", "submitted_at"),
    )
    ward_through = "shop"  # core.access: an assessment is in its shop's ward

    id: Mapped[intpk]
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("assessment_frameworks.id"))
    origin: Mapped[AssessmentOrigin] = mapped_column(
        str_enum(AssessmentOrigin, "assessment_origin"), default=AssessmentOrigin.OFFICER
    )
    assessor_id: Mapped[user_fk]  # the officer (None for a self-assessment until confirmed)
    state: Mapped[AssessmentState] = mapped_column(
        str_enum(AssessmentState, "assessment_state"), default=AssessmentState.DRAFT
    )
    # {"<question key>": <option value>, …}; partial while a draft.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    step: Mapped[int] = mapped_column(default=0)  # the pillar the draft was last saved at
    assessed_on: Mapped[dt.date | None]
    submitted_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[user_fk]
    # Stored at submission: pillar scores and total 0-100 (unrounded), the level and the flags.
    pillar_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int | None]
    flags: Mapped[dict] = mapped_column(JSON, default=dict)
    # Optional photo evidence, stored like product photos (path under the media folder).
    photo_path: Mapped[str | None] = mapped_column(String(300))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))

    shop: Mapped[Shop] = relationship(back_populates="assessments")
    framework: Mapped[Framework] = relationship()


class LinkPurpose(enum.StrEnum):
    RESULT = "result"  # the one-page result of an assessment, shown or sent to the owner
    SELF_ASSESSMENT = "self_assessment"  # lets the owner fill in a self-assessment


class ShopLink(Base):
    """An unguessable, revocable link for a shop owner (no account). Only its hash is stored."""

    __tablename__ = "shop_links"
    ward_through = "shop"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose, "shop_link_purpose"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    created_at: Mapped[created_at]
    created_by_id: Mapped[user_fk]
    revoked_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
