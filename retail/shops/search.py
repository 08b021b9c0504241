"""Finding shops: the list's filters and each shop's latest submitted assessment (read only).

A shop "has completed the assessment" when it has a submitted (or since verified) one; its level
is the level of the latest of those. Every query starts from `core.access.visible_in_wards`, so
an officer never finds a shop of another ward, whatever the filters say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from core import access
from core.accounts.models import User
from core.extensions import db
from retail.assessments.models import Assessment, AssessmentState
from retail.shops import rules
from retail.shops.models import Shop, ShopKind, ShopState

COMPLETED = (AssessmentState.SUBMITTED, AssessmentState.VERIFIED)


@dataclass(frozen=True)
class ShopFilters:
    """What the list is filtered by (parsed); None means "any"."""

    q: str = ""
    ward_code: str | None = None
    kind: ShopKind | None = None
    state: ShopState | None = None  # None: open and closed shops, not merged ones
    assessed: bool | None = None
    level: int | None = None


def latest_completed(shop_ids: list[int] | None = None):
    """A subquery (shop_id, level) of each shop's latest submitted or verified assessment."""
    completed = Assessment.state.in_(COMPLETED)
    if shop_ids is not None:
        completed = completed & Assessment.shop_id.in_(shop_ids)
    ranked = (
        select(
            Assessment.shop_id,
            Assessment.level,
            func.row_number()
            .over(
                partition_by=Assessment.shop_id,
                order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
            )
            .label("rank"),
        )
        .where(completed)
        .subquery()
    )
    return select(ranked.c.shop_id, ranked.c.level).where(ranked.c.rank == 1).subquery("latest")


def matching(q: str):
    """The condition "name, phone or registration number matches what was typed"."""
    q = " ".join((q or "").split())
    conditions = [Shop.name.icontains(q, autoescape=True)]
    fragment = rules.phone_fragment(q)
    if fragment and fragment.startswith("+"):
        conditions.append(Shop.phone == fragment)
    elif fragment:
        conditions.append(Shop.phone.contains(fragment, autoescape=True))
    digits = re.sub(r"[\s.\-]", "", q)
    if len(digits) >= 3 and digits.isdigit():
        conditions.append(Shop.registration_no.contains(digits, autoescape=True))
    return or_(*conditions)


def shops_query(user: User, filters: ShopFilters) -> Select:
    """The shops the user may see that pass the filters, by name."""
    stmt = access.visible_in_wards(Shop, user)
    if filters.q:
        stmt = stmt.where(matching(filters.q))
    if filters.ward_code:
        stmt = stmt.where(Shop.ward_code == filters.ward_code)
    if filters.kind is not None:
        stmt = stmt.where(Shop.kind == filters.kind)
    if filters.state is None:
        stmt = stmt.where(Shop.state != ShopState.MERGED)
    else:
        stmt = stmt.where(Shop.state == filters.state)
    if filters.assessed is not None or filters.level is not None:
        latest = latest_completed()
        stmt = stmt.outerjoin(latest, latest.c.shop_id == Shop.id)
        if filters.assessed is True:
            stmt = stmt.where(latest.c.shop_id.is_not(None))
        elif filters.assessed is False:
            stmt = stmt.where(latest.c.shop_id.is_(None))
        if filters.level is not None:
            stmt = stmt.where(latest.c.level == filters.level)
    return stmt.order_by(Shop.name, Shop.id)


def latest_levels(shop_ids: list[int]) -> dict[int, int | None]:
    """{shop id: level of its latest submitted assessment} for the shops that have one."""
    if not shop_ids:
        return {}
    rows = db.session.execute(select(latest_completed(shop_ids)))
    return {shop_id: level for shop_id, level in rows}
