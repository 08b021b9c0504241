"""Assessments on a phone: one pillar per step, drafts, submit, verify, history.

Every step is a plain POST form that saves the draft and redirects to the next step, so the
pages work without JavaScript. With JavaScript (`static/js/assessment-offline.js`) the answers are
also kept on the phone and sent as JSON to `/retail/assessments/<id>/answers` when the connection
allows; the step pages carry the whole questionnaire as data so the officer can go on offline.
Every load goes through `core.access.get_in_ward` (another ward's shop or assessment is a 404).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import ValidationError as SchemaError

from core import access, pages
from core.db import province_today
from core.errors import error_body
from retail.assessments import evidence, forms, frameworks, scoring, services
from retail.assessments.models import Assessment, AssessmentState
from retail.assessments.schemas import AnswersIn
from retail.shops.models import Shop

bp = Blueprint("assessments", __name__)

# Names of the framework's flags on pages; a flag not named here shows its question's text.
FLAG_LABELS = {
    "takes_digital_payment": _l("Takes digital payment"),
    "online_presence": _l("Present online"),
    "sells_online": _l("Sells online"),
    "uses_einvoice": _l("Issues e-invoices"),
}


def _shop(shop_id: int) -> Shop:
    return access.get_in_ward(Shop, shop_id, current_user)


def _assessment(assessment_id: int) -> Assessment:
    return access.get_in_ward(Assessment, assessment_id, current_user)


def shop_url(shop: Shop) -> str:
    """The shop's page (part of the shops blueprint)."""
    return url_for("shops.shop_detail", shop_id=shop.id)


def level_name(document: dict, level: int | None) -> str:
    for entry in document.get("levels", []):
        if entry["level"] == level:
            return services.in_locale(entry["name"])
    return ""


def flag_label(document: dict, flag: str) -> str:
    if flag in FLAG_LABELS:
        return str(FLAG_LABELS[flag])
    for _pillar, question in scoring.questions(document):
        if (question.get("flag") or "").startswith(flag + ">="):
            return services.in_locale(question["text"])
    return flag


def _helpers() -> dict:
    """What every assessment template uses: texts in the page's language, names, links."""
    return {
        "t": services.in_locale,
        "level_name": level_name,
        "flag_label": flag_label,
        "shop_url": shop_url,
        "can_verify": lambda a: services.can_verify(a, current_user),
        "States": AssessmentState,
    }


def _render(template: str, status: int = 200, **context):
    return render_template(f"retail/assessments/{template}", **_helpers(), **context), status


@bp.app_template_global("assessment_summary")
def assessment_summary(shop: Shop) -> dict:
    """For the shop page's include: the open draft, the latest result, when it is due again."""
    return {
        "draft": services.open_draft(shop),
        "latest": services.latest(shop),
        "due_on": services.due_on(shop),
        "is_due": services.is_due(shop, province_today()),
    }


# --- start or continue -------------------------------------------------------------------------


def _continue_url(assessment: Assessment) -> str:
    """Where a draft goes on: its first step with an unanswered question, else the review."""
    step = services.first_open_step(assessment)
    if step is None:
        return url_for(".review", assessment_id=assessment.id)
    return url_for(".step", assessment_id=assessment.id, number=step)


@bp.get("/retail/shops/<int:shop_id>/assess")
@login_required
def start_page(shop_id: int):
    shop = _shop(shop_id)
    draft = services.open_draft(shop)
    if draft is not None:
        return redirect(_continue_url(draft))
    return _render(
        "start.html",
        shop=shop,
        framework=frameworks.current(),
        latest=services.latest(shop),
        due_on=services.due_on(shop),
    )


@bp.post("/retail/shops/<int:shop_id>/assess")
@login_required
def start(shop_id: int):
    shop = _shop(shop_id)
    done = pages.act(lambda: services.start(shop, current_user))
    if not done:
        return redirect(url_for(".start_page", shop_id=shop.id))
    return redirect(_continue_url(done.value))


# --- one pillar per step -----------------------------------------------------------------------


def _pillar(assessment: Assessment, number: int) -> dict:
    if not 1 <= number <= services.step_count(assessment):
        abort(404)
    return services.pillars(assessment)[number - 1]


def _step_target(assessment: Assessment, number: int, go: str | None) -> str:
    if go == "back" and number > 1:
        return url_for(".step", assessment_id=assessment.id, number=number - 1)
    if go == "review" or number >= services.step_count(assessment):
        return url_for(".review", assessment_id=assessment.id)
    return url_for(".step", assessment_id=assessment.id, number=number + 1)


