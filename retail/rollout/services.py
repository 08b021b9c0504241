"""The ward roll-out: the deployment criterion, each ward's computed state, its page, its officers.

A ward's state is computed from its shops every time, never stored:

- *not started*: none of its shops has a submitted (or verified) assessment, whatever its phase;
- *in progress*: some have, but the criterion does not hold;
- *deployed*: at least `min_shops` shops have one and, when `min_share_percent` is set, at least
  that share of the ward's registered shops (compared exactly: `100 × assessed ≥ share ×
  registered`, integers against a two-decimal `Decimal`, never floats).

A ward that is not (yet) planned for the roll-out is judged by the same rule: the phase says when
the Department intends to work there, the state says what its shops have done, so a not-planned
ward with assessed shops shows "in progress" rather than hiding them.

Which shops count: only *active* shops, in the numerator and in the denominator alike. A closed
shop no longer counts (the state describes the ward's shops as they are now), and a merged shop's
assessments were moved to the shop it was merged into, so they count once, there; the merged row
itself never counts. A shop counts as assessed from its first submitted assessment on (corrections
and re-assessments do not move that date).

The date a deployed ward reached the criterion is the first moment at which it held for the shops
that count today: without a share, the first submission of the `min_shops`-th distinct shop; with a
share, the first of those first submissions at which the share held too, counting as registered
then the shops created by that moment (or already assessed by it). It is shown as a day in Đồng Nai.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from core import access, audit
from core.accounts import services as accounts
from core.accounts.models import Role, User, officer_wards
from core.db import PROVINCE_TZ
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from core.formatting import number_in_message
from core.wards.models import RolloutPhase, Ward
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentState
from retail.rollout.models import RolloutCriterion
from retail.shops.models import Shop, ShopState

DEFAULT_MIN_SHOPS = 20
MIN_SHOPS_MAX = 10_000
SHARE_MAX = Decimal(100)
# Assessments that make a shop "completed the assessment".
COUNTED = (AssessmentState.SUBMITTED, AssessmentState.VERIFIED)
LEVELS = range(6)
DIGITAL_PAYMENT_FLAG = "takes_digital_payment"


class WardState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DEPLOYED = "deployed"


@dataclass(frozen=True)
class Rule:
    """The numbers of a deployment criterion (the stored one, or new ones being considered)."""

    min_shops: int = DEFAULT_MIN_SHOPS
    min_share_percent: Decimal | None = None

    def holds(self, assessed: int, registered: int) -> bool:
        if assessed < self.min_shops:
            return False
        share = self.min_share_percent
        return share is None or Decimal(100 * assessed) >= share * registered

    def shops_needed(self, registered: int) -> int:
        """How many assessed shops the rule asks of a ward with this many registered shops."""
        needed = self.min_shops
        if self.min_share_percent is not None:
            by_share = (self.min_share_percent * registered / 100).to_integral_value(ROUND_CEILING)
            needed = max(needed, int(by_share))
        return needed


@dataclass(frozen=True)
class Progress:
    """A ward's state under a rule: counts of its active shops and the date it was deployed."""

    ward: Ward
    rule: Rule
    registered: int
    assessed: int
    state: WardState
    reached_on: dt.date | None

    @property
    def code(self) -> str:
        return self.ward.code

    @property
    def needed(self) -> int:
        return self.rule.shops_needed(self.registered)

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.assessed)

    @property
    def share(self) -> Decimal | None:
        """The assessed share of registered shops, in per cent (None without shops)."""
        return Decimal(100 * self.assessed) / self.registered if self.registered else None


@dataclass
class _WardShops:
    """When each active shop of a ward was registered and first assessed (UTC)."""

    registered_at: list[dt.datetime] = field(default_factory=list)
    assessed_at: list[dt.datetime] = field(default_factory=list)


