"""Shop imports from CSV and XLSX: upload, row report, progress, templates.

Officers import into their wards and see their own imports; staff and admins import anywhere and
see all; producers are refused (403). A small file is checked and saved inside the request; a
big one runs in the background (`import_jobs`) while its page shows a progress bar, refreshed by
`static/js/import-progress.js` polling the status route (or by a meta refresh without JS).
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core import access, pages
from core.accounts.models import User
from core.csvsafe import Writer
from core.extensions import db
from core.pagination import paginate
from retail.shops import import_jobs, imports
from retail.shops.import_forms import STATE_LABELS, ImportForm
from retail.shops.imports import template
from retail.shops.models import ShopImport

bp = Blueprint("shop_imports", __name__)

SHOWN_ROWS = 200  # problems listed on the page; the CSV report has them all
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _labels():
    return {"import_state_labels": STATE_LABELS}


@bp.route("/retail/imports", methods=["GET", "POST"])
@login_required
def index():
    access.require_retail_role(current_user)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        done = pages.act(
            lambda: import_jobs.start(
                data, upload.filename or "", current_user, only_valid=form.only_valid.data
            ),
            form=form,
        )
        if done:
            import_jobs.run_if_waiting(done.value)
            return redirect(url_for(".detail", import_id=done.value.id))
    stmt = imports.visible_imports(current_user).order_by(ShopImport.id.desc())
    listed = paginate(stmt, per_page=20)
    page = render_template(
        "retail/imports/index.html",
        form=form,
        page=listed,
        creators=_creators(listed.items),
        columns=imports.COLUMNS,
        background_rows=import_jobs.background_rows(),
    )
    return page, 422 if request.method == "POST" else 200


def _creators(records: list[ShopImport]) -> dict[int, str]:
    """Names of the people who made the listed imports (staff see everyone's)."""
    ids = {record.created_by_id for record in records if record.created_by_id}
    if not ids:
        return {}
    stmt = select(User.id, User.full_name).where(User.id.in_(ids))
    return dict(db.session.execute(stmt).all())


@bp.route("/retail/imports/<int:import_id>")
@login_required
def detail(import_id: int):
    record = imports.get_import(import_id, current_user)
    creator = db.session.get(User, record.created_by_id) if record.created_by_id else None
    report = record.report or {}
    return render_template(
        "retail/imports/detail.html",
        record=record,
        creator=creator,
        report=report,
        running=record.state in import_jobs.RUNNING,
        stalled=import_jobs.stalled(record),
        interrupted=import_jobs.INTERRUPTED,
        shown=SHOWN_ROWS,
    )


@bp.route("/retail/imports/<int:import_id>/status")
@login_required
def status(import_id: int):
    record = imports.get_import(import_id, current_user)
    response = jsonify(import_jobs.status(record))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/retail/imports/<int:import_id>/report.csv")
@login_required
def report_csv(import_id: int):
    """Every problem, warning and row already present, for fixing a big file in a spreadsheet."""
    record = imports.get_import(import_id, current_user)
    report = record.report or {}
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow([_("row"), _("column"), _("finding"), _("details")])
    for item in report.get("errors", []):
        writer.writerow([item["row"], item["field"], _("error"), item["reason"]])
    for item in report.get("warnings", []):
        writer.writerow([item["row"], item["field"], _("warning"), item["reason"]])
    for item in report.get("skipped", []):
        writer.writerow(
            [item["row"], "", _("already present"), _("shop #%(id)s", id=item["shop_id"])]
        )
    return _download(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        "text/csv; charset=utf-8",
        f"import-{record.id}-report.csv",
    )


@bp.route("/retail/imports/template.csv")
@login_required
def template_csv():
    access.require_retail_role(current_user)
    return _download(template.template_csv(), "text/csv; charset=utf-8", "shops-template.csv")


@bp.route("/retail/imports/template.xlsx")
@login_required
def template_xlsx():
    access.require_retail_role(current_user)
    return _download(template.template_xlsx(), XLSX, "shops-template.xlsx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
