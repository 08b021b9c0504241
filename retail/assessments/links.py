"""The shop owner's links (no account) and what they open: a result, or a self-assessment.

A link is `secrets.token_urlsafe(32)` (256 bits) shown once; only its SHA-256 is stored, so a
copy of the database opens nothing, and a lookup is by the hash's unique index, which tells an
attacker timing nothing about the token. A revoked link opens nothing.

A self-assessment sent from a link is an assessment with origin SELF waiting for the ward's
officer: it counts as completed only once confirmed (then SUBMITTED, the officer its assessor).
A link sends one self-assessment; the second send is refused even when both race.

Services take typed values and the acting user, check the ward again (a caller that forgot
`core.access` still cannot act on another ward), write the audit log without personal data,
flush and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select, update

from core import access, audit
from core.accounts.models import User
from core.db import province_today, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from retail.assessments import advice, scoring
from retail.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentState,
    Framework,
    LinkPurpose,
    ShopLink,
)
from retail.assessments.services import record_score
from retail.shops.models import Shop, ShopState

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer is not ours and is not hashed at all.
MAX_TOKEN_LENGTH = 64
WITH_RESULT = (AssessmentState.SUBMITTED, AssessmentState.VERIFIED)


def hash_token(raw: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _require_ward(actor: User, shop: Shop) -> None:
    if not access.can_use_ward(actor, shop.ward_code):
        raise NotFound(_l("Not found."))


def _new_link(
    purpose: LinkPurpose, shop: Shop, assessment: Assessment | None, actor: User
) -> tuple[ShopLink, str]:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShopLink(
        token_hash=hash_token(raw),
        purpose=purpose,
        shop_id=shop.id,
        assessment_id=assessment.id if assessment is not None else None,
        created_by_id=actor.id,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        actor,
        "shop_link.create",
        link,
        purpose=purpose.value,
        shop=shop.id,
        assessment=link.assessment_id,
    )
    return link, raw


def create_result_link(assessment: Assessment, actor: User) -> tuple[ShopLink, str]:
    """A link to the one-page result of a submitted or verified assessment; (link, raw token)."""
    _require_ward(actor, assessment.shop)
    if assessment.state not in WITH_RESULT:
        raise Conflict(_l("Only a submitted assessment has a result to send. Submit it first."))
    return _new_link(LinkPurpose.RESULT, assessment.shop, assessment, actor)


def create_self_link(shop: Shop, actor: User) -> tuple[ShopLink, str]:
    """A link with which the shop's owner fills in a self-assessment once; (link, raw token)."""
    _require_ward(actor, shop)
    if shop.state is not ShopState.ACTIVE:
        raise Conflict(
            _l("This shop is not active: reopen it before asking for a self-assessment.")
        )
    return _new_link(LinkPurpose.SELF_ASSESSMENT, shop, None, actor)


def revoke(link: ShopLink, actor: User) -> ShopLink:
    """Make the link open nothing from now on (revoking twice changes nothing)."""
    _require_ward(actor, link.shop)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record(actor, "shop_link.revoke", link, purpose=link.purpose.value, shop=link.shop_id)
        db.session.flush()
    return link


def find(raw_token: str, purpose: LinkPurpose) -> ShopLink | None:
    """The live link of this purpose for a token, or None (unknown, revoked, or nothing to show)."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    stmt = select(ShopLink).where(
        ShopLink.token_hash == hash_token(raw_token),
        ShopLink.purpose == purpose,
        ShopLink.revoked_at.is_(None),
    )
    link = db.session.scalars(stmt).first()
    if link is None:
        return None
    if purpose is LinkPurpose.RESULT and (
        link.assessment is None or link.assessment.state not in WITH_RESULT
    ):
        return None
    return link


def result_links(assessment: Assessment) -> list[ShopLink]:
    """The result links made for an assessment, newest first (revoked ones too, for the record)."""
    stmt = (
        select(ShopLink)
        .where(ShopLink.assessment_id == assessment.id, ShopLink.purpose == LinkPurpose.RESULT)
        .order_by(ShopLink.id.desc())
    )
    return list(db.session.scalars(stmt))


def self_links(shop: Shop) -> list[ShopLink]:
    """The shop's self-assessment links, newest first."""
    stmt = (
        select(ShopLink)
        .where(ShopLink.shop_id == shop.id, ShopLink.purpose == LinkPurpose.SELF_ASSESSMENT)
        .order_by(ShopLink.id.desc())
    )
    return list(db.session.scalars(stmt))


def awaiting_confirmation(shop: Shop) -> list[Assessment]:
    """Self-assessments the owner sent that no officer has confirmed or discarded yet."""
    stmt = (
        select(Assessment)
        .where(
            Assessment.shop_id == shop.id,
            Assessment.state == AssessmentState.AWAITING_CONFIRMATION,
        )
        .order_by(Assessment.id.desc())
    )
    return list(db.session.scalars(stmt))


# --- the owner's self-assessment ---------------------------------------------------------------


def _check_complete(document: dict, answers: dict) -> None:
    try:
        scoring.check_answers(document, answers)
    except scoring.InvalidAnswers as exc:
        raise ValidationFailed({"answers": exc.problems}) from exc
    missing = [q["key"] for _, q in scoring.questions(document) if q["key"] not in answers]
    if missing:
        message = _l("Answer every question before sending (%(n)s not answered).", n=len(missing))
        raise ValidationFailed({"answers": [message]})


