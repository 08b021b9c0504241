"""Operations on assessments: drafts saved step by step, submission, verification, history.

Services take parsed values and the acting user, check the domain rules, write the audit log,
flush and never commit (pages use `core.pages.act`). Callers load the assessment or shop through
`core.access.get_in_ward`, so officers of other wards and producers never reach these; `verify`
checks the ward again because it is the one decision that is not the same for every reader.

Steps are numbered from 1, one per pillar in the framework's order; `Assessment.step` is 0 until
a step is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access, audit
from core.accounts.models import User
from core.dates import add_months
from core.db import province_today, utcnow
from core.errors import Conflict, FieldErrors, Forbidden, ValidationFailed
from core.extensions import db
from retail.assessments import frameworks, scoring
from retail.assessments.models import Assessment, AssessmentOrigin, AssessmentState
from retail.shops.models import Shop, ShopState

# A shop has "completed the assessment" when it has one of these.
DONE_STATES = (AssessmentState.SUBMITTED, AssessmentState.VERIFIED)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def record_score(assessment: Assessment) -> scoring.Score:
    """Score the assessment's answers with its framework version and store the result."""
    result = scoring.score(assessment.framework.document, assessment.answers or {})
    assessment.pillar_scores = {key: float(value) for key, value in result.pillars.items()}
    assessment.total = float(result.total)
    assessment.level = result.level  # decided on exact fractions, never on the floats above
    assessment.flags = dict(result.flags)
    return result


def in_locale(texts: dict | str | None) -> str:
    """A framework text ({"vi": …, "en": …}) in the reader's language, Vietnamese otherwise."""
    if not isinstance(texts, dict):
        return texts or ""
    language = str(get_locale() or "vi").split("_")[0]
    return texts.get(language) or texts.get("vi") or ""


def pillars(assessment: Assessment) -> list[dict]:
    """The pillars of the assessment's framework version, in order (step n is pillars[n - 1])."""
    return assessment.framework.document["pillars"]


def step_count(assessment: Assessment) -> int:
    return len(pillars(assessment))


def unanswered(assessment: Assessment) -> dict[str, list[dict]]:
    """{pillar key: [question, …]} of the questions not answered yet (pillars in order)."""
    answers = assessment.answers or {}
    missing: dict[str, list[dict]] = {}
    for pillar in pillars(assessment):
        left = [q for q in pillar["questions"] if q["key"] not in answers]
        if left:
            missing[pillar["key"]] = left
    return missing


def first_open_step(assessment: Assessment) -> int | None:
    """The first step with an unanswered question; None when every question is answered."""
    missing = unanswered(assessment)
    for number, pillar in enumerate(pillars(assessment), start=1):
        if pillar["key"] in missing:
            return number
    return None


def open_draft(shop: Shop) -> Assessment | None:
    """The shop's open officer draft, if any (there is at most one)."""
    stmt = select(Assessment).where(
        Assessment.shop_id == shop.id,
        Assessment.origin == AssessmentOrigin.OFFICER,
        Assessment.state == AssessmentState.DRAFT,
    )
    return db.session.scalars(stmt.order_by(Assessment.id).limit(1)).first()


def _lock(shop: Shop) -> None:
    """Serialise drafts of one shop (PostgreSQL row lock; SQLite writers are serial already)."""
    db.session.execute(select(Shop.id).where(Shop.id == shop.id).with_for_update())


def _require_assessable(shop: Shop) -> None:
    if shop.state is not ShopState.ACTIVE:
        raise Conflict(
            _l("This shop is closed or merged: reopen it, or assess the shop it was merged into.")
        )


