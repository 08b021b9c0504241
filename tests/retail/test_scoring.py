"""Scoring against examples worked out by hand (the arithmetic is in the comments).

The rule is the framework's `scoring` text: a pillar scores sum(points) / sum(max points) × 100,
the total is the weighted mean of the pillar scores (weights sum to 100), and the level is the
highest whose `min` the total reaches. The levels used here are the seed's: 0 from 0, 1 from 10,
2 from 30, 3 from 50, 4 from 70, 5 from 85.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from retail.assessments import scoring
from tests.conftest import shared_path

LEVELS = [
    {"level": n, "min": low, "name": {"vi": f"Mức {n}"}}
    for n, low in enumerate((0, 10, 30, 50, 70, 85))
]


def question(key: str, points: list, flag: str | None = None) -> dict:
    """A question whose option values are 0, 1, 2… and whose points are `points`."""
    options = [
        {"value": value, "points": p, "label": {"vi": f"Phương án {value}"}}
        for value, p in enumerate(points)
    ]
    return {"key": key, "text": {"vi": key}, "options": options} | ({"flag": flag} if flag else {})


def framework(*pillars: tuple[str, float, list[dict]]) -> dict:
    return {
        "key": "test",
        "name": {"vi": "Thử"},
        "levels": LEVELS,
        "pillars": [
            {"key": key, "weight": weight, "name": {"vi": key}, "questions": questions}
            for key, weight, questions in pillars
        ],
    }


def naive_total(document: dict, answers: dict) -> float:
    """What float code would compute: the same formula in binary floating point."""
    weighted = weights = 0.0
    for pillar in document["pillars"]:
        got = best = 0.0
        for q in pillar["questions"]:
            points = {o["value"]: o["points"] for o in q["options"]}
            best += max(points.values())
            got += points.get(answers.get(q["key"]), 0) if q["key"] in answers else 0
        weighted += got / best * 100 * pillar["weight"]
        weights += pillar["weight"]
    return weighted / weights


def naive_level(total: float) -> int:
    return max(lv["level"] for lv in LEVELS if total >= lv["min"])


@pytest.fixture(scope="module")
def v1() -> dict:
    return json.loads(shared_path("data", "assessment", "retail_dx_v1.json").read_text("utf-8"))


def answers_at(v1: dict, best_in: set[str]) -> dict:
    """Every question answered: its best option in the pillars `best_in`, value 0 elsewhere."""
    chosen = {}
    for pillar, q in scoring.questions(v1):
        top = max(q["options"], key=lambda o: o["points"])
        chosen[q["key"]] = top["value"] if pillar["key"] in best_in else 0
    return chosen


def test_a_total_of_exactly_50_is_level_3(v1):
    # Best answers in customer (weight 25), strategy (10) and infrastructure (15): each 100;
    # operations, skills, data all answered 0: each 0.
    # total = (100×25 + 100×10 + 100×15 + 0 + 0 + 0) / 100 = 5000 / 100 = 50 → level 3 (min 50)
    result = scoring.score(v1, answers_at(v1, {"customer", "strategy", "infrastructure"}))
    assert result.total == 50
    assert result.level == 3
    assert result.complete


def test_a_total_of_exactly_85_is_level_5(v1):
    # Everything best except skills (weight 15, all 0):
    # total = (100×25 + 100×10 + 100×15 + 100×25 + 0×15 + 100×10) / 100 = 8500 / 100 = 85
    chosen = answers_at(v1, {"customer", "strategy", "infrastructure", "operations", "data"})
    result = scoring.score(v1, chosen)
    assert result.total == 85
    assert result.level == 5


def test_a_mixed_answer_set_of_the_seed(v1):
    chosen = {
        # customer, max 4+3+3+3+2 = 15: got 2+1+1+0+1 = 5 → 5/15×100 = 100/3
        "cashless_methods": 2,
        "cashless_share": 1,
        "online_presence": 1,
        "online_sales": 0,
        "origin_info": 1,
        # strategy, max 2+2 = 4: got 1+0 = 1 → 25
        "plan": 1,
        "spending": 0,
        # infrastructure, max 2+3+3 = 8: got 2+1+1 = 4 → 50
        "internet": 2,
        "devices": 1,
        "sales_software": 1,
        # operations, max 2+3+2+2 = 9: got 1+1+0+1 = 3 → 100/3
        "einvoice": 1,
        "inventory": 1,
        "suppliers": 0,
        "tax_online": 1,
        # skills, max 2+2+1+2+1 = 8: got 1+1+0+1+1 = 4 → 50
        "owner_skills": 1,
        "vneid": 1,
        "digital_signature": 0,
        "cyber_safety": 1,
        "training": 1,
        # data, max 2+2+2 = 6: got 0+1+0 = 1 → 50/3
        "customer_data": 0,
        "reports": 1,
        "backup": 0,
    }
    result = scoring.score(v1, chosen)
    assert result.pillars == {
        "customer": Fraction(100, 3),
        "strategy": 25,
        "infrastructure": 50,
        "operations": Fraction(100, 3),
        "skills": 50,
        "data": Fraction(50, 3),
    }
    # (100/3×25 + 25×10 + 50×15 + 100/3×25 + 50×15 + 50/3×10) / 100
    # = (2500/3 + 250 + 750 + 2500/3 + 750 + 500/3) / 100 = (5500/3 + 5250/3) / 100 = 215/6
    assert result.total == Fraction(215, 6)  # 35.83… → level 2 (min 30; level 3 needs 50)
    assert result.level == 2
    assert result.complete
    assert result.flags == {
        "takes_digital_payment": True,  # cashless_methods 2 >= 2
        "online_presence": True,  # 1 >= 1
        "sells_online": False,  # online_sales 0 < 2
        "uses_einvoice": True,  # einvoice 1 >= 1
    }


def test_an_incomplete_answer_set_scores_the_unanswered_as_zero(v1):
    # customer: cashless_methods best (4 of 15) → 80/3; infrastructure: internet best
    # (2 of 8) → 25; every other question unanswered scores 0 while its maximum still counts.
    # total = (80/3×25 + 25×15) / 100 = (2000/3 + 1125/3) / 100 = 125/12 = 10.41… → level 1
    result = scoring.score(v1, {"cashless_methods": 4, "internet": 2})
    assert not result.complete
    assert result.pillars["customer"] == Fraction(80, 3)
    assert result.pillars["infrastructure"] == 25
    assert result.pillars["strategy"] == 0
    assert result.total == Fraction(125, 12)
    assert result.level == 1
    # unanswered flag questions are false
    assert result.flags == {
        "takes_digital_payment": True,
        "online_presence": False,
        "sells_online": False,
        "uses_einvoice": False,
    }


def test_no_answers_at_all_is_level_0_and_incomplete(v1):
    result = scoring.score(v1, {})
    assert result.total == 0 and result.level == 0 and not result.complete
    assert not any(result.flags.values())


@pytest.mark.parametrize(
    ("question_key", "value", "flag", "expected"),
    [
        ("cashless_methods", 2, "takes_digital_payment", True),  # at the threshold (>=2)
        ("cashless_methods", 1, "takes_digital_payment", False),  # one below
        ("online_sales", 2, "sells_online", True),
        ("online_sales", 1, "sells_online", False),
        ("einvoice", 1, "uses_einvoice", True),
        ("einvoice", 0, "uses_einvoice", False),
        ("online_presence", 1, "online_presence", True),
        ("online_presence", 0, "online_presence", False),
    ],
)
def test_flags_at_their_thresholds(v1, question_key, value, flag, expected):
    assert scoring.score(v1, {question_key: value}).flags[flag] is expected


def test_exactly_50_stays_level_3_where_float_arithmetic_says_level_2():
    # Pillar a (weight 25): answered 0 of 1 → 0. Pillar b (weight 75): 2 of 3 points → 200/3.
    # total = (0×25 + 200/3×75) / 100 = 5000/100 = 50 exactly → level 3.
    document = framework(
        ("a", 25, [question("qa", [0, 1])]), ("b", 75, [question("qb", [0, 1, 2, 3])])
    )
    answers = {"qa": 0, "qb": 2}
    # In floats, 2/3×100 is 66.66666666666667 and the weighted mean comes out below 50.
    assert naive_total(document, answers) < 50
    assert naive_level(naive_total(document, answers)) == 2
    result = scoring.score(document, answers)
    assert result.total == 50
    assert result.level == 3


def test_decimal_points_are_exact_where_their_float_sum_falls_below_50():
    # Best points 0.7, 0.1 and 0.8 (max 1.6); answered 0.7 + 0.1 = 0.8 → 0.8/1.6×100 = 50.
    # As floats, 0.7 + 0.1 is 0.7999999999999999, so the float total is 49.99999999999999.
    document = framework(
        (
            "a",
            100,
            [question("q1", [0, 0.7]), question("q2", [0, 0.1]), question("q3", [0, 0.8])],
        )
    )
    answers = {"q1": 1, "q2": 1, "q3": 0}
    assert naive_level(naive_total(document, answers)) == 2
    result = scoring.score(document, answers)
    assert result.total == 50
    assert result.level == 3


def test_decimal_weights_keep_the_total_exact():
    # Weights 17.7, 11.9, 34.7, 35.7 (their floats sum to 100.00000000000001, exactly 100 as
    # written). Pillars a and c at 100, b and d at 0: total = (17.7 + 34.7) × 100 / 100 = 52.4.
    document = framework(
        ("a", 17.7, [question("qa", [0, 1])]),
        ("b", 11.9, [question("qb", [0, 1])]),
        ("c", 34.7, [question("qc", [0, 1])]),
        ("d", 35.7, [question("qd", [0, 1])]),
    )
    result = scoring.score(document, {"qa": 1, "qb": 0, "qc": 1, "qd": 0})
    assert isinstance(result.total, Fraction)
    assert result.total == Fraction(524, 10)
    assert result.level == 3


def test_just_below_50_is_level_2():
    # One question worth 0, 14999 or 30000 points: 14999/30000×100 = 49.99666… → level 2.
    document = framework(("a", 100, [question("q", [0, 14999, 30000])]))
    result = scoring.score(document, {"q": 1})
    assert result.total == Fraction(14999, 300)
    assert result.total < 50
    assert result.level == 2


@pytest.mark.parametrize(
    ("got", "level"),
    [(0, 0), (1, 0), (2, 1), (6, 2), (10, 3), (14, 4), (17, 5), (20, 5)],
)
def test_each_threshold_is_reached_exactly(got, level):
    # One question of 20 points: got/20×100 = 5 × got → 0, 5, 10, 30, 50, 70, 85, 100.
    document = framework(("a", 100, [question("q", list(range(21)))]))
    result = scoring.score(document, {"q": got})
    assert result.total == 5 * got
    assert result.level == level


def test_a_flag_on_two_questions_is_true_when_either_reaches_it():
    document = framework(
        ("a", 100, [question("q1", [0, 1, 2], "online>=2"), question("q2", [0, 1], "online>=1")])
    )
    assert scoring.score(document, {"q1": 1, "q2": 0}).flags == {"online": False}
    assert scoring.score(document, {"q1": 1, "q2": 1}).flags == {"online": True}


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"nope": 1}, "unknown question 'nope'"),
        ({"cashless_methods": 9}, "cashless_methods: 9 is not one of the options (0, 1, 2, 3, 4)"),
        ({"internet": "2"}, "internet: '2' is not one of the options (0, 1, 2)"),
        ({"internet": True}, "internet: True is not one of the options (0, 1, 2)"),
        ({"internet": [1]}, "internet: [1] is not one of the options (0, 1, 2)"),
        ({"internet": None}, "internet: None is not one of the options (0, 1, 2)"),
    ],
)
def test_bad_answers_are_refused_with_the_reason(v1, answers, problem):
    with pytest.raises(scoring.InvalidAnswers) as caught:
        scoring.score(v1, answers)
    assert caught.value.problems == [problem]


def test_as_json_is_the_cli_shape_unrounded(v1):
    result = scoring.score(v1, {"cashless_methods": 2})
    shape = result.as_json()
    assert set(shape) == {"complete", "pillars", "total", "level", "flags"}
    # customer 2/15 × 100 = 40/3; total 40/3 × 25 / 100 = 10/3
    assert shape["pillars"]["customer"] == 40 / 3
    assert shape["total"] == 10 / 3
    assert json.loads(json.dumps(shape)) == shape
