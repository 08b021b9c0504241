"""Digital transformation assessments of shops."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Assessments", __name__, "/api/v1/assessments", "Digital transformation assessments of shops."
)
