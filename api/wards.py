"""Wards: list, read, and set the roll-out (staff)."""

import datetime as dt

from flask.views import MethodView
from sqlalchemy import select

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.errors import NotFound
from core.extensions import db
from core.wards import services
from core.wards.models import RolloutPhase, Ward
from core.wards.schemas import WardOut, WardQuery, WardRolloutIn

blp = api_blueprint("Wards", __name__, "/api/v1/wards", "The 95 commune-level units of Đồng Nai.")


def _as_of(ward: Ward, day: dt.date) -> dict:
    return {
        "code": ward.code,
        "name": ward.name_on(day),
        "name_en": ward.name_en,
        "kind": ward.kind_on(day),
        "group": ward.group_on(day),
        "former_province": ward.former_province,
        "rollout_phase": ward.rollout_phase,
        "rollout_started_on": ward.rollout_started_on,
        "statuses": ward.statuses,
    }


def _get(code: str) -> Ward:
    ward = db.session.get(Ward, code)
    if ward is None:
        raise NotFound(f"No ward with code {code!r}.")
    return ward


@blp.route("/")
class Wards(MethodView):
    @blp.arguments(WardQuery, location="query")
    @blp.response(200, WardOut(many=True))
    def get(self, query):
        """List wards (all 95; filter by type, group, roll-out phase or name)"""
        day = query.get("on") or dt.date.today()
        wards = db.session.scalars(select(Ward).order_by(Ward.code))
        matching = services.filter_wards(
            wards,
            day,
            q=query.get("q", ""),
            kind=query.get("kind"),
            group=query.get("group"),
            phase=query.get("rollout_phase"),
        )
        return [_as_of(w, day) for w in matching]


@blp.route("/<code>")
class WardByCode(MethodView):
    @blp.response(200, WardOut)
    def get(self, code):
        """Read one ward"""
        return _as_of(_get(code), dt.date.today())

    @blp.arguments(WardRolloutIn)
    @blp.response(200, WardOut)
    def patch(self, data, code):
        """Set a ward's roll-out phase and start date (staff)"""
        user = current_api_user()
        access.require_staff(user)
        ward = _get(code)
        services.update_rollout(
            ward,
            phase=RolloutPhase(data["rollout_phase"]),
            started_on=data.get("rollout_started_on"),
            actor=user,
        )
        commit()
        return _as_of(ward, dt.date.today())
