"""Targets per indicator and year (staff edit them, audit-logged)."""

from flask import Blueprint

bp = Blueprint("targets", __name__, url_prefix="/reports/targets")
