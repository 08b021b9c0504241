"""Aggregated indicators by ward and period, public (no token)."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Open data",
    __name__,
    "/api/v1/open-data",
    "Aggregated indicators by ward and period, public (no token).",
)
