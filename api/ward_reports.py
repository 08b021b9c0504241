"""The wards' quarterly reports."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Ward reports", __name__, "/api/v1/ward-reports", "The wards' quarterly reports."
)