def _offline_data(assessment: Assessment) -> dict:
    """The questionnaire in the page's language, for the phone to go on without a connection."""
    return {
        "id": assessment.id,
        "answers": assessment.answers or {},
        "saveUrl": url_for(".answers", assessment_id=assessment.id),
        "stepUrls": [
            url_for(".step", assessment_id=assessment.id, number=n)
            for n in range(1, services.step_count(assessment) + 1)
        ],
        "reviewUrl": url_for(".review", assessment_id=assessment.id),
        "prefix": forms.FIELD_PREFIX,
        "pillars": [
            {
                "key": pillar["key"],
                "name": services.in_locale(pillar["name"]),
                "questions": [
                    {
                        "key": q["key"],
                        "text": services.in_locale(q["text"]),
                        "options": [
                            {"value": o["value"], "label": services.in_locale(o["label"])}
                            for o in q["options"]
                        ],
                    }
                    for q in pillar["questions"]
                ],
            }
            for pillar in services.pillars(assessment)
        ],
        "texts": {
            "step": _("Step %(n)s of %(total)s", n="{n}", total="{total}"),
            "queued": _("Saved on this phone; will be sent when the connection is back."),
            "sent": _("The answers kept on this phone have been sent."),
            "refused": _("The server did not accept the answers kept on this phone:"),
            "login": _("Log in again to send the answers kept on this phone; they are kept."),
            "offlineReview": _(
                "You are offline. Every answer is kept on this phone; the review opens when the "
                "connection is back."
            ),
            "unanswered": _("Not answered yet"),
        },
    }


def _step_page(assessment: Assessment, number: int, form, status: int = 200):
    pillar = _pillar(assessment, number)
    return _render(
        "step.html",
        status,
        assessment=assessment,
        shop=assessment.shop,
        pillar=pillar,
        number=number,
        steps=services.step_count(assessment),
        form=form,
        field_name=forms.field_name,
        offline=_offline_data(assessment),
    )


@bp.get("/retail/assessments/<int:assessment_id>/step/<int:number>")
@login_required
def step(assessment_id: int, number: int):
    assessment = _assessment(assessment_id)
    if assessment.state is not AssessmentState.DRAFT:
        return redirect(url_for(".detail", assessment_id=assessment.id))
    pillar = _pillar(assessment, number)
    return _step_page(assessment, number, forms.step_form(pillar, assessment.answers or {}))


@bp.post("/retail/assessments/<int:assessment_id>/step/<int:number>")
@login_required
def save_step(assessment_id: int, number: int):
    assessment = _assessment(assessment_id)
    pillar = _pillar(assessment, number)
    form = forms.step_form(pillar, assessment.answers or {})
    if not form.validate_on_submit():
        return _step_page(assessment, number, form, 422)
    answers = forms.step_answers(form, pillar)
    done = pages.act(
        lambda: services.save_step(assessment, number, answers, current_user), form=form
    )
    if not done:
        if assessment.state is not AssessmentState.DRAFT:
            return redirect(url_for(".detail", assessment_id=assessment.id))
        return _step_page(assessment, number, form, 422)
    return redirect(_step_target(assessment, number, request.form.get("go")))


@bp.post("/retail/assessments/<int:assessment_id>/answers")
@login_required
def answers(assessment_id: int):
    """The phone's JSON save of one step ({"step": n, "answers": {…}}); CSRF in X-CSRFToken."""
    assessment = _assessment(assessment_id)
    try:
        data = AnswersIn().load(request.get_json(silent=True) or {})
    except SchemaError as exc:
        message = _("The answers could not be read: send {step, answers}.")
        return jsonify(error_body(422, message, {"json": exc.messages})), 422
    return pages.act_json(
        lambda: services.save_step(assessment, data["step"], data["answers"], current_user),
        lambda _: {
            "id": assessment.id,
            "step": assessment.step,
            "answered": len(assessment.answers or {}),
            "questions": sum(len(p["questions"]) for p in services.pillars(assessment)),
        },
    )


# --- review, submit, verify, correct -----------------------------------------------------------


def _review_page(assessment: Assessment, photo_form=None, status: int = 200):
    return _render(
        "review.html",
        status,
        assessment=assessment,
        shop=assessment.shop,
        pillars=services.pillars(assessment),
        answers=assessment.answers or {},
        missing=services.unanswered(assessment),
        photo_form=photo_form or forms.PhotoForm(),
        has_photo=evidence.photo_file(assessment) is not None,
        offline=_offline_data(assessment),
    )