def evaluate(rule: Rule, shops: _WardShops) -> tuple[WardState, dt.date | None]:
    """The state of a ward's shops under a rule, and the day it was reached when deployed."""
    assessed, registered = len(shops.assessed_at), len(shops.registered_at)
    if not assessed:
        return WardState.NOT_STARTED, None
    if not rule.holds(assessed, registered):
        return WardState.IN_PROGRESS, None
    times = sorted(shops.assessed_at)
    known = sorted(shops.registered_at)
    for moment in times[rule.min_shops - 1 :]:
        done = bisect.bisect_right(times, moment)
        if rule.holds(done, bisect.bisect_right(known, moment)):
            return WardState.DEPLOYED, moment.astimezone(PROVINCE_TZ).date()
    raise AssertionError("a rule that holds now held at the last first submission")


def deployment_date(
    rule: Rule, registered_at: list[dt.datetime], assessed_at: list[dt.datetime]
) -> dt.date | None:
    """The day a ward with these shops was deployed under a rule (None if it is not).

    `registered_at` holds when each shop was registered, `assessed_at` when each assessed shop
    was first counted; the reports compute past months with it from shops active then.
    """
    state, reached_on = evaluate(rule, _WardShops(list(registered_at), list(assessed_at)))
    return reached_on if state is WardState.DEPLOYED else None


# --- the criterion --------------------------------------------------------------------------


def _stored() -> RolloutCriterion | None:
    stmt = select(RolloutCriterion).order_by(RolloutCriterion.id).limit(1)
    return db.session.scalars(stmt).first()


def criterion() -> RolloutCriterion:
    """The one criterion row, created with the defaults on first use (flushed, not committed)."""
    row = _stored()
    if row is None:
        row = RolloutCriterion(min_shops=DEFAULT_MIN_SHOPS, min_share_percent=None)
        db.session.add(row)
        db.session.flush()
    return row


def current_rule() -> Rule:
    """The criterion's numbers for reading: the stored row's, or the defaults (a read never
    writes, so pages and API reads do not take the database's write lock)."""
    row = _stored()
    if row is None:
        return Rule()
    return Rule(row.min_shops, row.min_share_percent)


def check_rule(rule: Rule) -> None:
    """Refuse numbers a criterion cannot have, each with what to enter instead."""
    errors = FieldErrors()
    if not 1 <= rule.min_shops <= MIN_SHOPS_MAX:
        errors.add(
            "min_shops",
            _l(
                "Enter a whole number of shops from 1 to %(max)s.",
                max=number_in_message(MIN_SHOPS_MAX),
            ),
        )
    share = rule.min_share_percent
    if share is not None and (
        not share.is_finite() or not 0 < share <= SHARE_MAX or share.as_tuple().exponent < -2
    ):
        errors.add(
            "min_share_percent",
            _l(
                "Enter a share above 0 and up to 100 per cent with at most two decimals, "
                "e.g. 30 or %(example)s, or leave it empty.",
                example=number_in_message(Decimal("12.5")),
            ),
        )
    errors.raise_if_any()


@dataclass(frozen=True)
class StateChange:
    """A ward whose state differs under new numbers."""

    before: Progress
    after: Progress


@dataclass(frozen=True)
class CriterionSaved:
    criterion: RolloutCriterion
    changes: list[StateChange]


def criterion_changes(rule: Rule) -> list[StateChange]:
    """The wards whose state the new numbers would change (a deployed ward whose day moves does
    not change state)."""
    check_rule(rule)
    wards, shops = _wards_and_shops()
    current = current_rule()
    changes = []
    for ward in wards:
        before = _progress(ward, current, shops[ward.code])
        after = _progress(ward, rule, shops[ward.code])
        if before.state is not after.state:
            changes.append(StateChange(before, after))
    return changes


def update_criterion(rule: Rule, actor: User) -> CriterionSaved:
    """Staff set the criterion's numbers; the audit log keeps the old and the new ones."""
    access.require_staff(actor)
    changes = criterion_changes(rule)
    row = criterion()
    before = _numbers(row)
    row.min_shops = rule.min_shops
    row.min_share_percent = rule.min_share_percent
    row.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "rollout.criterion",
        row,
        before=before,
        after=_numbers(row),
        wards_changed=len(changes),
    )
    return CriterionSaved(row, changes)


def _numbers(row: RolloutCriterion) -> dict:
    share = row.min_share_percent
    return {"min_shops": row.min_shops, "min_share_percent": None if share is None else str(share)}


# --- ward states ------------------------------------------------------------------------------