def send_self_assessment(link: ShopLink, framework: Framework, answers: dict) -> Assessment:
    """The owner's answers, scored, waiting for the ward's officer; the link is then used up."""
    if link.purpose is not LinkPurpose.SELF_ASSESSMENT or link.revoked_at is not None:
        raise NotFound(_l("This link is no longer valid."))
    if link.assessment_id is not None:
        raise Conflict(_l("This self-assessment has already been sent. Thank you."))
    _check_complete(framework.document, answers)
    assessment = Assessment(
        shop_id=link.shop_id,
        framework=framework,
        origin=AssessmentOrigin.SELF,
        state=AssessmentState.AWAITING_CONFIRMATION,
        answers=dict(answers),
        step=len(framework.document["pillars"]),
    )
    record_score(assessment)
    db.session.add(assessment)
    db.session.flush()
    # One send per link, also when two sends race: only the first finds the link unused.
    claimed = db.session.execute(
        update(ShopLink)
        .where(
            ShopLink.id == link.id,
            ShopLink.assessment_id.is_(None),
            ShopLink.revoked_at.is_(None),
        )
        .values(assessment_id=assessment.id)
    )
    if claimed.rowcount != 1:
        raise Conflict(_l("This self-assessment has already been sent. Thank you."))
    audit.record(None, "assessment.self_send", assessment, shop=link.shop_id, link=link.id)
    db.session.flush()
    return assessment


def confirm(assessment: Assessment, actor: User) -> Assessment:
    """The ward's officer (or staff) confirms a self-assessment: now it counts as completed."""
    _require_ward(actor, assessment.shop)
    now = utcnow()
    changed = db.session.execute(
        update(Assessment)
        .where(
            Assessment.id == assessment.id,
            Assessment.state == AssessmentState.AWAITING_CONFIRMATION,
        )
        .values(
            state=AssessmentState.SUBMITTED,
            assessor_id=actor.id,
            submitted_at=now,
            assessed_on=province_today(),
            updated_by_id=actor.id,
            updated_at=now,
        )
    )
    if changed.rowcount != 1:
        raise Conflict(_l("This self-assessment is no longer waiting for confirmation."))
    audit.record(
        actor,
        "assessment.self_confirm",
        assessment,
        shop=assessment.shop_id,
        level=assessment.level,
    )
    db.session.flush()
    return assessment


def discard(assessment: Assessment, actor: User) -> int:
    """Throw away a self-assessment that will not be confirmed; its link stops working.

    Returns the shop's id (the assessment is gone).
    """
    _require_ward(actor, assessment.shop)
    shop_id = assessment.shop_id
    if assessment.state is not AssessmentState.AWAITING_CONFIRMATION:
        raise Conflict(_l("This self-assessment is no longer waiting for confirmation."))
    audit.record(actor, "assessment.self_discard", assessment, shop=shop_id)
    db.session.execute(
        update(ShopLink)
        .where(ShopLink.assessment_id == assessment.id)
        .values(assessment_id=None, revoked_at=utcnow())
    )
    gone = db.session.execute(
        delete(Assessment).where(
            Assessment.id == assessment.id,
            Assessment.state == AssessmentState.AWAITING_CONFIRMATION,
        )
    )
    if gone.rowcount != 1:  # confirmed meanwhile by someone else: keep it
        raise Conflict(_l("This self-assessment is no longer waiting for confirmation."))
    db.session.flush()
    return shop_id


# --- what a result shows -------------------------------------------------------------------------


def previous_of(assessment: Assessment) -> Assessment | None:
    """The shop's submitted or verified assessment just before this one, if any."""
    if assessment.submitted_at is None:
        return None
    earlier = or_(
        Assessment.submitted_at < assessment.submitted_at,
        and_(Assessment.submitted_at == assessment.submitted_at, Assessment.id < assessment.id),
    )
    stmt = (
        select(Assessment)
        .where(
            Assessment.shop_id == assessment.shop_id,
            Assessment.state.in_(WITH_RESULT),
            Assessment.id != assessment.id,
            earlier,
        )
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()


@dataclass(frozen=True)
class PillarResult:
    key: str
    name: str
    score: float
    previous: float | None  # None: first assessment, or the pillar is new in this version
    change: float | None


@dataclass(frozen=True)
class Result:
    assessment: Assessment
    level_name: str
    pillars: list[PillarResult]
    previous: Assessment | None
    level_change: int | None
    total_change: float | None
    steps: list[advice.NextStep]


def _level_name(document: dict, level: int | None, lang: str) -> str:
    for entry in document["levels"]:
        if entry["level"] == level:
            return advice.localized(entry["name"], lang)
    return ""


def result_of(assessment: Assessment, lang: str) -> Result:
    """Everything the one-page result shows: level, pillar scores and their change, next steps."""
    document = assessment.framework.document
    previous = previous_of(assessment) if assessment.state in WITH_RESULT else None
    before = (previous.pillar_scores or {}) if previous is not None else {}
    pillars = []
    for pillar in document["pillars"]:
        score = float(assessment.pillar_scores.get(pillar["key"], 0.0))
        was = before.get(pillar["key"])
        pillars.append(
            PillarResult(
                key=pillar["key"],
                name=advice.localized(pillar["name"], lang),
                score=score,
                previous=was,
                change=_change(score, was),
            )
        )
    return Result(
        assessment=assessment,
        level_name=_level_name(document, assessment.level, lang),
        pillars=pillars,
        previous=previous,
        level_change=(
            assessment.level - previous.level
            if previous is not None and previous.level is not None and assessment.level is not None
            else None
        ),
        total_change=_change(assessment.total, previous.total if previous is not None else None),
        steps=advice.next_steps(document, assessment.answers or {}, lang),
    )


def _change(now: float | None, was: float | None) -> float | None:
    """The difference of two stored scores, computed exactly from their decimal forms."""
    if now is None or was is None:
        return None
    return float(Fraction(str(now)) - Fraction(str(was)))
