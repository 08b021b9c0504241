"""Choosing the next steps to show a shop owner: the advice that would raise the total most.

Pure functions of a framework document and an answer set. Each answered option may carry an
`advice` text ({"vi": …, "en": …}): the step that moves the shop on from that answer. A step's
worth is what the total score would gain if the question moved from the shop's answer to its best
answer: the points gained, as a share of the pillar's maximum, times the pillar's weight
(gain × 100 / max × weight / Σ weights; weights sum to 100, so that is gain × weight / max).
Exact fractions, so equal gains tie exactly and the framework's order decides between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from retail.assessments.scoring import exact, questions


@dataclass(frozen=True)
class NextStep:
    pillar: str  # pillar key
    question: str  # question key
    text: str  # the advice, in the reader's language
    gain: Fraction  # what the total score (0–100) would gain


def localized(texts: dict | None, lang: str) -> str:
    """The text in `lang`, else the Vietnamese one (a framework must have every text in vi)."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get("vi", "")


def _pillar_maxima(document: dict) -> dict[str, int]:
    return {
        pillar["key"]: sum(
            max(exact(o["points"]) for o in q["options"]) for q in pillar["questions"]
        )
        for pillar in document["pillars"]
    }


def candidates(document: dict, answers: dict, lang: str = "vi") -> list[NextStep]:
    """Every answered option that has advice and leaves points to gain, in the framework's order."""
    maxima = _pillar_maxima(document)
    weights = sum(exact(pillar["weight"]) for pillar in document["pillars"]) or 1
    found = []
    for pillar, question in questions(document):
        if question["key"] not in answers:
            continue
        by_value = {o["value"]: o for o in question["options"]}
        chosen = by_value.get(answers[question["key"]])
        if chosen is None or not chosen.get("advice"):
            continue
        best = max(exact(o["points"]) for o in question["options"])
        gained = best - exact(chosen["points"])
        if gained <= 0 or not maxima[pillar["key"]]:
            continue  # already the best answer: nothing to move on to
        gain = gained * 100 * exact(pillar["weight"]) / (maxima[pillar["key"]] * weights)
        found.append(
            NextStep(pillar["key"], question["key"], localized(chosen["advice"], lang), gain)
        )
    return found


def next_steps(document: dict, answers: dict, lang: str = "vi", limit: int = 3) -> list[NextStep]:
    """The `limit` most useful steps: largest gain first, ties in the framework's order."""
    ranked = sorted(
        enumerate(candidates(document, answers, lang)), key=lambda p: (-p[1].gain, p[0])
    )
    return [step for _, step in ranked[:limit]]