def _shop_dates(codes: frozenset[str] | None = None) -> Select:
    """(ward, registered at, first counted submission or None) of each active shop: one query."""
    submitted = func.coalesce(Assessment.submitted_at, Assessment.created_at)
    first = (
        select(Assessment.shop_id, func.min(submitted).label("first_at"))
        .where(Assessment.state.in_(COUNTED))
        .group_by(Assessment.shop_id)
        .subquery()
    )
    stmt = (
        select(Shop.ward_code, Shop.created_at, first.c.first_at)
        .outerjoin(first, first.c.shop_id == Shop.id)
        .where(Shop.state == ShopState.ACTIVE)
    )
    return stmt if codes is None else stmt.where(Shop.ward_code.in_(codes))


def _wards_and_shops(codes: frozenset[str] | None = None):
    stmt = select(Ward).order_by(Ward.code)
    if codes is not None:
        stmt = stmt.where(Ward.code.in_(codes))
    wards = db.session.scalars(stmt).all()
    shops: dict[str, _WardShops] = defaultdict(_WardShops)
    for code, created_at, first_at in db.session.execute(_shop_dates(codes)):
        dates = shops[code]
        # A shop assessed before its row's creation time (moved by a merge) was registered then.
        dates.registered_at.append(min(created_at, first_at) if first_at else created_at)
        if first_at is not None:
            dates.assessed_at.append(first_at)
    return wards, shops


def _progress(ward: Ward, rule: Rule, shops: _WardShops) -> Progress:
    state, reached_on = evaluate(rule, shops)
    return Progress(
        ward=ward,
        rule=rule,
        registered=len(shops.registered_at),
        assessed=len(shops.assessed_at),
        state=state,
        reached_on=reached_on,
    )


def all_wards_progress(codes: frozenset[str] | None = None) -> list[Progress]:
    """Every ward's progress (or only these wards'), by code: two queries whatever the count."""
    rule = current_rule()
    wards, shops = _wards_and_shops(codes)
    return [_progress(ward, rule, shops[ward.code]) for ward in wards]


def ward_progress(code: str) -> Progress:
    found = all_wards_progress(frozenset({code}))
    if not found:
        raise NotFound(_l("There is no ward or commune with code %(code)s.", code=code))
    return found[0]


def filter_progress(
    rows: list[Progress], *, phase: RolloutPhase | None = None, state: WardState | None = None
) -> list[Progress]:
    return [
        p
        for p in rows
        if (phase is None or p.ward.rollout_phase is phase) and (state is None or p.state is state)
    ]


SORT_KEYS = {
    "code": lambda p: p.code,
    "name": lambda p: p.ward.name.casefold(),
    "phase": lambda p: (list(RolloutPhase).index(p.ward.rollout_phase), p.code),
    "state": lambda p: (list(WardState).index(p.state), p.code),
    "reached": lambda p: (p.reached_on is None, p.reached_on or dt.date.min, p.code),
    "assessed": lambda p: (p.assessed, p.code),
}


def sort_progress(rows: list[Progress], key: str, descending: bool = False) -> list[Progress]:
    return sorted(rows, key=SORT_KEYS.get(key, SORT_KEYS["code"]), reverse=descending)


# --- one ward's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class WardSummary:
    progress: Progress
    shops_by_state: dict[ShopState, int]
    levels: dict[int, int]  # level → shops whose latest counted assessment has it
    pillars: list[tuple[dict, Decimal]]  # (pillar names by language, average score 0-100)
    level_names: dict[int, dict]  # level → names by language, from the current framework
    digital_payment: int  # shops whose latest counted assessment flags digital payment
    officers: list[User]

    @property
    def digital_share(self) -> Decimal | None:
        assessed = self.progress.assessed
        return Decimal(100 * self.digital_payment) / assessed if assessed else None