def _new_draft(shop: Shop, framework, actor: User, answers=None, **values) -> Assessment:
    assessment = Assessment(
        shop_id=shop.id,
        framework_id=framework.id,
        origin=AssessmentOrigin.OFFICER,
        assessor_id=actor.id,
        state=AssessmentState.DRAFT,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        answers=dict(answers or {}),
        **values,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment


def start(shop: Shop, actor: User) -> Assessment:
    """A draft with the current framework version; the shop's open draft if it has one."""
    access.require_retail_role(actor)
    _require_assessable(shop)
    _lock(shop)
    existing = open_draft(shop)
    if existing is not None:
        return existing
    framework = frameworks.current()
    if framework is None:
        raise Conflict(
            _l("No assessment questionnaire is published yet: ask the Department to publish one.")
        )
    assessment = _new_draft(shop, framework, actor)
    audit.record(actor, "assessment.start", assessment, shop=shop.id, version=framework.version)
    return assessment


def require_draft(assessment: Assessment) -> None:
    if assessment.state is not AssessmentState.DRAFT:
        raise Conflict(
            _l(
                "This assessment has been submitted and can no longer change: "
                "make a correction instead."
            )
        )


def _check_step(assessment: Assessment, step: int | None, answers: dict) -> None:
    """The step exists and the answers are its pillar's (any pillar's when no step is given)."""
    errors = FieldErrors()
    steps = step_count(assessment)
    if step is not None and not 1 <= step <= steps:
        errors.add("step", _l("There are %(n)d steps: choose a step from 1 to %(n)d.", n=steps))
    errors.raise_if_any()
    if step is not None:
        own = {q["key"] for q in pillars(assessment)[step - 1]["questions"]}
        strays = sorted(set(answers) - own)
        if strays:
            errors.add(
                "answers",
                _l(
                    "These questions are not in step %(step)d: %(keys)s. Send each answer "
                    "with its own step.",
                    step=step,
                    keys=", ".join(strays),
                ),
            )
    errors.raise_if_any()
    given = {key: value for key, value in answers.items() if value is not None}
    try:
        scoring.check_answers(assessment.framework.document, given)
    except scoring.InvalidAnswers as exc:
        raise ValidationFailed(
            {
                "answers": [
                    _l(
                        "Choose one of the offered answers (%(problems)s).",
                        problems="; ".join(exc.problems),
                    )
                ]
            }
        ) from exc


def save_step(assessment: Assessment, step: int | None, answers: dict, actor: User) -> Assessment:
    """Merge a step's answers into the draft ({question key: option value}; None clears one).

    Idempotent: replaying the same save (a phone sending its queued steps again) changes
    nothing. Without a step (the API), answers may be of any pillar and the step is kept.
    """
    require_draft(assessment)
    _check_step(assessment, step, answers)
    merged = dict(assessment.answers or {})
    for key, value in answers.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    new_step = assessment.step if step is None else step
    if merged != (assessment.answers or {}) or new_step != assessment.step:
        assessment.answers = merged  # a new dict: the JSON column sees the change
        assessment.step = new_step
        assessment.updated_by_id = actor.id
        db.session.flush()
    return assessment


def _unanswered_errors(assessment: Assessment) -> dict[str, list]:
    errors = FieldErrors()
    names = {p["key"]: in_locale(p["name"]) for p in pillars(assessment)}
    for pillar_key, left in unanswered(assessment).items():
        errors.add(
            pillar_key,
            _l(
                "Answer every question of “%(pillar)s” before submitting: %(questions)s",
                pillar=names[pillar_key],
                questions="; ".join(in_locale(q["text"]) for q in left),
            ),
        )
    return errors.errors


def submit(assessment: Assessment, actor: User) -> Assessment:
    """Score a complete draft and store the result: the shop has completed the assessment."""
    require_draft(assessment)
    missing = _unanswered_errors(assessment)
    if missing:
        raise ValidationFailed(missing)
    result = record_score(assessment)
    assessment.state = AssessmentState.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.assessed_on = province_today()
    assessment.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "assessment.submit",
        assessment,
        shop=assessment.shop_id,
        level=result.level,
        total=float(result.total),
        version=assessment.framework.version,
    )
    return assessment


def can_verify(assessment: Assessment, user: User) -> bool:
    """Staff, or an officer of the shop's ward, may verify a submitted assessment."""
    return assessment.state is AssessmentState.SUBMITTED and access.can_use_ward(
        user, access.ward_of(assessment)
    )


def verify(assessment: Assessment, actor: User) -> Assessment:
    """Mark a submitted assessment verified; from then on it is read-only."""
    if not access.can_use_ward(actor, access.ward_of(assessment)):
        raise Forbidden(_l("Only Department staff or an officer of this ward may verify it."))
    if assessment.state is AssessmentState.VERIFIED:
        raise Conflict(_l("This assessment is already verified."))
    if assessment.state is not AssessmentState.SUBMITTED:
        raise Conflict(_l("Only a submitted assessment can be verified: submit it first."))
    assessment.state = AssessmentState.VERIFIED
    assessment.verified_at = utcnow()
    assessment.verified_by_id = actor.id
    assessment.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "assessment.verify", assessment, shop=assessment.shop_id)
    return assessment


