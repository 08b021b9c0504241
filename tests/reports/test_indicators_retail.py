"""Shop, assessment and roll-out indicators on hand-built shops, every answer counted by hand.

Phường Tân Triều (a phường throughout), every shop registered on 5/1/2026 unless said:

| shop | assessments (submitted on) | level | customer pillar | flags |
|---|---|---|---|---|
| s1 | 10/2; again 10/5 | 2; then 3 | 10; then 30 | payment; then payment + e-invoice |
| s2 | 1/3 | 1 | 20 | — |
| s3 | 20/3 (verified) | 4 | 25 | payment, online presence, online sales |
| s4 | none | | | |
| s5 | registered 1/4, closed 15/6; 10/4 | 0 | 0 | — |
| s8 | a self-assessment awaiting confirmation (not counted) | | | |

Phường Trảng Dài: s6 (registered 5/1) was merged into s7, a row created on 20/5 that holds s6's
assessment of 15/2 (level 2, customer 50). Xã Trảng Bom (a phường from 30/4): sb, assessed 1/3.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.wards.models import RolloutPhase
from reports.indicators.models import Scope
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_BOM, TRANG_DAI, Read


def pillars(customer, rest=50):
    return {
        "customer": customer,
        "strategy": rest,
        "infrastructure": rest,
        "operations": rest,
        "skills": rest,
        "data": rest,
    }


@pytest.fixture
def world(app_ctx):
    from retail.assessments.models import AssessmentState
    from retail.shops.models import ShopState

    pay = {"takes_digital_payment": True}
    s1 = data.shop(TAN_TRIEU)
    data.assessment(s1, "2026-02-10", level=2, pillars=pillars(10), flags=pay)
    data.assessment(
        s1, "2026-05-10", level=3, pillars=pillars(30), flags=pay | {"uses_einvoice": True}
    )
    s2 = data.shop(TAN_TRIEU)
    data.assessment(
        s2, "2026-03-01", level=1, pillars=pillars(20), flags={"takes_digital_payment": False}
    )
    s3 = data.shop(TAN_TRIEU)
    data.assessment(
        s3,
        "2026-03-20",
        level=4,
        pillars=pillars(25),
        flags=pay | {"online_presence": True, "sells_online": True},
        state=AssessmentState.VERIFIED,
    )
    s4 = data.shop(TAN_TRIEU)
    data.assessment(s4, None, state=AssessmentState.DRAFT)
    s5 = data.shop(TAN_TRIEU, created="2026-04-01", state=ShopState.CLOSED)
    s5.closed_on = data.d("2026-06-15")
    data.assessment(s5, "2026-04-10", level=0, pillars=pillars(0, 0))
    s8 = data.shop(TAN_TRIEU)
    data.assessment(s8, "2026-03-02", state=AssessmentState.AWAITING_CONFIRMATION)
    s7 = data.shop(TRANG_DAI, created="2026-05-20")
    s6 = data.shop(TRANG_DAI, state=ShopState.MERGED, merged_into_id=s7.id)
    assert s6.id
    data.assessment(s7, "2026-02-15", level=2, pillars=pillars(50))
    sb = data.shop(TRANG_BOM)
    data.assessment(sb, "2026-03-01", level=5, pillars=pillars(90, 90), flags=pay)


def test_shops_assessed_levels_pillars_and_flags_in_march(world):
    march = Read("2026-03")
    # Registered and open on 31/3: s1, s2, s3, s4, s8 (s5 only from 1/4); assessed s1, s2, s3.
    assert march.value("shops_active", ward=TAN_TRIEU) == 5
    assert march.value("shops_assessed", ward=TAN_TRIEU) == 3
    assert march.value("shops_assessed_share", ward=TAN_TRIEU) == 60
    # Levels: s1 → 2, s2 → 1, s3 → 4: a third each.
    assert march.value("level_1_share", ward=TAN_TRIEU) == Fraction(100, 3)
    assert march.value("level_2_share", ward=TAN_TRIEU) == Fraction(100, 3)
    assert march.value("level_4_share", ward=TAN_TRIEU) == Fraction(100, 3)
    assert march.value("level_0_share", ward=TAN_TRIEU) == 0
    # Customer pillar: 10, 20, 25 → 55/3; the other pillars 50 each.
    assert march.value("pillar_customer_average", ward=TAN_TRIEU) == Fraction(55, 3)
    assert march.value("pillar_data_average", ward=TAN_TRIEU) == 50
    # Flags: payment s1, s3 (s2's flag is false); online presence and sales s3; e-invoice none.
    assert march.value("digital_payment_share", ward=TAN_TRIEU) == Fraction(200, 3)
    assert march.value("online_presence_share", ward=TAN_TRIEU) == Fraction(100, 3)
    assert march.value("online_sales_share", ward=TAN_TRIEU) == Fraction(100, 3)
    assert march.value("einvoice_share", ward=TAN_TRIEU) == 0


def test_the_latest_assessment_by_the_day_decides_and_closed_shops_leave(world):
    may = Read("2026-05")
    # 31/5: s5 is open (closed on 15/6) and assessed at level 0; s1's latest is of 10/5.
    assert may.value("shops_active", ward=TAN_TRIEU) == 6
    assert may.value("shops_assessed", ward=TAN_TRIEU) == 4
    assert may.value("level_3_share", ward=TAN_TRIEU) == 25
    assert may.value("level_2_share", ward=TAN_TRIEU) == 0
    assert may.value("level_0_share", ward=TAN_TRIEU) == 25
    # Customer: 30 + 20 + 25 + 0 = 75 over 4 shops.
    assert may.value("pillar_customer_average", ward=TAN_TRIEU) == Fraction(75, 4)
    assert may.value("digital_payment_share", ward=TAN_TRIEU) == 50
    assert may.value("einvoice_share", ward=TAN_TRIEU) == 25
    june = Read("2026-06")
    # 30/6: s5 closed on 15/6: back to 5 open shops, 3 assessed; customer (30 + 20 + 25) / 3.
    assert june.value("shops_active", ward=TAN_TRIEU) == 5
    assert june.value("shops_assessed", ward=TAN_TRIEU) == 3
    assert june.value("pillar_customer_average", ward=TAN_TRIEU) == 25
    assert june.value("einvoice_share", ward=TAN_TRIEU) == Fraction(100, 3)


def test_a_merged_shop_counts_once_where_it_was_kept_from_its_first_assessment(world):
    feb = Read("2026-02")
    # s7's row is of 20/5, but it holds s6's assessment of 15/2: registered and assessed in Feb;
    # s6 itself never counts.
    assert feb.value("shops_active", ward=TRANG_DAI) == 1
    assert feb.value("shops_assessed", ward=TRANG_DAI) == 1
    assert feb.value("level_2_share", ward=TRANG_DAI) == 100
    assert feb.value("pillar_customer_average", ward=TRANG_DAI) == 50
    assert Read("2026-01").value("shops_active", ward=TRANG_DAI) == 0


def test_groups_follow_the_type_on_the_periods_last_day(world):
    march, may = Read("2026-03"), Read("2026-05")
    # March: Trảng Bom is a xã → sb is rural; Tân Triều (3 assessed) and Trảng Dài (s7) urban.
    assert march.value("shops_assessed", group="rural") == 1
    assert march.value("shops_assessed", group="urban") == 4
    assert march.value("digital_payment_share", group="rural") == 100
    # May: sb is urban too: Tân Triều 4 + Trảng Dài 1 + Trảng Bom 1.
    assert may.value("shops_assessed", group="rural") == 0
    assert may.value("shops_assessed", group="urban") == 6
    # Province in May: payment s1, s3, sb of 6 assessed; customer 30+20+25+0+50+90 = 215.
    assert may.value("digital_payment_share") == 50
    assert may.value("pillar_customer_average") == Fraction(215, 6)


def test_wards_deployed_by_the_criterion_as_of_past_days(world):
    data.set_criterion(3)
    # Tân Triều's third assessed shop was s3, on 20/3.
    assert Read("2026-02").value("wards_deployed") == 0
    march = Read("2026-03")
    assert march.value("wards_deployed", ward=TAN_TRIEU) == 1
    assert march.value("wards_deployed") == 1
    # With a share of 60 %: on 20/3 3 of 5 registered shops → 60 % holds.
    data.set_criterion(3, "60")
    assert Read("2026-03").value("wards_deployed") == 1
    # With 70 %: 3/5 on 20/3, then 4/6 on 10/4 (s5) → never.
    data.set_criterion(3, "70")
    assert Read("2026-05").value("wards_deployed") == 0
    # One shop: Trảng Dài from 15/2 (s7's moved assessment), Tân Triều from 10/2, Trảng Bom 1/3.
    data.set_criterion(1)
    feb = Read("2026-02")
    assert feb.value("wards_deployed", ward=TRANG_DAI) == 1
    assert feb.value("wards_deployed") == 2
    assert Read("2026-03").value("wards_deployed") == 3


def test_wards_deployed_now_agrees_with_the_roll_out_page(world):
    from retail.rollout import services as rollout

    for rule in ((1, None), (3, None), (3, "60"), (4, None)):
        data.set_criterion(*rule)
        deployed = sum(1 for p in rollout.all_wards_progress() if p.state.value == "deployed")
        assert Read("2026-12").value("wards_deployed") == deployed


def test_wards_started_per_phase(world):
    data.set_phase(TAN_TRIEU, RolloutPhase.PILOT_2026, "2026-03-15")
    data.set_phase(TRANG_DAI, RolloutPhase.EXTENSION_2030, "2026-07-01")
    data.set_criterion(1)
    feb, march, july = Read("2026-02"), Read("2026-03"), Read("2026-07")
    assert feb.value("wards_started") == 0
    assert march.value("wards_started") == 1
    assert march.value("wards_started", phase="pilot_2026") == 1
    assert march.value("wards_started", phase="extension_2030") == 0
    assert july.value("wards_started") == 2
    assert july.value("wards_started", phase="extension_2030") == 1
    # Trảng Bom is not planned but its shop met the criterion: deployed counts it there.
    assert july.value("wards_deployed", phase="not_planned") == 1
    assert july.value("wards_deployed", phase="pilot_2026") == 1
    assert july.measure("wards_total", Scope.PHASE, "not_planned") == 93
    assert july.measure("wards_total") == 95