def ward_summary(code: str) -> WardSummary:
    """The numbers of a ward's page: state, shops, levels, pillar averages, digital payment."""
    progress = ward_progress(code)
    counts = dict.fromkeys(ShopState, 0)
    by_state = select(Shop.state, func.count()).where(Shop.ward_code == code).group_by(Shop.state)
    counts.update(dict(db.session.execute(by_state).all()))
    latest = _latest_counted(code)
    framework = frameworks.current()
    document = framework.document if framework else {"pillars": [], "levels": []}
    levels = dict.fromkeys(LEVELS, 0)
    for level, _scores, _flags in latest:
        if level is not None:
            levels[level] = levels.get(level, 0) + 1
    return WardSummary(
        progress=progress,
        shops_by_state=counts,
        levels=levels,
        pillars=_pillar_averages(document, [scores for _level, scores, _flags in latest]),
        level_names={lv["level"]: lv["name"] for lv in document["levels"]},
        digital_payment=sum(1 for *_, flags in latest if (flags or {}).get(DIGITAL_PAYMENT_FLAG)),
        officers=ward_officers(code),
    )


def _latest_counted(code: str) -> list[tuple]:
    """(level, pillar scores, flags) of the latest counted assessment of each active shop."""
    order = (Assessment.submitted_at.desc(), Assessment.id.desc())
    ranked = (
        select(
            Assessment.level,
            Assessment.pillar_scores,
            Assessment.flags,
            func.row_number().over(partition_by=Assessment.shop_id, order_by=order).label("rank"),
        )
        .join(Shop, Shop.id == Assessment.shop_id)
        .where(
            Assessment.state.in_(COUNTED),
            Shop.ward_code == code,
            Shop.state == ShopState.ACTIVE,
        )
        .subquery()
    )
    stmt = select(ranked.c.level, ranked.c.pillar_scores, ranked.c.flags).where(ranked.c.rank == 1)
    return [tuple(row) for row in db.session.execute(stmt)]


def _pillar_averages(document: dict, scores: list[dict]) -> list[tuple[dict, Decimal]]:
    """Each pillar of the framework with the mean of the shops' scores for it."""
    averages = []
    for pillar in document["pillars"]:
        values = [Decimal(str(s[pillar["key"]])) for s in scores if pillar["key"] in (s or {})]
        if values:
            averages.append((pillar["name"], sum(values) / len(values)))
    return averages


# --- officers of a ward (item 2, the staff side) ---------------------------------------------


def ward_officers(code: str) -> list[User]:
    stmt = (
        select(User)
        .join(officer_wards, officer_wards.c.user_id == User.id)
        .where(officer_wards.c.ward_code == code, User.role == Role.OFFICER, User.is_active)
        .order_by(User.full_name, User.id)
    )
    return list(db.session.scalars(stmt))


def assignable_officers(code: str) -> list[User]:
    """Active officers not yet working in this ward (the staff's choice on the ward page)."""
    stmt = (
        select(User)
        .where(User.role == Role.OFFICER, User.is_active, ~User.wards.any(Ward.code == code))
        .order_by(User.full_name, User.id)
    )
    return list(db.session.scalars(stmt))


def _officer(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.OFFICER or not user.is_active:
        raise NotFound(_l("There is no active field officer with this account."))
    return user


def assign_officer(ward: Ward, user_id: int, actor: User) -> User:
    """Staff add a ward to an officer's wards (audit-logged by the accounts service)."""
    access.require_staff(actor)
    officer = _officer(user_id)
    codes = {w.code for w in officer.wards}
    if ward.code in codes:
        raise Conflict(_l("%(name)s already works in this ward.", name=officer.full_name))
    _set_wards(officer, codes | {ward.code}, actor)
    return officer


def unassign_officer(ward: Ward, user_id: int, actor: User) -> User:
    """Staff take a ward off an officer's list; an officer keeps at least one ward."""
    access.require_staff(actor)
    officer = _officer(user_id)
    codes = {w.code for w in officer.wards}
    if ward.code not in codes:
        raise NotFound(_l("This officer does not work in this ward."))
    if codes == {ward.code}:
        raise Conflict(
            _l(
                "This is the only ward of %(name)s: assign another ward first, or change the "
                "account's role under Users.",
                name=officer.full_name,
            )
        )
    _set_wards(officer, codes - {ward.code}, actor)
    return officer


def _set_wards(officer: User, codes: set[str], actor: User) -> None:
    """Set an officer's wards through the accounts service (same audit entry as /admin/users)."""
    accounts.set_officer_wards(officer, codes, actor)
