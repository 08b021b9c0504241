"""The public pages around the consumer page: a report of a suspected fake and its status, a
serial typed under a damaged QR code, and the coarse place a consumer agreed to share.

They are routes of the resolver's blueprint (`resolver.report`, `resolver.check`, …), public and
rate-limited like the resolver. Consumers have no account: a page that changes something runs
its service through `core.pages.act`, except the place, which is part of the scan (see there).
"""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request
from flask_login import current_user

from core import pages
from core.errors import ValidationFailed
from core.extensions import csrf, limiter
from core.web import has_login_cookie
from traceability.gs1.digital_link import DigitalLinkError
from traceability.stamps import counterfeit, forms, scans, verdicts
from traceability.stamps.resolver import (
    PAGE_PREFIX,
    Request,
    bp,
    keep_lang,
    lang_switch,
    parse_request,
    resolver_limit,
    scanned_code,
)
from traceability.stamps.serials import stamp_path
from traceability.stamps.verdicts import Resolution


def _report_limit() -> str:
    return current_app.config["RATELIMIT_REPORT"]


def _signed_in() -> bool:
    return has_login_cookie() and current_user.is_authenticated


# --- the coarse place of a scan ------------------------------------------------------------


@bp.post("/scan/<token>/place")
@csrf.exempt  # no session: the signed token proves the page made this scan
@limiter.limit(resolver_limit)
def share_place(token: str):
    scan_id = scans.scan_from_token(token)
    form = forms.PlaceForm()
    if not form.validate():
        raise ValidationFailed({"lat": [scans.PLACE_UNREADABLE]})
    # The page's script reads the status: 404, 409 (already shared), 422 (unreadable).
    pages.record(lambda: scans.share_place(scan_id, form.lat.data, form.lon.data))
    return Response(status=204)


# --- counterfeit reports -------------------------------------------------------------------


def _reported() -> tuple[Resolution, Request | None, str | None, str]:
    """What the report is about: the resolution, the request, a malformed code, the way back."""
    try:
        req = parse_request("/report")
    except DigitalLinkError:
        # A code that is not a valid Digital Link can be reported too: staff see it as scanned.
        malformed = scanned_code()
        found = Resolution(gtin="", lot=None, serial=None, unknown="gtin")
        return found, None, malformed, malformed
    found = verdicts.preview_verdict(scans.resolve(req.gtin, req.lot, req.serial))
    return found, req, None, PAGE_PREFIX + stamp_path(req.gtin, req.lot, req.serial)


@bp.route("/report/01/<dlpath:rest>", methods=["GET", "POST"], merge_slashes=False)
@csrf.exempt  # FlaskForm checks its token after the limiter has counted the attempt
@limiter.limit(_report_limit, methods=["POST"])
def report(rest: str):
    found, req, malformed, back = _reported()
    form = forms.ReportForm()
    if form.validate_on_submit():
        if form.website.data:  # a bot: thank it, keep nothing
            return render_template("consumer/report_done.html", back=back, reference=None)
        client = scans.client_hash(request.remote_addr, request.user_agent.string)
        sent = pages.act(
            lambda: (
                counterfeit.create_report(
                    found,
                    form.to_data(),
                    client=client,
                    scanned_code=malformed,
                    photo=form.photo.data,
                ).reference
            ),
            form=form,
        )
        if sent:
            return render_template("consumer/report_done.html", back=back, reference=sent.value)
    return render_template(
        "consumer/report.html", form=form, found=found, req=req, back=back, malformed=malformed
    )


@bp.get("/report/status")
@limiter.limit(resolver_limit)
def report_lookup():
    """A form to type a report's reference; a typed one goes to its status page."""
    typed = request.args.get("reference", "").strip()
    if typed:
        reference = counterfeit.clean_report_reference(typed)
        if reference is not None:
            return redirect(keep_lang(f"/report/status/{reference}"), 303)
    return render_template(
        "consumer/report_lookup.html", typed=typed, invalid=bool(typed), **lang_switch()
    )


@bp.get("/report/status/<reference>")
@limiter.limit(resolver_limit)
def report_status(reference: str):
    """The public status of a report: its state in words, dates and the product, nothing else."""
    status = counterfeit.report_status(reference)
    if status is None:
        body = render_template(
            "consumer/report_lookup.html", typed=reference, invalid=True, **lang_switch()
        )
        return Response(body, status=404, mimetype="text/html")
    if status.reference != reference:  # typed in another case or without dashes
        return redirect(keep_lang(f"/report/status/{status.reference}"), 303)
    response = Response(
        render_template("consumer/report_status.html", status=status, **lang_switch()),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- a serial typed by hand ----------------------------------------------------------------


@bp.get("/check")
@limiter.limit(resolver_limit, methods=["GET"])
def check():
    """The serial printed under a torn or smudged QR code, typed by hand.

    A GET form: it changes nothing but a scan row, like opening the QR code's link does, and a
    consumer's page sets no session cookie, so there is no CSRF token to carry. A match
    redirects to the page the QR code opens; a miss counts as a scan of an unissued serial.
    """
    form = forms.TypedSerialForm(request.args)
    found = scans.TypedCheck()
    if form.serial.data:
        checked = pages.act(
            lambda: scans.check_typed_serial(
                form.serial.data,
                form.gtin.data or "",
                ip=request.remote_addr,
                user_agent=request.user_agent.string,
                count_miss=request.method == "GET" and not _signed_in(),
            ),
            form=form,
        )
        found = checked.value if checked else found
        if len(found.matches) == 1:
            match = found.matches[0]
            return redirect(keep_lang(stamp_path(match.gtin, match.lot, match.serial)), 303)
    body = render_template(
        "consumer/check.html",
        serial=form.serial.data or "",
        gtin=form.gtin.data or "",
        errors=form.errors,
        matches=found.matches,
        missed=found.missed,
        probing=found.probing,
        **lang_switch(),
    )
    response = Response(body, status=404 if found.missed else 200, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
