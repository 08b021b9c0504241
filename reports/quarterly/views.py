"""The wards' quarterly reports: officers write and submit, staff review."""

from flask import Blueprint

bp = Blueprint("ward_reports", __name__, url_prefix="/reports/quarterly")
