"""The ward roll-out: criterion and each ward's state."""

from flask.views import MethodView

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.errors import NotFound
from retail.rollout import services
from retail.rollout.schemas import (
    CriterionIn,
    CriterionOut,
    CriterionSavedOut,
    WardProgressOut,
    WardProgressQuery,
)

blp = api_blueprint(
    "Roll-out", __name__, "/api/v1/rollout", "The ward roll-out: criterion and each ward's state."
)


def _progress_out(progress: services.Progress) -> dict:
    ward = progress.ward
    return {
        "code": ward.code,
        "name": ward.name,
        "rollout_phase": ward.rollout_phase,
        "rollout_started_on": ward.rollout_started_on,
        "state": progress.state,
        "reached_on": progress.reached_on,
        "assessed_shops": progress.assessed,
        "registered_shops": progress.registered,
        "needed_shops": progress.needed,
    }


def _change_out(change: services.StateChange) -> dict:
    before, after = change.before, change.after
    return {
        "code": before.code,
        "name": before.ward.name,
        "state_before": before.state,
        "state_after": after.state,
        "reached_on_before": before.reached_on,
        "reached_on_after": after.reached_on,
    }


@blp.route("/criterion")
class Criterion(MethodView):
    @blp.response(200, CriterionOut)
    def get(self):
        """Read the deployment criterion (officers and staff)"""
        access.require_retail_role(current_api_user())
        return services.criterion()

    @blp.arguments(CriterionIn)
    @blp.response(200, CriterionSavedOut)
    def put(self, data):
        """Set the deployment criterion (staff); lists the wards whose state changes"""
        user = current_api_user()
        access.require_staff(user)
        rule = services.Rule(data["min_shops"], data.get("min_share_percent"))
        saved = services.update_criterion(rule, user)
        commit()
        row = saved.criterion
        return {
            "min_shops": row.min_shops,
            "min_share_percent": row.min_share_percent,
            "updated_at": row.updated_at,
            "wards_changed": [_change_out(c) for c in saved.changes],
        }


@blp.route("/wards")
class WardStates(MethodView):
    @blp.arguments(WardProgressQuery, location="query")
    @blp.response(200, WardProgressOut(many=True))
    def get(self, query):
        """Every ward's roll-out state (staff: all 95; officers: their wards)"""
        codes = access.ward_codes(current_api_user())
        rows = services.filter_progress(
            services.all_wards_progress(codes),
            phase=query.get("rollout_phase"),
            state=query.get("state"),
        )
        return [_progress_out(p) for p in rows]


@blp.route("/wards/<code>")
class WardState(MethodView):
    @blp.response(200, WardProgressOut)
    def get(self, code):
        """One ward's progress toward the criterion"""
        if not access.can_use_ward(current_api_user(), code):
            raise NotFound(f"No ward with code {code!r} among yours.")
        return _progress_out(services.ward_progress(code))
