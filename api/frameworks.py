"""Versioned assessment frameworks (questionnaires)."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Assessment frameworks",
    __name__,
    "/api/v1/frameworks",
    "Versioned assessment frameworks (questionnaires).",
)
