"""The Department's annual report, as XLSX or PDF."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Annual reports",
    __name__,
    "/api/v1/annual-reports",
    "The Department's annual report, as XLSX or PDF.",
)
