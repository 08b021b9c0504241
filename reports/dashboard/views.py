"""The dashboard's pages (staff: the province; officers: their wards)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
