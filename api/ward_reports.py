"""The wards' quarterly reports: list and read them, write the narrative, submit, review."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask.views import MethodView
from flask_babel import get_locale

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.db import province_today
from reports.indicators.definitions import all_indicators
from reports.indicators.models import PeriodKind, Scope
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from reports.quarterly import services
from reports.quarterly.figures import WARD_FLAGS
from reports.quarterly.schemas import (
    NarrativeIn,
    ReturnIn,
    WardReportDetailOut,
    WardReportOut,
    WardReportQuery,
)

blp = api_blueprint(
    "Ward reports",
    __name__,
    "/api/v1/ward-reports",
    "The wards' quarterly reports: list and read them, write the narrative, submit, review.",
)

FOUR_PLACES = Decimal("0.0001")


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return float(Decimal(value).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


def _row_out(row: services.Row) -> dict:
    report = row.report
    return {
        "ward_code": row.ward.code,
        "ward_name": row.ward.name,
        "quarter": row.quarter.key,
        "due_on": row.due,
        "state": row.state,
        "status": row.status,
        "late": row.late,
        "submitted_late": row.submitted_late,
        "submitted_at": report.submitted_at if report else None,
        "returned_at": report.returned_at if report else None,
        "return_comment": report.return_comment if report else "",
        "accepted_at": report.accepted_at if report else None,
        "snapshot_id": report.snapshot_id if report else None,
    }


def _detail(code: str, quarter_key: str) -> dict:
    """One report with its narrative and figures (reading may take the quarter's snapshot)."""
    user = current_api_user()
    ward = services.ward_in_reach(code, user)
    quarter = services.quarter_of(quarter_key)
    services.require_started(quarter)
    row = services.row(ward, quarter)
    snapshot, frozen = services.figures_snapshot(row.report, quarter)
    figures = Figures.of(snapshot)
    locale = str(get_locale() or "vi")
    items = []
    for indicator in all_indicators():
        if indicator.code in WARD_FLAGS:
            continue
        figure = figures.get(indicator, Scope.WARD, ward.code)
        items.append(
            {
                "code": indicator.code,
                "name": indicator.name(locale),
                "unit": indicator.unit,
                "numerator": _number(figure.numerator),
                "denominator": _number(figure.denominator),
                "value": _number(figure.value),
            }
        )
    report = row.report
    return _row_out(row) | {
        "activities": report.activities if report else "",
        "difficulties": report.difficulties if report else "",
        "proposals": report.proposals if report else "",
        "figures_frozen": frozen,
        "figures_as_of": snapshot.as_of,
        "figures_taken_at": snapshot.taken_at,
        "figures": items,
    }


@blp.route("/")
class WardReports(MethodView):
    @blp.arguments(WardReportQuery, location="query")
    @blp.response(200, WardReportOut(many=True))
    def get(self, query):
        """Every ward's report for a quarter (staff: all 95 wards; officers: theirs)"""
        codes = access.ward_codes(current_api_user())
        quarter = query.get("quarter") or Period.containing(PeriodKind.QUARTER, province_today())
        ward = query.get("ward")
        if ward:
            codes = frozenset({ward}) if codes is None or ward in codes else frozenset()
        rows = services.rows(quarter, codes)
        if "state" in query:
            rows = [row for row in rows if row.state is query["state"]]
        if "status" in query:
            rows = [row for row in rows if row.status is query["status"]]
        return [_row_out(row) for row in rows]


@blp.route("/<code>/<quarter_key>")
class WardReport(MethodView):
    @blp.response(200, WardReportDetailOut)
    def get(self, code, quarter_key):
        """One ward's report for a quarter (e.g. /26188/2026-Q4), with its figures"""
        body = _detail(code, quarter_key)
        commit()  # a snapshot the reading took
        return body

    @blp.arguments(NarrativeIn)
    @blp.response(200, WardReportDetailOut)
    def put(self, data, code, quarter_key):
        """Save the narrative (the ward's officers; creates the draft)"""
        quarter = services.quarter_of(quarter_key)
        services.save_draft(code, quarter, data, current_api_user())
        commit()
        return _detail(code, quarter_key)


def _action(code: str, quarter_key: str, act) -> dict:
    quarter = services.quarter_of(quarter_key)
    act(quarter)
    commit()
    return _detail(code, quarter_key)


@blp.route("/<code>/<quarter_key>/submit")
class SubmitWardReport(MethodView):
    @blp.response(200, WardReportDetailOut)
    def post(self, code, quarter_key):
        """Send the saved report to the Department; its figures are frozen (the ward's officers)"""
        user = current_api_user()
        return _action(code, quarter_key, lambda q: services.submit(code, q, user))


@blp.route("/<code>/<quarter_key>/return")
class ReturnWardReport(MethodView):
    @blp.arguments(ReturnIn)
    @blp.response(200, WardReportDetailOut)
    def post(self, data, code, quarter_key):
        """Send a submitted report back to the ward with a comment (staff)"""
        user = current_api_user()
        return _action(
            code,
            quarter_key,
            lambda q: services.return_report(code, q, data["comment"], user),
        )


@blp.route("/<code>/<quarter_key>/accept")
class AcceptWardReport(MethodView):
    @blp.response(200, WardReportDetailOut)
    def post(self, code, quarter_key):
        """Accept a submitted report (staff)"""
        user = current_api_user()
        return _action(code, quarter_key, lambda q: services.accept(code, q, user))
