"""Indicators, their values by period and scope, targets and snapshots."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from sqlalchemy import select

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.db import province_today
from core.errors import Conflict, NotFound
from core.extensions import db
from core.wards.models import AreaGroup, RolloutPhase, Ward
from reports.indicators import definitions, snapshots, target_rows, targets
from reports.indicators.definitions import Indicator
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind
from reports.indicators.periods import Period
from reports.indicators.schemas import (
    IndicatorOut,
    SnapshotIn,
    SnapshotOut,
    SnapshotQuery,
    TargetIn,
    TargetsOut,
    ValuesOut,
    ValuesQuery,
)
from reports.indicators.values import Figures

blp = api_blueprint(
    "Indicators",
    __name__,
    "/api/v1/indicators",
    "Indicators, their values by period and scope, targets and snapshots.",
)
SNAPSHOT_LIST_MAX = 500


def _indicator(code: str) -> Indicator:
    try:
        return definitions.get(code)
    except KeyError:
        raise NotFound(_l("No indicator with code %(code)s.", code=code)) from None


def _targets_out(rows: dict[int, target_rows.TargetRow]) -> list[dict]:
    return [
        {
            "year": row.year,
            "value": row.value,
            "default": row.default,
            "is_default": row.is_default,
            "updated_at": row.updated_at,
            "updated_by": row.updated_by,
        }
        for row in rows.values()
    ]


def _indicator_out(indicator: Indicator, rows: dict[int, target_rows.TargetRow]) -> dict:
    return {
        "code": indicator.code,
        "name_vi": indicator.name_vi,
        "name_en": indicator.name_en,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "section": indicator.section,
        "headline": indicator.headline,
        "by_category": indicator.by_category,
        "flow": indicator.flow,
        "targets": _targets_out(rows),
    }


@blp.route("")
class Indicators(MethodView):
    @blp.response(200, IndicatorOut(many=True))
    def get(self):
        """Every indicator's definition, with its targets per year (officers and staff)"""
        access.require_retail_role(current_api_user())
        rows = target_rows.all_rows()
        return [_indicator_out(i, rows[i.code]) for i in definitions.all_indicators()]


def _check_scope(user, scope: Scope, key: str) -> None:
    """Officers read only their own wards; every key must name a ward, group or phase."""
    codes = access.ward_codes(user)
    if codes is not None and (scope is not Scope.WARD or key not in codes):
        raise NotFound(
            _l("Officers see only their wards: ask for scope=ward and one of your wards' codes.")
        )
    known = {
        Scope.PROVINCE: lambda: key == "",
        Scope.WARD: lambda: db.session.get(Ward, key) is not None,
        Scope.GROUP: lambda: key in set(AreaGroup),
        Scope.PHASE: lambda: key in set(RolloutPhase),
    }[scope]
    if not known():
        abort(
            422,
            message=str(_l("No %(scope)s with key %(key)s.", scope=scope.value, key=key)),
            messages={"query": {"key": [f"No {scope.value} with this key."]}},
        )


def _value_out(indicator: Indicator, figures: Figures, query: dict, day, rows) -> dict:
    scope, key = query["scope"], query["key"]
    category = "" if query["category"] is None else query["category"].value
    figure = figures.get(indicator, scope, key, category)
    figures_by_year = target_rows.figures(rows)
    standing, expected = targets.standing(indicator, figure.value, day, figures_by_year)
    return {
        "indicator": indicator.code,
        "name": indicator.name(str(get_locale() or "vi")),
        "unit": indicator.unit,
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator if indicator.denominator else None,
        "target": figures_by_year.get(day.year),
        "expected": expected,
        "gap": targets.gap(figure.value, expected),
        "standing": standing.value,
    }


