"""The ward roll-out: criterion and each ward's state."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Roll-out", __name__, "/api/v1/rollout", "The ward roll-out: criterion and each ward's state."
)
