"""The three most useful next steps, by hand-worked examples.

A step's worth is the gain in total score of moving its question to the best answer:
points gained × pillar weight ÷ the pillar's maximum points (weights sum to 100).
"""

from __future__ import annotations

from fractions import Fraction

from retail.assessments.advice import candidates, next_steps
from retail.assessments.scoring import score


def option(value, points, vi=None, en=None):
    entry = {"value": value, "points": points, "label": {"vi": f"lựa chọn {value}"}}
    if vi:
        entry["advice"] = {"vi": vi, **({"en": en} if en else {})}
    return entry


def framework(weight_a: int, weight_b: int, a_questions: list, b_questions: list) -> dict:
    return {
        "key": "t",
        "version": 1,
        "name": {"vi": "t"},
        "levels": [{"level": 0, "min": 0, "name": {"vi": "0"}}],
        "pillars": [
            {"key": "a", "weight": weight_a, "name": {"vi": "A"}, "questions": a_questions},
            {"key": "b", "weight": weight_b, "name": {"vi": "B"}, "questions": b_questions},
        ],
    }


def question(key, *options):
    return {"key": key, "text": {"vi": key}, "options": list(options)}


# Pillar A (weight 60): q1 points 0/1/3, q2 points 0/2 → max 5.
# Pillar B (weight 40): q3 points 0/1/2/4 → max 4.
DOC = framework(
    60,
    40,
    [
        question("q1", option(0, 0, "q1 từ 0", "q1 from 0"), option(1, 1, "q1 từ 1"), option(2, 3)),
        question("q2", option(0, 0, "q2 từ 0"), option(1, 2, "q2 đã tốt nhất")),
    ],
    [
        question(
            "q3", option(0, 0, "q3 từ 0"), option(1, 1, "q3 từ 1"), option(2, 2), option(3, 4)
        ),
    ],
)


def test_ranked_by_the_gain_in_total_score():
    answers = {"q1": 0, "q2": 0, "q3": 1}
    # q1: 0 → 3 points: 3 × 60 / 5 = 36.   q2: 0 → 2: 2 × 60 / 5 = 24.   q3: 1 → 4: 3 × 40 / 4 = 30.
    steps = next_steps(DOC, answers)
    assert [(s.question, s.gain) for s in steps] == [("q1", 36), ("q3", 30), ("q2", 24)]
    assert [s.text for s in steps] == ["q1 từ 0", "q3 từ 1", "q2 từ 0"]
    assert [s.pillar for s in steps] == ["a", "b", "a"]


def test_the_gain_is_what_the_total_score_would_gain():
    answers = {"q1": 1, "q2": 0, "q3": 0}
    before = score(DOC, answers).total
    for step in candidates(DOC, answers):
        best = max(DOC_OPTIONS[step.question], key=lambda o: o["points"])["value"]
        after = score(DOC, {**answers, step.question: best}).total
        assert step.gain == after - before, step


DOC_OPTIONS = {q["key"]: q["options"] for p in DOC["pillars"] for q in p["questions"]}


def test_only_three_steps_by_default_and_the_limit_can_change():
    answers = {"q1": 0, "q2": 0, "q3": 0}
    # q3: 0 → 4 points: 4 × 40 / 4 = 40.   q1: 3 × 60 / 5 = 36.   q2: 2 × 60 / 5 = 24.
    assert [(s.question, s.gain) for s in next_steps(DOC, answers)] == [
        ("q3", 40),
        ("q1", 36),
        ("q2", 24),
    ]
    assert [s.question for s in next_steps(DOC, answers, limit=1)] == ["q3"]
    # Four candidates (q1 from 0 and from 1 cannot both apply: one answer per question).
    assert len(candidates(DOC, answers)) == 3


def test_ties_keep_the_framework_order():
    # Weights 50/50. Pillar A: q1 points 0/1/2, q2 points 0/2 → max 4. Pillar B: q3 0/1/2 → max 2.
    doc = framework(
        50,
        50,
        [
            question("q1", option(0, 0), option(1, 1, "q1"), option(2, 2)),
            question("q2", option(0, 0, "q2"), option(1, 2)),
        ],
        [question("q3", option(0, 0), option(1, 1, "q3"), option(2, 2))],
    )
    # q1: 1 × 50 / 4 = 12.5.   q2: 2 × 50 / 4 = 25.   q3: 1 × 50 / 2 = 25 (ties with q2).
    steps = next_steps(doc, {"q1": 1, "q2": 0, "q3": 1})
    assert [(s.question, s.gain) for s in steps] == [
        ("q2", 25),
        ("q3", 25),
        ("q1", Fraction(25, 2)),
    ]
    # The same tie with the pillars' questions read in the other order follows that order.
    doc["pillars"].reverse()
    assert [s.question for s in next_steps(doc, {"q1": 1, "q2": 0, "q3": 1})][:2] == ["q3", "q2"]


def test_no_step_for_best_answers_unanswered_questions_or_options_without_advice():
    # q2 at its best (its advice would gain nothing), q3 unanswered, q1 at 2 (no advice there).
    assert next_steps(DOC, {"q1": 2, "q2": 1}) == []


def test_advice_in_english_falls_back_to_vietnamese():
    steps = next_steps(DOC, {"q1": 0, "q2": 0}, lang="en")
    assert [s.text for s in steps] == ["q1 from 0", "q2 từ 0"]


def test_decimal_points_and_weights_rank_exactly():
    """A published framework may use decimal points and weights (12.5); the gain stays exact."""
    document = {
        "pillars": [
            {
                "key": "a",
                "weight": 37.5,
                "questions": [
                    {
                        "key": "q1",
                        "options": [
                            {"value": 0, "points": 0, "advice": {"vi": "Làm A"}},
                            {"value": 1, "points": 0.5},
                        ],
                    }
                ],
            },
            {
                "key": "b",
                "weight": 62.5,
                "questions": [
                    {
                        "key": "q2",
                        "options": [
                            {"value": 0, "points": 0.1, "advice": {"vi": "Làm B"}},
                            {"value": 1, "points": 0.3},
                        ],
                    }
                ],
            },
        ]
    }
    # q1: (0.5 - 0) / 0.5 × 100 × 37.5 / 100 = 37.5; q2: (0.3 - 0.1) / 0.3 × 100 × 62.5 / 100
    # = 125/3 ≈ 41.67, so B comes first.
    steps = next_steps(document, {"q1": 0, "q2": 0})
    assert [s.question for s in steps] == ["q2", "q1"]
    assert steps[0].gain == Fraction(125, 3)
    assert steps[1].gain == Fraction(75, 2)