@bp.get("/retail/assessments/<int:assessment_id>/review")
@login_required
def review(assessment_id: int):
    assessment = _assessment(assessment_id)
    if assessment.state is not AssessmentState.DRAFT:
        return redirect(url_for(".detail", assessment_id=assessment.id))
    return _review_page(assessment)


@bp.post("/retail/assessments/<int:assessment_id>/submit")
@login_required
def submit(assessment_id: int):
    assessment = _assessment(assessment_id)
    done = pages.act(
        lambda: services.submit(assessment, current_user),
        _("The assessment has been submitted: the shop has completed the assessment."),
    )
    if not done:
        return redirect(url_for(".review", assessment_id=assessment.id))
    return redirect(url_for(".detail", assessment_id=assessment.id))


@bp.post("/retail/assessments/<int:assessment_id>/verify")
@login_required
def verify(assessment_id: int):
    assessment = _assessment(assessment_id)
    pages.act(
        lambda: services.verify(assessment, current_user),
        _("The assessment is verified; it can no longer change."),
    )
    return redirect(url_for(".detail", assessment_id=assessment.id))


@bp.post("/retail/assessments/<int:assessment_id>/correct")
@login_required
def correct(assessment_id: int):
    assessment = _assessment(assessment_id)
    done = pages.act(
        lambda: services.correct(assessment, current_user),
        _("A correction has been started with the same answers: change what was wrong."),
    )
    if not done:
        return redirect(url_for(".detail", assessment_id=assessment.id))
    return redirect(url_for(".review", assessment_id=done.value.id))


# --- photo evidence ----------------------------------------------------------------------------


@bp.post("/retail/assessments/<int:assessment_id>/photo")
@login_required
def photo_add(assessment_id: int):
    assessment = _assessment(assessment_id)
    if assessment.state is not AssessmentState.DRAFT:
        return redirect(url_for(".detail", assessment_id=assessment.id))
    form = forms.PhotoForm()
    if not form.validate_on_submit():
        return _review_page(assessment, form, 422)
    done = pages.act(
        lambda: evidence.add_photo(assessment, form.image.data.stream, current_user),
        _("The photo has been added to the assessment."),
        form=form,
    )
    if not done:
        return _review_page(assessment, form, 422)
    return redirect(url_for(".review", assessment_id=assessment.id))


@bp.post("/retail/assessments/<int:assessment_id>/photo/delete")
@login_required
def photo_delete(assessment_id: int):
    assessment = _assessment(assessment_id)
    pages.act(
        lambda: evidence.remove_photo(assessment, current_user),
        _("The photo has been removed."),
    )
    if assessment.state is not AssessmentState.DRAFT:
        return redirect(url_for(".detail", assessment_id=assessment.id))
    return redirect(url_for(".review", assessment_id=assessment.id))


@bp.get("/retail/assessments/<int:assessment_id>/photo")
@login_required
def photo(assessment_id: int):
    """The evidence photo, for staff and the ward's officers only (never cached by others)."""
    assessment = _assessment(assessment_id)
    if evidence.photo_file(assessment) is None:
        abort(404)
    response = send_from_directory(evidence.upload_root(), assessment.photo_path, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the stored result and the shop's history --------------------------------------------------


@bp.get("/retail/assessments/<int:assessment_id>")
@login_required
def detail(assessment_id: int):
    assessment = _assessment(assessment_id)
    document = assessment.framework.document
    shop = assessment.shop
    return _render(
        "detail.html",
        assessment=assessment,
        shop=shop,
        document=document,
        pillars=services.pillars(assessment),
        entry=services.changes(assessment, services.previous(assessment))
        if assessment.state in services.DONE_STATES
        else None,
        open_draft=services.open_draft(shop),
        has_photo=evidence.photo_file(assessment) is not None,
        answered=len(assessment.answers or {}),
        questions=sum(len(p["questions"]) for p in services.pillars(assessment)),
    )


@bp.get("/retail/shops/<int:shop_id>/assessments")
@login_required
def history(shop_id: int):
    shop = _shop(shop_id)
    return _render(
        "history.html",
        shop=shop,
        entries=services.history(shop),
        draft=services.open_draft(shop),
        due_on=services.due_on(shop),
        is_due=services.is_due(shop, province_today()),
    )
