"""The annual report's page and downloads (staff and admins)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from core import access, pages
from core.db import province_today
from reports.annual import content, files, forms, services

bp = Blueprint("annual_report", __name__, url_prefix="/reports/annual")


def _report(year: int) -> content.Report:
    """The year's report; taking a snapshot it needs is this GET's one write."""
    today = province_today()
    return content.build(pages.record(lambda: services.sources(year, today)))


@bp.get("/")
@login_required
def index():
    """Choose the year; see its due date, the snapshot it reads, a preview and the downloads."""
    access.require_staff(current_user)
    today = province_today()
    form = forms.YearForm(request.args, services.years(today), year=today.year)
    report = _report(form.year.data) if form.validate() else None
    return render_template(
        "reports/annual/index.html",
        form=form,
        report=report,
        show=content.show,
        cell_kind=content.cell_kind,
        snapshot_labels={kind: str(label) for kind, label in content.SNAPSHOT_LABELS.items()},
    )


def _download(year: int, extension: str) -> Response:
    access.require_staff(current_user)
    body = files.render(_report(year), extension)
    response = Response(body, mimetype=files.TYPES[extension])
    name = files.filename(year, extension)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:year>.xlsx")
@login_required
def xlsx(year: int):
    """The report as a workbook, one sheet per table."""
    return _download(year, "xlsx")


@bp.get("/<int:year>.pdf")
@login_required
def pdf(year: int):
    """The report as a print-ready PDF."""
    return _download(year, "pdf")
