"""Targets per indicator and year (staff edit them, audit-logged)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core import access, pages
from core.db import province_today
from core.errors import NotFound
from reports import tables
from reports.indicators import definitions, forms, target_rows, targets
from reports.indicators.definitions import Indicator

bp = Blueprint("targets", __name__, url_prefix="/reports/targets")

SHOWN_YEARS = range(2026, 2031)  # the plan's years; staff may add others
UNIT_LABELS = {
    "percent": _l("per cent (%)"),
    "count": _l("count"),
    "score": _l("score (0–100)"),
    "hours": _l("hours"),
}
SECTION_LABELS = definitions.SECTION_TITLES


def shown(value, unit: str) -> str:
    """A figure as the page shows it: rounded half-up (exactly) for its unit, in the locale."""
    return tables.show(value, unit, str(get_locale() or "vi"))


@bp.context_processor
def _labels():
    return {
        "unit_labels": {k: str(v) for k, v in UNIT_LABELS.items()},
        "section_labels": {k: str(v) for k, v in SECTION_LABELS.items()},
        "shown": shown,
    }


def _indicator(code: str) -> Indicator:
    try:
        return definitions.get(code)
    except KeyError:
        raise NotFound(_l("Not found.")) from None


def _targetable(indicator: Indicator, rows: dict) -> bool:
    """An indicator may have targets when more or less of it is better (or it has some)."""
    return bool(rows) or indicator.direction != "none"


@bp.get("/")
@login_required
def index():
    """Every indicator's targets per year, which are defaults, and the trajectory today."""
    access.require_staff(current_user)
    today = province_today()
    rows = target_rows.all_rows()
    shown = [i for i in definitions.all_indicators() if _targetable(i, rows[i.code])]
    years = sorted(set(SHOWN_YEARS) | {y for i in shown for y in rows[i.code]})
    lines = [
        {
            "indicator": i,
            "rows": rows[i.code],
            "today": targets.expected_on(target_rows.figures(rows[i.code]), today),
        }
        for i in shown
    ]
    return render_template("reports/targets/index.html", lines=lines, years=years, today=today)


def _saved(row) -> str:
    return _("The target for %(year)s has been saved.", year=row.year)


@bp.route("/<code>/<int:year>", methods=["GET", "POST"])
@login_required
def edit(code: str, year: int):
    """Change one year's target (the service checks the range and writes the audit log)."""
    access.require_staff(current_user)
    indicator = _indicator(code)
    if not targets.FIRST_YEAR <= year <= targets.LAST_YEAR:
        raise NotFound(_l("Not found."))
    rows = target_rows.rows_of(indicator)
    form = forms.TargetForm()
    if form.validate_on_submit() and pages.act(
        lambda: targets.set_target(code, year, form.value.data, current_user),
        _saved,
        form=form,
    ):
        return redirect(url_for("targets.index", _anchor=code))
    if not form.is_submitted() and year in rows:
        form.value.data = rows[year].value
    return render_template(
        "reports/targets/edit.html",
        indicator=indicator,
        year=year,
        row=rows.get(year),
        form=form,
    )


@bp.route("/<code>/add", methods=["GET", "POST"])
@login_required
def add_year(code: str):
    """A target for a year the indicator has none for yet."""
    access.require_staff(current_user)
    indicator = _indicator(code)
    rows = target_rows.rows_of(indicator)
    form = forms.AddYearForm(set(rows))
    if form.validate_on_submit() and pages.act(
        lambda: targets.set_target(code, form.year.data, form.value.data, current_user),
        _saved,
        form=form,
    ):
        return redirect(url_for("targets.index", _anchor=code))
    return render_template("reports/targets/add.html", indicator=indicator, rows=rows, form=form)


@bp.route("/<code>/<int:year>/reset", methods=["GET", "POST"])
@login_required
def reset(code: str, year: int):
    """Go back to the definition's default (or drop a year staff added), after asking."""
    access.require_staff(current_user)
    indicator = _indicator(code)
    row = target_rows.rows_of(indicator).get(year)
    if row is None or row.is_default:
        raise NotFound(_l("Not found."))
    # CSRFProtect has checked the POST's token already: the confirmation is the POST itself.
    if request.method == "POST" and pages.act(
        lambda: targets.reset_target(code, year, current_user),
        _("The target for %(year)s is back to its default.", year=year)
        if row.default is not None
        else _("The target for %(year)s has been removed.", year=year),
    ):
        return redirect(url_for("targets.index", _anchor=code))
    return render_template("reports/targets/reset.html", indicator=indicator, year=year, row=row)
