"""Retail shops of the wards (officers: their wards only)."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Shops", __name__, "/api/v1/shops", "Retail shops of the wards (officers: their wards only)."
)
