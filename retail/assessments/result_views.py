"""Results for the shop owner and self-assessments, through unguessable links.

Officers and staff (in the shop's ward) see the one-page result, make and revoke links, ask for a
self-assessment and confirm or discard what the owner sent. The public pages `/r/<token>` (a
result) and `/s/<token>` (a self-assessment) need no account: they show the shop's name and ward,
never its owner's name or phone (a link may be forwarded), are not cached, not indexed and send
no referrer, and are rate-limited like the resolver.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from core import access, pages
from core.errors import Conflict
from core.extensions import csrf, db, limiter
from retail.assessments import chart, frameworks, links, result_forms
from retail.assessments.models import Assessment, AssessmentState, LinkPurpose, ShopLink
from retail.shops.models import Shop

bp = Blueprint("shop_links", __name__)

PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


def _public_limit() -> str:
    """Public link pages are limited like the resolver unless RATELIMIT_SHOP_LINKS says more."""
    config = current_app.config
    return config.get("RATELIMIT_SHOP_LINKS") or config["RATELIMIT_RESOLVER"]


def _lang() -> str:
    return str(get_locale() or "vi").split("_")[0]


def _public(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(PUBLIC_HEADERS)
    return response


def _shown_once(body: str) -> Response:
    """A page with a new link on it: never cached, so the token is not kept anywhere."""
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _chart(result: links.Result) -> Markup:
    has_previous = result.previous is not None
    svg = chart.bar_chart(
        [p.name for p in result.pillars],
        [p.score for p in result.pillars],
        [p.previous for p in result.pillars] if has_previous else None,
        title=_("Score of each pillar (0–100)"),
        description=_("One bar per pillar; the number after each bar is its score out of 100."),
        locale=_lang(),
        legend=(_("This assessment"), _("Previous assessment")),
    )
    return Markup(svg)  # noqa: S704 - chart.bar_chart escapes every text it writes


def _result_page(assessment: Assessment, *, public: bool, **extra) -> str:
    result = links.result_of(assessment, _lang())
    return render_template(
        "retail/results/result.html",
        result=result,
        assessment=assessment,
        shop=assessment.shop,
        chart_svg=_chart(result),
        public=public,
        **extra,
    )


def _link_made(link: ShopLink, raw: str, back: str) -> Response:
    url = current_app.config["BASE_URL"].rstrip("/") + (
        url_for("shop_links.public_result", token=raw)
        if link.purpose is LinkPurpose.RESULT
        else url_for("shop_links.self_assessment", token=raw)
    )
    qr = Markup(chart.qr_svg(url, title=_("QR code of the link")))  # noqa: S704 - escaped
    body = render_template(
        "retail/results/link_created.html", link=link, url=url, qr_svg=qr, back=back
    )
    return _shown_once(body)


def _back_of(link: ShopLink) -> str:
    if link.purpose is LinkPurpose.RESULT and link.assessment_id is not None:
        return url_for("shop_links.result", assessment_id=link.assessment_id)
    return url_for("shop_links.self_links", shop_id=link.shop_id)


# --- officers and staff --------------------------------------------------------------------------


@bp.get("/retail/assessments/<int:assessment_id>/result")
@login_required
def result(assessment_id: int):
    assessment = access.get_in_ward(Assessment, assessment_id, current_user)
    if assessment.state is AssessmentState.AWAITING_CONFIRMATION:
        return redirect(url_for("shop_links.confirm", assessment_id=assessment_id))
    if assessment.state not in links.WITH_RESULT:
        raise Conflict(
            _("This assessment has not been submitted yet: submit it to see its result.")
        )
    return _result_page(assessment, public=False, links=links.result_links(assessment))


@bp.post("/retail/assessments/<int:assessment_id>/links")
@login_required
def create_result_link(assessment_id: int):
    assessment = access.get_in_ward(Assessment, assessment_id, current_user)
    back = url_for("shop_links.result", assessment_id=assessment_id)
    done = pages.act(
        lambda: links.create_result_link(assessment, current_user),
        _("The link is ready. Send it now: it is shown only once."),
    )
    if not done:
        return redirect(back)
    link, raw = done.value
    return _link_made(link, raw, back)


@bp.route("/retail/links/<int:link_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_link(link_id: int):
    link = access.get_in_ward(ShopLink, link_id, current_user)
    back = _back_of(link)
    if request.method == "GET":
        return render_template("retail/results/revoke.html", link=link, back=back)
    pages.act(
        lambda: links.revoke(link, current_user),
        _("The link has been revoked: it no longer opens anything."),
    )
    return redirect(back)


@bp.route("/retail/shops/<int:shop_id>/self-link", methods=["GET", "POST"])
@login_required
def self_links(shop_id: int):
    shop = access.get_in_ward(Shop, shop_id, current_user)
    back = url_for("shop_links.self_links", shop_id=shop_id)
    if request.method == "POST":
        done = pages.act(
            lambda: links.create_self_link(shop, current_user),
            _("The self-assessment link is ready. Send it now: it is shown only once."),
        )
        if done:
            link, raw = done.value
            return _link_made(link, raw, back)
        return redirect(back)
    return render_template(
        "retail/results/self_links.html",
        shop=shop,
        links=links.self_links(shop),
        awaiting=links.awaiting_confirmation(shop),
    )


@bp.route("/retail/assessments/<int:assessment_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(assessment_id: int):
    assessment = access.get_in_ward(Assessment, assessment_id, current_user)
    if request.method == "POST":
        done = pages.act(
            lambda: links.confirm(assessment, current_user),
            _("Confirmed: the shop has now completed the assessment."),
        )
        if done:
            return redirect(url_for("shop_links.result", assessment_id=assessment_id))
        return redirect(url_for("shop_links.self_links", shop_id=assessment.shop_id))
    if assessment.state in links.WITH_RESULT:
        return redirect(url_for("shop_links.result", assessment_id=assessment_id))
    if assessment.state is not AssessmentState.AWAITING_CONFIRMATION:
        raise Conflict(_("This assessment is not a self-assessment waiting for confirmation."))
    lang = _lang()
    return render_template(
        "retail/results/confirm.html",
        assessment=assessment,
        shop=assessment.shop,
        result=links.result_of(assessment, lang),
        lang=lang,
    )


@bp.post("/retail/assessments/<int:assessment_id>/discard")
@login_required
def discard(assessment_id: int):
    assessment = access.get_in_ward(Assessment, assessment_id, current_user)
    shop_id = assessment.shop_id
    pages.act(
        lambda: links.discard(assessment, current_user),
        _("The self-assessment has been discarded and its link no longer works."),
    )
    return redirect(url_for("shop_links.self_links", shop_id=shop_id))


@bp.app_template_global("shop_self_assessments")
def shop_self_assessments(shop: Shop) -> list[Assessment]:
    """For the shop page (already in the reader's ward): self-assessments awaiting confirmation."""
    return links.awaiting_confirmation(shop)


# --- public: the owner's links -------------------------------------------------------------------


def _gone() -> Response:
    return _public(render_template("retail/results/link_gone.html"), 404)


@bp.get("/r/<token>")
@limiter.limit(_public_limit)
def public_result(token: str):
    link = links.find(token, LinkPurpose.RESULT)
    if link is None:
        return _gone()
    return _public(_result_page(link.assessment, public=True))


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token after the limiter has counted the attempt
@limiter.limit(_public_limit)
def self_assessment(token: str):
    link = links.find(token, LinkPurpose.SELF_ASSESSMENT)
    if link is None:
        return _gone()
    shop = link.shop
    if link.assessment_id is not None:
        return _public(render_template("retail/results/self_sent.html", shop=shop))
    framework = frameworks.current()
    if framework is None:
        return _public(render_template("retail/results/link_gone.html", no_framework=True), 503)
    lang = _lang()
    form = result_forms.self_assessment_form(framework.document, lang)
    if form.validate_on_submit():
        answers = result_forms.answers_of(form, framework.document)
        done = pages.act(lambda: links.send_self_assessment(link, framework, answers), form=form)
        if done or _already_sent(link):
            return _public(render_template("retail/results/self_sent.html", shop=shop))
    body = render_template(
        "retail/results/self_assessment.html",
        form=form,
        shop=shop,
        framework=framework,
        lang=lang,
        field_name=result_forms.field_name,
    )
    return _public(body)


def _already_sent(link: ShopLink) -> bool:
    """After a refused send: did another send of the same link win the race?"""
    db.session.refresh(link)
    return link.assessment_id is not None
