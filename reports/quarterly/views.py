"""The wards' quarterly reports: officers write and submit, staff review."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import access, pages
from core.accounts.models import Role
from core.db import province_today
from core.wards.models import Ward
from reports.indicators.models import PeriodKind
from reports.indicators.periods import BadPeriod, Period
from reports.indicators.values import Figures
from reports.pdf import html_to_pdf
from reports.quarterly import forms, services
from reports.quarterly.figures import (
    NARRATIVE_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    Content,
    overview_table,
    shown,
)
from reports.quarterly.models import WardReportState
from reports.quarterly.services import EDITABLE, Status
from reports.tables import xlsx_bytes

bp = Blueprint("ward_reports", __name__, url_prefix="/reports/quarterly")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OVERVIEW_QUARTERS = 8  # the quarters the overview's picker offers


def _locale() -> str:
    return str(get_locale() or "vi")


@bp.context_processor
def _labels():
    """The labels in the request's language, translated once per page rather than per row."""
    locale = _locale()
    return {
        "report_state_labels": {k: str(v) for k, v in STATE_LABELS.items()},
        "report_status_labels": {k: str(v) for k, v in STATUS_LABELS.items()},
        "narrative_labels": {k: str(v) for k, v in NARRATIVE_LABELS.items()},
        "shown": lambda value, kind: shown(value, kind, locale),
    }


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _in_reach(code: str, quarter_key: str) -> tuple[Ward, Period]:
    ward = services.ward_in_reach(code, current_user)
    return ward, services.quarter_of(quarter_key)


def _content(ward: Ward, quarter: Period) -> Content:
    """The report's row and figures; reading them may take the quarter's snapshot (committed)."""

    def read():
        row = services.row(ward, quarter)
        snapshot, frozen = services.figures_snapshot(row.report, quarter)
        return Content(row, snapshot, frozen, Figures.of(snapshot))

    return pages.record(read)


# --- the officer's list -------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """An officer's wards × the last quarters; staff go on to the overview of every ward."""
    codes = access.ward_codes(current_user)
    if codes is None:
        return redirect(url_for("ward_reports.overview"))
    return render_template(
        "reports/quarterly/index.html",
        rows=services.officer_rows(codes),
    )


# --- the Department's overview ------------------------------------------------------------------


def _quarter_arg() -> Period:
    today = province_today()
    text = request.args.get("quarter", "").strip()
    if text:
        try:
            quarter = Period.parse(text)
            if quarter.kind is PeriodKind.QUARTER:
                return quarter
        except BadPeriod:
            pass
        flash(_("Choose a quarter, written as 2026-Q4."), "error")
    return Period.containing(PeriodKind.QUARTER, today)


def _status_arg() -> Status | None:
    try:
        return Status(request.args.get("state", ""))
    except ValueError:
        return None


@bp.get("/overview")
@login_required
def overview():
    access.require_staff(current_user)
    quarter, status = _quarter_arg(), _status_arg()
    everything = services.rows(quarter)
    listed = [item for item in everything if status is None or item.status is status]
    return render_template(
        "reports/quarterly/overview.html",
        quarter=quarter,
        status=status,
        rows=listed,
        counts=services.count_by_status(everything),
        total=len(everything),
        quarters=services.quarters_shown(count=OVERVIEW_QUARTERS),
        Status=Status,
    )


@bp.get("/overview.xlsx")
@login_required
def overview_xlsx():
    access.require_staff(current_user)
    quarter = _quarter_arg()
    table = overview_table(services.rows(quarter), quarter)
    return _download(xlsx_bytes([table]), XLSX, f"ward-reports-{quarter.key}.xlsx")


# --- one report ---------------------------------------------------------------------------------


def _render_report(ward: Ward, quarter: Period, *, form=None, return_form=None):
    content = _content(ward, quarter)
    state = content.row.state
    can_edit = current_user.role is Role.OFFICER and (state is None or state in EDITABLE)
    can_review = current_user.is_staff and state is WardReportState.SUBMITTED
    if can_edit and form is None:
        form = forms.NarrativeForm(obj=content.report)
    if can_review and return_form is None:
        return_form = forms.ReturnForm()
    locale = _locale()
    return render_template(
        "reports/quarterly/report.html",
        content=content,
        row=content.row,
        report=content.report,
        tables=content.tables(locale),
        form=form if can_edit else None,
        return_form=return_form if can_review else None,
    )


