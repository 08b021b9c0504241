"""A ward's roll-out state: exact at the criterion's threshold, with and without a share.

Shops and assessments are written as rows here (the assessment pages are another part's); every
expected number is counted by hand from the rows the test makes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.db import PROVINCE_TZ
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentOrigin, AssessmentState
from retail.assessments.services import record_score
from retail.rollout import services
from retail.rollout.models import RolloutCriterion
from retail.rollout.services import Rule, WardState
from retail.shops.models import Shop, ShopKind, ShopState
from tests import factories

WARD = "26188"  # Phường Tân Triều, pilot in the demo, not planned in a fresh database
NOT_PLANNED = "25993"  # Phường Trảng Dài
EARLY = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


def noon(day: dt.date) -> dt.datetime:
    """Midday in Đồng Nai on `day`, as the UTC time the database keeps."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=PROVINCE_TZ).astimezone(dt.UTC)


def add_shop(ward: str = WARD, *, created_at: dt.datetime = EARLY, **fields) -> Shop:
    n = factories.unique()
    shop = Shop(
        name=fields.pop("name", f"Tạp hóa Thử {n}"),
        ward_code=ward,
        kind=fields.pop("kind", ShopKind.GROCERY),
        owner_name=fields.pop("owner_name", ""),
        address=fields.pop("address", f"{n} Đường số 3"),
        market="",
        created_at=created_at,
        **fields,
    )
    db.session.add(shop)
    db.session.flush()
    return shop


def answers(value: str = "best") -> dict:
    """Every question answered with its best option ("best") or its worst ("worst")."""
    document = frameworks.seed_default().document
    pick = max if value == "best" else min
    return {
        q["key"]: pick(o["value"] for o in q["options"])
        for pillar in document["pillars"]
        for q in pillar["questions"]
    }


def add_assessment(
    shop: Shop,
    day: dt.date | None = None,
    *,
    state: AssessmentState = AssessmentState.SUBMITTED,
    given: dict | None = None,
    **fields,
) -> Assessment:
    """An assessment of `shop`; submitted (or verified) ones on `day` at noon, and scored."""
    framework = frameworks.seed_default()
    assessment = Assessment(
        shop=shop,
        framework=framework,
        answers=given if given is not None else answers(),
        state=state,
        **fields,
    )
    if state in (AssessmentState.SUBMITTED, AssessmentState.VERIFIED):
        assessment.submitted_at = noon(day)
        assessment.assessed_on = day
    if state is not AssessmentState.DRAFT:
        record_score(assessment)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def assessed_shops(n: int, first_day: dt.date, ward: str = WARD) -> list[Shop]:
    """`n` shops, the k-th assessed on first_day + k days (k from 0)."""
    shops = []
    for k in range(n):
        shop = add_shop(ward)
        add_assessment(shop, first_day + dt.timedelta(days=k))
        shops.append(shop)
    return shops


def set_criterion(min_shops: int, share: str | None = None) -> None:
    row = services.criterion()
    row.min_shops = min_shops
    row.min_share_percent = None if share is None else Decimal(share)
    db.session.flush()


def test_default_criterion_is_twenty_shops_and_created_once(app_ctx):
    assert db.session.scalar(db.select(db.func.count()).select_from(RolloutCriterion)) == 0
    assert services.current_rule() == Rule(20, None)
    row = services.criterion()
    assert (row.min_shops, row.min_share_percent) == (20, None)
    assert services.criterion().id == row.id
    assert db.session.scalar(db.select(db.func.count()).select_from(RolloutCriterion)) == 1


def test_nineteen_shops_are_in_progress_and_the_twentieth_deploys_on_its_day(app_ctx):
    first = dt.date(2026, 4, 1)
    assessed_shops(19, first)
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.assessed, progress.reached_on) == (
        WardState.IN_PROGRESS,
        19,
        None,
    )
    assert progress.missing == 1
    twentieth = add_shop()
    add_assessment(twentieth, dt.date(2026, 6, 9))
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.assessed) == (WardState.DEPLOYED, 20)
    assert progress.reached_on == dt.date(2026, 6, 9)
    # More shops later do not move the day the criterion was reached.
    add_assessment(add_shop(), dt.date(2026, 7, 1))
    assert services.ward_progress(WARD).reached_on == dt.date(2026, 6, 9)


