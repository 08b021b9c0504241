"""The officer's day: what is left to do in the officer's wards, as queries a page can page through.

- shops never assessed: active shops with no assessment started at all (a shop with a draft is
  under "drafts");
- drafts to finish: officers' drafts, the longest untouched first;
- self-assessments awaiting confirmation: sent by owners from a link, to be confirmed;
- due for re-assessment: active shops whose last completed assessment (its `assessed_on` day) is
  RETAIL_REASSESS_MONTHS old, unless a draft is already under way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager

from core.dates import add_months
from core.extensions import db
from retail.assessments.models import Assessment, AssessmentOrigin, AssessmentState
from retail.rollout.services import COUNTED
from retail.shops.models import Shop, ShopState


def due_cutoff(today: dt.date, months: int) -> dt.date:
    """The last day whose assessment is due by `today`: the latest d with d + months ≤ today."""
    cutoff = add_months(today, -months)
    while add_months(cutoff + dt.timedelta(days=1), months) <= today:
        cutoff += dt.timedelta(days=1)
    return cutoff


def _in_wards(stmt: Select, codes: frozenset[str]) -> Select:
    return stmt.where(Shop.ward_code.in_(codes), Shop.state == ShopState.ACTIVE)


def _with_shop() -> Select:
    """Assessments with their shop loaded by the same query (the lists show the shop)."""
    return (
        select(Assessment)
        .join(Shop, Shop.id == Assessment.shop_id)
        .options(contains_eager(Assessment.shop))
    )


def never_assessed(codes: frozenset[str]) -> Select:
    """Active shops of these wards with no assessment started at all (drafts are listed apart)."""
    started = exists().where(Assessment.shop_id == Shop.id)
    return _in_wards(select(Shop), codes).where(~started).order_by(Shop.ward_code, Shop.name)


def drafts_to_finish(codes: frozenset[str]) -> Select:
    """Officers' drafts in these wards, the longest untouched first."""
    return (
        _in_wards(_with_shop(), codes)
        .where(
            Assessment.state == AssessmentState.DRAFT,
            Assessment.origin == AssessmentOrigin.OFFICER,
        )
        .order_by(Assessment.updated_at, Assessment.id)
    )


def awaiting_confirmation(codes: frozenset[str]) -> Select:
    """Self-assessments sent by shop owners that an officer has yet to confirm, oldest first."""
    return (
        _in_wards(_with_shop(), codes)
        .where(Assessment.state == AssessmentState.AWAITING_CONFIRMATION)
        .order_by(Assessment.updated_at, Assessment.id)
    )


def _last_assessed():
    return (
        select(Assessment.shop_id, func.max(Assessment.assessed_on).label("last_on"))
        .where(Assessment.state.in_(COUNTED))
        .group_by(Assessment.shop_id)
        .subquery()
    )


def due_for_reassessment(codes: frozenset[str], today: dt.date, months: int) -> Select:
    """Active shops whose last completed assessment is `months` old by `today`, oldest first.

    A shop with an open draft is not listed here: its re-assessment is under way (drafts).
    """
    last = _last_assessed()
    open_draft = exists().where(
        Assessment.shop_id == Shop.id, Assessment.state == AssessmentState.DRAFT
    )
    stmt = select(Shop).join(last, last.c.shop_id == Shop.id)
    return (
        _in_wards(stmt, codes)
        .where(last.c.last_on <= due_cutoff(today, months), ~open_draft)
        .order_by(last.c.last_on, Shop.name, Shop.id)
    )


def last_assessed_on(shop_ids: list[int]) -> dict[int, dt.date]:
    """The day of each shop's last completed assessment (for the shops listed on a page)."""
    if not shop_ids:
        return {}
    last = _last_assessed()
    stmt = select(last.c.shop_id, last.c.last_on).where(last.c.shop_id.in_(shop_ids))
    return dict(db.session.execute(stmt).all())


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
