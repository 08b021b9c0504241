"""The annual report's page and downloads."""

from flask import Blueprint

bp = Blueprint("annual_report", __name__, url_prefix="/reports/annual")