def test_a_shop_counts_once_from_its_first_submission_and_only_when_completed(app_ctx):
    shops = assessed_shops(19, dt.date(2026, 3, 1))
    add_assessment(shops[0], dt.date(2026, 9, 1))  # a re-assessment: the same shop
    other = add_shop()
    add_assessment(other, state=AssessmentState.DRAFT, given={})
    add_assessment(other, state=AssessmentState.AWAITING_CONFIRMATION, origin=AssessmentOrigin.SELF)
    assert services.ward_progress(WARD).assessed == 19
    # A verified assessment counts, from the day it was submitted.
    add_assessment(
        other,
        dt.date(2026, 10, 2),
        state=AssessmentState.VERIFIED,
        verified_at=noon(dt.date(2026, 10, 5)),
    )
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.reached_on) == (WardState.DEPLOYED, dt.date(2026, 10, 2))


def test_the_day_reached_is_the_province_day_of_the_twentieth_submission(app_ctx):
    assessed_shops(19, dt.date(2026, 5, 1))
    shop = add_shop()
    assessment = add_assessment(shop, dt.date(2026, 8, 20))
    # 23:30 on 19/8 in UTC is 06:30 on 20/8 in Đồng Nai.
    assessment.submitted_at = dt.datetime(2026, 8, 19, 23, 30, tzinfo=dt.UTC)
    db.session.flush()
    assert services.ward_progress(WARD).reached_on == dt.date(2026, 8, 20)


def test_with_a_share_both_numbers_must_hold_compared_exactly(app_ctx):
    set_criterion(20, "50")
    shops = [add_shop() for _ in range(40)]
    for k, shop in enumerate(shops[:19]):
        add_assessment(shop, dt.date(2026, 4, 1) + dt.timedelta(days=k))
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.registered, progress.needed) == (
        WardState.IN_PROGRESS,
        40,
        20,
    )
    add_assessment(shops[19], dt.date(2026, 5, 15))  # 20 of 40: exactly 50 %
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.reached_on) == (WardState.DEPLOYED, dt.date(2026, 5, 15))
    add_shop()  # 20 of 41 is less than half
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.needed, progress.missing) == (WardState.IN_PROGRESS, 21, 1)


def test_with_a_share_the_day_is_the_first_when_both_held(app_ctx):
    set_criterion(20, "50")
    shops = [add_shop() for _ in range(50)]
    for k, shop in enumerate(shops[:25]):
        add_assessment(shop, dt.date(2026, 4, 1) + dt.timedelta(days=k))
    # 20 shops by 20/4, but half of 50 only with the 25th, on 25/4.
    assert services.ward_progress(WARD).reached_on == dt.date(2026, 4, 25)


def test_shops_registered_after_the_day_do_not_count_against_it(app_ctx):
    set_criterion(20, "50")
    for _ in range(20):
        add_shop(created_at=EARLY)
    assessed = [add_shop(created_at=EARLY) for _ in range(20)]
    for k, shop in enumerate(assessed):
        add_assessment(shop, dt.date(2026, 3, 1) + dt.timedelta(days=k))
    # On 20/3 the ward had 40 shops and 20 assessed (50 %); 2 shops registered in December
    # leave it below half today...
    late = [add_shop(created_at=noon(dt.date(2026, 12, 1))) for _ in range(2)]
    assert services.ward_progress(WARD).state is WardState.IN_PROGRESS
    # ...and once they are assessed too (22 of 42), the day it first held is 20/3.
    for shop in late:
        add_assessment(shop, dt.date(2026, 12, 2))
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.reached_on) == (WardState.DEPLOYED, dt.date(2026, 3, 20))


def test_a_share_that_floating_point_would_miss_is_met(app_ctx):
    # 14 % of 150 shops is exactly 21; as floats 0.14 * 150 is 21.000000000000004.
    set_criterion(20, "14")
    shops = [add_shop() for _ in range(150)]
    for k, shop in enumerate(shops[:20]):
        add_assessment(shop, dt.date(2026, 4, 1) + dt.timedelta(days=k))
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.needed) == (WardState.IN_PROGRESS, 21)
    add_assessment(shops[20], dt.date(2026, 6, 1))
    assert services.ward_progress(WARD).state is WardState.DEPLOYED