@bp.route("/<code>/<quarter_key>", methods=["GET", "POST"])
@login_required
def report(code: str, quarter_key: str):
    """The report: its figures, and the narrative the ward's officer writes (saved on POST)."""
    ward, quarter = _in_reach(code, quarter_key)
    services.require_started(quarter)
    form = None
    if request.method == "POST":
        services.require_ward_officer(current_user, ward.code)
        form = forms.NarrativeForm()
        if form.validate_on_submit():
            sending = bool(form.send.data)
            done = pages.act(
                lambda: services.save_draft(
                    ward.code, quarter, form.to_data(), current_user, complete=sending
                ),
                None if sending else _("The draft has been saved."),
                form=form,
            )
            if done:
                target = "ward_reports.confirm" if sending else "ward_reports.report"
                return redirect(url_for(target, code=ward.code, quarter_key=quarter.key))
    return _render_report(ward, quarter, form=form)


@bp.route("/<code>/<quarter_key>/submit", methods=["GET", "POST"])
@login_required
def confirm(code: str, quarter_key: str):
    """Ask before sending: once sent, the report cannot be edited unless it is sent back."""
    ward, quarter = _in_reach(code, quarter_key)
    services.require_ward_officer(current_user, ward.code)
    here = url_for("ward_reports.report", code=ward.code, quarter_key=quarter.key)
    if request.method == "POST":
        pages.act(
            lambda: services.submit(ward.code, quarter, current_user),
            _("The report has been sent to the Department."),
        )
        return redirect(here)
    services.require_started(quarter)
    row = services.row(ward, quarter)
    if row.report is None or row.state not in EDITABLE:
        return redirect(here)
    return render_template("reports/quarterly/confirm.html", row=row, report=row.report)


@bp.post("/<code>/<quarter_key>/return")
@login_required
def send_back(code: str, quarter_key: str):
    access.require_staff(current_user)
    ward, quarter = _in_reach(code, quarter_key)
    form = forms.ReturnForm()
    if form.validate_on_submit() and pages.act(
        lambda: services.return_report(ward.code, quarter, form.comment.data or "", current_user),
        _("The report has been sent back to the ward."),
        form=form,
    ):
        return redirect(url_for("ward_reports.overview", quarter=quarter.key))
    return _render_report(ward, quarter, return_form=form)


@bp.post("/<code>/<quarter_key>/accept")
@login_required
def accept(code: str, quarter_key: str):
    access.require_staff(current_user)
    ward, quarter = _in_reach(code, quarter_key)
    pages.act(
        lambda: services.accept(ward.code, quarter, current_user),
        _("The report has been accepted."),
    )
    return redirect(url_for("ward_reports.report", code=ward.code, quarter_key=quarter.key))


@bp.get("/<code>/<quarter_key>/report.xlsx")
@login_required
def report_xlsx(code: str, quarter_key: str):
    ward, quarter = _in_reach(code, quarter_key)
    services.require_started(quarter)
    content = _content(ward, quarter)
    locale = _locale()
    tables = [content.summary_table(locale, get_timezone()), *content.tables(locale)]
    return _download(xlsx_bytes(tables), XLSX, f"ward-report-{ward.code}-{quarter.key}.xlsx")


@bp.get("/<code>/<quarter_key>/report.pdf")
@login_required
def report_pdf(code: str, quarter_key: str):
    ward, quarter = _in_reach(code, quarter_key)
    services.require_started(quarter)
    content = _content(ward, quarter)
    html = render_template(
        "reports/quarterly/print.html",
        content=content,
        row=content.row,
        report=content.report,
        tables=content.tables(_locale()),
    )
    return _download(
        html_to_pdf(html), "application/pdf", f"ward-report-{ward.code}-{quarter.key}.pdf"
    )
