"""Indicators, their values by period and scope, targets and snapshots."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Indicators",
    __name__,
    "/api/v1/indicators",
    "Indicators, their values by period and scope, targets and snapshots.",
)
