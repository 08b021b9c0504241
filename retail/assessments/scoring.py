"""Scoring an assessment: one pure function, exact at every threshold.

The framework's `scoring` text is the rule: each pillar scores sum(points) / sum(max points) × 100;
the total is the weighted mean of the pillar scores (weights sum to 100); the level is the highest
whose `min` the total reaches. Every step is a `Fraction`, so a total of exactly 50 is level 3 and
no floating-point error can move a shop across a threshold; callers round only to show a number.

Points, weights and level minimums may be decimals ("weight": 12.5): each is read as the decimal
it is written as (`exact`), never as the binary float JSON parsing gives, so 0.1 + 0.2 is 0.3.

An unanswered question scores 0 points (its maximum still counts), and the result says the answer
set is incomplete. A flag (`"takes_digital_payment>=2"` on a question) is true when that question's
answer value is at least the number; unanswered, it is false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

FLAG_RULE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)>=(?P<min>-?\d+)$")


class InvalidAnswers(ValueError):
    """An answer names an unknown question or a value that is not one of its options."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Score:
    complete: bool
    pillars: dict[str, Fraction]  # pillar key → 0..100
    total: Fraction  # 0..100
    level: int
    flags: dict[str, bool]

    def as_json(self) -> dict:
        """The CLI's and the API's shape: numbers unrounded (as floats), level and flags."""
        return {
            "complete": self.complete,
            "pillars": {key: float(value) for key, value in self.pillars.items()},
            "total": float(self.total),
            "level": self.level,
            "flags": dict(self.flags),
        }


def exact(number: int | float) -> Fraction:
    """A JSON number as the decimal it is written as: 12.5 → 25/2, 0.1 → 1/10 (not 0.1000…0555)."""
    return Fraction(number) if isinstance(number, int) else Fraction(str(number))


def parse_flag(rule: str) -> tuple[str, int] | None:
    """`"sells_online>=2"` → ("sells_online", 2); None when the rule is not of that form."""
    match = FLAG_RULE.match(rule.strip())
    return (match["name"], int(match["min"])) if match else None


def questions(document: dict):
    """(pillar, question) pairs in the framework's order."""
    for pillar in document["pillars"]:
        for question in pillar["questions"]:
            yield pillar, question


def _is_number(value) -> bool:
    """JSON numbers only: not true/false, and not lists or objects (which no set can hold)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_answers(document: dict, answers: dict) -> None:
    """Refuse answers to unknown questions or with values that are not options."""
    known = {q["key"]: {o["value"] for o in q["options"]} for _, q in questions(document)}
    problems = []
    for key, value in answers.items():
        if key not in known:
            problems.append(f"unknown question {key!r}")
        elif not _is_number(value) or value not in known[key]:
            allowed = ", ".join(str(v) for v in sorted(known[key]))
            problems.append(f"{key}: {value!r} is not one of the options ({allowed})")
    if problems:
        raise InvalidAnswers(problems)


def level_for(document: dict, total: Fraction) -> int:
    """The highest level whose minimum the total reaches (levels start at 0)."""
    reached = [lv["level"] for lv in document["levels"] if total >= exact(lv["min"])]
    return max(reached) if reached else 0


def score(document: dict, answers: dict) -> Score:
    """Score `answers` ({question key: option value}) against a framework document."""
    check_answers(document, answers)
    pillars: dict[str, Fraction] = {}
    weighted = weights = Fraction(0)
    for pillar in document["pillars"]:
        got = best = Fraction(0)
        for question in pillar["questions"]:
            points = {o["value"]: exact(o["points"]) for o in question["options"]}
            best += max(points.values())
            if question["key"] in answers:
                got += points[answers[question["key"]]]
        pillar_score = got * 100 / best if best else Fraction(0)
        pillars[pillar["key"]] = pillar_score
        weight = exact(pillar["weight"])
        weighted += pillar_score * weight
        weights += weight
    total = weighted / weights if weights else Fraction(0)
    flags = {}
    for _, question in questions(document):
        rule = parse_flag(question["flag"]) if question.get("flag") else None
        if rule:
            name, minimum = rule
            value = answers.get(question["key"])
            flags[name] = flags.get(name, False) or (value is not None and value >= minimum)
    complete = all(q["key"] in answers for _, q in questions(document))
    return Score(complete, pillars, total, level_for(document, total), flags)
