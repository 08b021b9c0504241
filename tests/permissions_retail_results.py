"""Permission-table rows for the results and self-assessment link routes (part E).

Format: tests/retail/test_retail_permissions.py.

Placeholders from `setup(world)`: {results_assessment} a submitted assessment of the world's shop,
{results_link} a result link of it, {results_token} that link's raw token, {results_self_token}
the raw token of an unused self-assessment link, {results_awaiting} a self-assessment the owner
sent, waiting for confirmation. The public pages take any role ("*"); an empty POST to the
self-assessment form shows the form again with its errors (200).

`submitted_assessment` and `all_answers` are also what the results tests build their rows with.
"""

from __future__ import annotations

import datetime as dt

from core.db import utcnow
from core.extensions import db

PUBLIC = {"*": 200}
_READ = {"anon": 302, "producer": 403, "officer_b": 404, "*": 200}  # also POSTs that show a page
_ACT = {"anon": 302, "producer": 403, "officer_b": 404, "*": 302}

PAGES: list = [
    ("GET", "/retail/assessments/{results_assessment}/result", _READ),
    ("POST", "/retail/assessments/{results_assessment}/links", _READ),  # the new link, shown once
    ("GET", "/retail/links/{results_link}/revoke", _READ),  # asks first
    ("POST", "/retail/links/{results_link}/revoke", _ACT),
    ("GET", "/retail/shops/{shop}/self-link", _READ),
    ("POST", "/retail/shops/{shop}/self-link", _READ),  # the new link, shown once
    ("GET", "/retail/assessments/{results_awaiting}/confirm", _READ),
    ("POST", "/retail/assessments/{results_awaiting}/confirm", _ACT),
    ("POST", "/retail/assessments/{results_awaiting}/discard", _ACT),
    ("GET", "/r/{results_token}", PUBLIC),
    ("GET", "/s/{results_self_token}", PUBLIC),
    ("POST", "/s/{results_self_token}", PUBLIC),
]
APIS: list = []  # (method, url, json body or None, {role: status})


def all_answers(document: dict, pick=max) -> dict:
    """An answer to every question: `pick` chooses among each question's option values."""
    from retail.assessments.scoring import questions

    return {q["key"]: pick([o["value"] for o in q["options"]]) for _, q in questions(document)}


def submitted_assessment(shop, actor, answers: dict | None = None, *, framework=None, when=None):
    """A submitted assessment of `shop` scored by `record_score`, as a submission stores it."""
    from retail.assessments import frameworks
    from retail.assessments.models import Assessment, AssessmentState
    from retail.assessments.services import record_score

    framework = framework or frameworks.seed_default()
    when = when or utcnow()
    assessment = Assessment(
        shop_id=shop.id,
        framework=framework,
        assessor_id=actor.id,
        state=AssessmentState.SUBMITTED,
        answers=answers if answers is not None else all_answers(framework.document, pick=min),
        step=len(framework.document["pillars"]),
        submitted_at=when,
        assessed_on=(when + dt.timedelta(hours=7)).date(),
    )
    record_score(assessment)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def setup(world) -> dict:
    from retail.assessments import frameworks, links

    officer = world.users["officer"]
    framework = frameworks.seed_default()
    middle = all_answers(framework.document, pick=lambda values: sorted(values)[1])
    assessment = submitted_assessment(world.shop, officer, middle, framework=framework)
    link, token = links.create_result_link(assessment, officer)
    _used, used_token = links.create_self_link(world.shop, officer)
    awaiting = links.send_self_assessment(
        links.find(used_token, _used.purpose), framework, all_answers(framework.document)
    )
    _fresh, self_token = links.create_self_link(world.shop, officer)
    return {
        "results_assessment": assessment.id,
        "results_link": link.id,
        "results_token": token,
        "results_self_token": self_token,
        "results_awaiting": awaiting.id,
    }
