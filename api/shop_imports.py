"""Shop imports from CSV and XLSX, checked row by row."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Shop imports",
    __name__,
    "/api/v1/shop-imports",
    "Shop imports from CSV and XLSX, checked row by row.",
)