def correct(assessment: Assessment, actor: User) -> Assessment:
    """A new draft that copies a submitted or verified assessment's answers (and its version).

    Asking again returns the same open correction; another open draft of the shop must be
    finished first, so the shop keeps one draft.
    """
    if assessment.state not in DONE_STATES:
        raise Conflict(_l("Only a submitted or verified assessment can be corrected."))
    shop = assessment.shop
    _require_assessable(shop)
    _lock(shop)
    existing = open_draft(shop)
    if existing is not None:
        if existing.corrects_id == assessment.id:
            return existing
        raise Conflict(_l("This shop already has a draft assessment: finish or submit it first."))
    draft = _new_draft(
        shop,
        assessment.framework,
        actor,
        answers=assessment.answers,
        step=step_count(assessment),
        corrects_id=assessment.id,
        photo_path=assessment.photo_path,
    )
    audit.record(actor, "assessment.correct", draft, shop=shop.id, corrects=assessment.id)
    return draft


# --- history and re-assessment ------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """A submitted or verified assessment and how it moved since the shop's previous one.

    `pillar_changes` maps each pillar key to the change in points (None when the previous one had
    no such pillar); `total_change` and `level_change` are None for the shop's first assessment.
    """

    assessment: Assessment
    previous: Assessment | None
    pillar_changes: dict[str, float | None] = field(default_factory=dict)
    total_change: float | None = None
    level_change: int | None = None


def _chronological(shop: Shop) -> list[Assessment]:
    """The shop's submitted/verified assessments, oldest first, without corrected ones.

    An assessment replaced by a submitted correction is left out: the correction says what the
    shop's situation was.
    """
    stmt = select(Assessment).where(
        Assessment.shop_id == shop.id, Assessment.state.in_(DONE_STATES)
    )
    done = db.session.scalars(stmt).all()
    replaced = {a.corrects_id for a in done if a.corrects_id is not None}
    kept = [a for a in done if a.id not in replaced]
    return sorted(kept, key=_when)


def _when(assessment: Assessment) -> tuple:
    return (assessment.assessed_on or dt.date.min, assessment.submitted_at or EPOCH, assessment.id)


def _exact(assessment: Assessment) -> scoring.Score:
    return scoring.score(assessment.framework.document, assessment.answers or {})


def changes(assessment: Assessment, previous: Assessment | None) -> HistoryEntry:
    """How `assessment` moved since `previous`, computed exactly (no 0,0 from float noise)."""
    if previous is None:
        return HistoryEntry(assessment, None)
    now, before = _exact(assessment), _exact(previous)
    pillar_changes = {
        key: float(value - before.pillars[key]) if key in before.pillars else None
        for key, value in now.pillars.items()
    }
    return HistoryEntry(
        assessment,
        previous,
        pillar_changes,
        float(now.total - before.total),
        now.level - before.level,
    )


def history(shop: Shop) -> list[HistoryEntry]:
    """The shop's submitted and verified assessments, newest first, each with its changes."""
    done = _chronological(shop)
    entries = [changes(a, done[i - 1] if i else None) for i, a in enumerate(done)]
    return entries[::-1]


def previous(assessment: Assessment) -> Assessment | None:
    """The shop's submitted/verified assessment before this one (None for the first)."""
    done = _chronological(assessment.shop)
    ids = [a.id for a in done]
    if assessment.id in ids:
        index = ids.index(assessment.id)
        return done[index - 1] if index else None
    return done[-1] if done else None


def latest(shop: Shop) -> Assessment | None:
    """The shop's newest submitted or verified assessment."""
    done = _chronological(shop)
    return done[-1] if done else None


def completed(shop: Shop) -> bool:
    """Whether the shop has completed the assessment (has a submitted or verified one)."""
    stmt = select(Assessment.id).where(
        Assessment.shop_id == shop.id, Assessment.state.in_(DONE_STATES)
    )
    return db.session.scalars(stmt.limit(1)).first() is not None


def reassess_months() -> int:
    return int(current_app.config.get("RETAIL_REASSESS_MONTHS", 6))


def due_on(shop: Shop) -> dt.date | None:
    """When the shop is due for re-assessment: RETAIL_REASSESS_MONTHS after its last one."""
    last = latest(shop)
    if last is None or last.assessed_on is None:
        return None
    return add_months(last.assessed_on, reassess_months())


def is_due(shop: Shop, today: dt.date) -> bool:
    """Whether an active, assessed shop is due for re-assessment on `today`."""
    due = due_on(shop)
    return shop.state is ShopState.ACTIVE and due is not None and today >= due
