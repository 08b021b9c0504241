"""The dashboard's pages (staff: the province; officers: their wards), a ward's page, the
"Refresh now" action and the exports of every table the pages show."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core import access, pages
from core.errors import Conflict, NotFound
from core.extensions import db
from core.wards.models import Ward
from reports import tables
from reports.dashboard import charts, forms, services
from reports.indicators import snapshots
from reports.indicators.periods import BadPeriod, Period
from reports.indicators.targets import Standing

bp = Blueprint("reports", __name__, url_prefix="/reports")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _locale() -> str:
    return str(get_locale() or "vi")


def show(value, kind: str = "text", *, signed: bool = False) -> str:
    """A cell as the page shows it: 35,2 %, 1.500, 01/12/2026 (rounded only here)."""
    return tables.show(value, kind, _locale(), signed=signed)


@bp.context_processor
def _helpers():
    return {"show": show, "Standing": Standing}


def _ward_in_reach(code: str, codes: frozenset[str] | None) -> Ward:
    """The ward if the user may see its figures: staff any, officers theirs (others 404)."""
    ward = db.session.get(Ward, code)
    if ward is None or (codes is not None and code not in codes):
        raise NotFound(_l("Not found."))
    return ward


def _board(ward_code: str | None = None):
    """The query form and every table of the page, for the user's view."""
    codes = access.ward_codes(current_user)  # producers: 403
    ward = _ward_in_reach(ward_code, codes) if ward_code else None
    view = services.View(codes=None if ward else codes, ward=ward)
    officers = services.officers() if current_user.is_staff and ward is None else []
    form = forms.DashboardQuery(formdata=request.args, locale=_locale(), officers=officers)
    form.validate()
    period = form.chosen_period()
    query = form.ward_query({user.id for user in officers})
    board = pages.record(lambda: services.build(view, period, query, _locale()))
    return form, board, query


def _charts(board: services.Dashboard, query: services.WardQuery) -> dict:
    series = board.tables["series"]
    unit = query.indicator.unit
    levels = board.tables["levels"]
    out = {
        "line": charts.line_chart(
            [row["month"] for row in series.rows],
            [row["value"] for row in series.rows],
            [row["expected"] for row in series.rows],
            title=series.title,
            fmt=lambda value: show(value, unit),
            value_label=_("Value"),
            expected_label=_("Target trajectory"),
        ),
        "bars": charts.bar_chart(
            [str(row["_level"]) for row in levels.rows],
            [row["shops"] for row in levels.rows],
            title=levels.title,
            fmt=lambda value: show(value, "count"),
        ),
        "sparks": {
            tile["_reading"].indicator.code: charts.sparkline(
                tile["spark"],
                title=_(
                    "%(indicator)s, the last %(n)s months",
                    indicator=tile["indicator"],
                    n=len(tile["spark"]),
                ),
            )
            for tile in board.tiles
        },
    }
    return out


def _running(board: services.Dashboard) -> bool:
    return not board.period.is_over()


@bp.get("/")
@login_required
def dashboard():
    form, board, query = _board()
    return render_template(
        "reports/dashboard/index.html",
        form=form,
        board=board,
        query=query,
        charts=_charts(board, query),
        running=_running(board),
        export_args=_export_args(),
    )


@bp.get("/wards/<code>")
@login_required
def ward(code: str):
    form, board, query = _board(code)
    return render_template(
        "reports/dashboard/ward.html",
        form=form,
        board=board,
        query=query,
        ward=board.view.ward,
        charts=_charts(board, query),
        running=_running(board),
        export_args=_export_args(ward=code),
    )


@bp.post("/refresh")
@login_required
def refresh():
    """Staff take a current snapshot of a running period now ("Refresh now")."""
    access.require_staff(current_user)
    text = (request.form.get("period") or "").strip()
    ward_code = request.form.get("ward") or None
    try:
        period = Period.parse(text) if text else forms.current_month()
    except BadPeriod:
        period = None

    def take():
        if period is None:
            raise Conflict(_("Choose a period to refresh."))
        if period.is_over() or not period.has_started():
            raise Conflict(
                _("Only a running period is refreshed: a finished one keeps its closing figures.")
            )
        return snapshots.take(period, actor=current_user)

    pages.act(take, _("The figures have been refreshed."))
    args = {"period": period.key} if period is not None else {}
    if ward_code:
        return redirect(url_for("reports.ward", code=ward_code, **args))
    return redirect(url_for("reports.dashboard", **args))


# --- exports --------------------------------------------------------------------------------------


def _export_args(**extra) -> dict:
    args = {k: v for k, v in request.args.items() if k != "ward"}
    return args | extra


def _export_board():
    form, board, _query = _board(request.args.get("ward") or None)
    if form.period.errors:
        abort(400, description=" ".join(str(e) for e in form.period.errors))
    return board


def _filename(board: services.Dashboard, name: str) -> str:
    where = board.view.ward.code if board.view.ward is not None else "tinh"
    return f"chi-tieu-{where}-{board.period.key}-{name}"


@bp.get("/export/<name>.<any(csv, xlsx):fmt>")
@login_required
def export_table(name: str, fmt: str):
    """One table of the page, with the page's query (period, indicator, filters, order)."""
    board = _export_board()
    table = board.tables.get(name)
    if table is None:
        raise NotFound(_l("Not found."))
    if fmt == "csv":
        body, mimetype = tables.csv_bytes(table), CSV_TYPE
    else:
        body, mimetype = tables.xlsx_bytes([table]), XLSX_TYPE
    return _download(body, mimetype, f"{_filename(board, name)}.{fmt}")


@bp.get("/export.xlsx")
@login_required
def export_all():
    """Every table of the page, one sheet each."""
    board = _export_board()
    body = tables.xlsx_bytes(board.ordered())
    return _download(body, XLSX_TYPE, f"{_filename(board, 'tat-ca')}.xlsx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