def test_closed_and_merged_shops_do_not_count(app_ctx):
    shops = assessed_shops(20, dt.date(2026, 4, 1))
    assert services.ward_progress(WARD).state is WardState.DEPLOYED
    shops[3].state = ShopState.CLOSED
    shops[3].closed_on = dt.date(2026, 11, 1)
    db.session.flush()
    progress = services.ward_progress(WARD)
    assert (progress.state, progress.assessed) == (WardState.IN_PROGRESS, 19)
    # A duplicate folded into a shop leaves its assessments with that shop: counted once.
    survivor, duplicate = shops[0], add_shop(state=ShopState.MERGED)
    duplicate.merged_into_id = survivor.id
    moved = add_assessment(duplicate, dt.date(2026, 2, 1))
    moved.shop = survivor
    db.session.flush()
    progress = services.ward_progress(WARD)
    assert (progress.assessed, progress.registered) == (19, 19)


def test_a_ward_not_planned_is_judged_by_its_shops(app_ctx):
    ward = db.session.get(Ward, NOT_PLANNED)
    assert ward.rollout_phase is RolloutPhase.NOT_PLANNED
    assert services.ward_progress(NOT_PLANNED).state is WardState.NOT_STARTED
    add_shop(NOT_PLANNED)  # registered, never assessed: still not started
    assert services.ward_progress(NOT_PLANNED).state is WardState.NOT_STARTED
    assessed_shops(1, dt.date(2026, 5, 1), NOT_PLANNED)
    assert services.ward_progress(NOT_PLANNED).state is WardState.IN_PROGRESS
    assessed_shops(19, dt.date(2026, 6, 1), NOT_PLANNED)
    progress = services.ward_progress(NOT_PLANNED)
    assert (progress.state, progress.reached_on) == (WardState.DEPLOYED, dt.date(2026, 6, 19))


def test_all_wards_in_a_fixed_number_of_queries(app_ctx):
    assessed_shops(3, dt.date(2026, 4, 1))
    assessed_shops(2, dt.date(2026, 4, 1), NOT_PLANNED)
    db.session.expire_all()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    db.event.listen(engine, "before_cursor_execute", count)
    try:
        rows = services.all_wards_progress()
    finally:
        db.event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 95
    # wards, their names (one selectin load), the criterion, and the shops: never one per ward
    assert len(statements) <= 4, statements
    by_code = {p.code: p for p in rows}
    assert (by_code[WARD].assessed, by_code[NOT_PLANNED].assessed) == (3, 2)
    assert sum(p.assessed for p in rows) == 5


def test_filter_and_sort(app_ctx):
    assessed_shops(20, dt.date(2026, 4, 1))
    assessed_shops(2, dt.date(2026, 4, 1), NOT_PLANNED)
    rows = services.all_wards_progress()
    deployed = services.filter_progress(rows, state=WardState.DEPLOYED)
    assert [p.code for p in deployed] == [WARD]
    in_progress = services.filter_progress(rows, state=WardState.IN_PROGRESS)
    assert [p.code for p in in_progress] == [NOT_PLANNED]
    by_assessed = services.sort_progress(rows, "assessed", descending=True)
    assert [p.code for p in by_assessed[:2]] == [WARD, NOT_PLANNED]


def test_the_rule_refuses_numbers_a_criterion_cannot_have(app_ctx):
    import pytest

    from core.errors import ValidationFailed

    for rule, field in (
        (Rule(0), "min_shops"),
        (Rule(10_001), "min_shops"),
        (Rule(20, Decimal(0)), "min_share_percent"),
        (Rule(20, Decimal("100.01")), "min_share_percent"),
        (Rule(20, Decimal("12.345")), "min_share_percent"),
        (Rule(20, Decimal("NaN")), "min_share_percent"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.check_rule(rule)
        assert set(refused.value.errors) == {field}, rule
    services.check_rule(Rule(1, Decimal("100")))
    services.check_rule(Rule(20, Decimal("12.5")))