@blp.route("/values")
class Values(MethodView):
    @blp.arguments(ValuesQuery, location="query")
    @blp.response(200, ValuesOut)
    def get(self, query):
        """Every indicator's value, target, trajectory and standing for a period and scope

        Officers may ask only for scope=ward and one of their wards (anything else: 404).
        """
        user = current_api_user()
        _check_scope(user, query["scope"], query["key"])
        today = province_today()
        period = query["period"] or Period.containing(PeriodKind.MONTH, today)
        if not period.has_started(today):
            abort(
                422,
                message=str(_l("%(period)s has not started yet.", period=period.key)),
                messages={"query": {"period": ["This period has not started yet."]}},
            )
        snapshot = snapshots.for_period(period, today=today)
        commit()  # a snapshot taken on first need is kept
        figures = Figures.of(snapshot)
        rows = target_rows.all_rows()
        chosen = [
            i for i in definitions.all_indicators() if query["category"] is None or i.by_category
        ]
        return {
            "period": period.key,
            "as_of": snapshot.as_of,
            "scope": query["scope"],
            "key": query["key"],
            "category": None if query["category"] is None else query["category"].value,
            "snapshot": snapshot,
            "values": [_value_out(i, figures, query, snapshot.as_of, rows[i.code]) for i in chosen],
        }


@blp.route("/<code>/targets")
class IndicatorTargets(MethodView):
    @blp.response(200, TargetsOut)
    def get(self, code):
        """The indicator's targets per year: defaults, and who changed which (staff)"""
        access.require_staff(current_api_user())
        indicator = _indicator(code)
        rows = target_rows.rows_of(indicator)
        return {"indicator": code, "unit": indicator.unit, "targets": _targets_out(rows)}


@blp.route("/<code>/targets/<int:year>")
class IndicatorTarget(MethodView):
    @blp.arguments(TargetIn)
    @blp.response(200, TargetsOut)
    def put(self, data, code, year):
        """Set a year's target (staff; audit-logged); answers the indicator's targets"""
        user = current_api_user()
        access.require_staff(user)
        indicator = _indicator(code)
        targets.set_target(code, year, data["value"], user)
        commit()
        rows = target_rows.rows_of(indicator)
        return {"indicator": code, "unit": indicator.unit, "targets": _targets_out(rows)}

    @blp.response(204)
    def delete(self, code, year):
        """Reset a year's target to the definition's default (staff; 404 when none was set)"""
        user = current_api_user()
        access.require_staff(user)
        _indicator(code)
        targets.reset_target(code, year, user)
        commit()


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.arguments(SnapshotQuery, location="query")
    @blp.response(200, SnapshotOut(many=True))
    def get(self, query):
        """The stored snapshots, newest first (at most 500; officers and staff)"""
        access.require_retail_role(current_api_user())
        stmt = select(Snapshot).order_by(Snapshot.id.desc()).limit(SNAPSHOT_LIST_MAX)
        if query["period_kind"] is not None:
            stmt = stmt.where(Snapshot.period_kind == query["period_kind"])
        if query["period"] is not None:
            period = query["period"]
            stmt = stmt.where(
                Snapshot.period_kind == period.kind, Snapshot.period_key == period.key
            )
        return db.session.scalars(stmt).all()

    @blp.arguments(SnapshotIn)
    @blp.response(201, SnapshotOut)
    def post(self, data):
        """Take a snapshot now (staff): current for a running period, closing for a finished
        period that has none (a finished period already closed: 409)"""
        user = current_api_user()
        access.require_staff(user)
        period = data["period"]
        today = province_today()
        if period.is_over(today) and snapshots.latest(period, (SnapshotKind.CLOSING,)):
            raise Conflict(_l("%(period)s is closed: its figures are final.", period=period.key))
        if not period.has_started(today):
            abort(
                422,
                message=str(_l("%(period)s has not started yet.", period=period.key)),
                messages={"json": {"period": ["This period has not started yet."]}},
            )
        snapshot = snapshots.take(period, actor=user, today=today)
        commit()
        return snapshot
