"""Public pages of the origin log (/log/…) and the staff monitor page (/staff/log/…)."""

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/log")
staff_bp = Blueprint("ledger_staff", __name__, url_prefix="/staff/log")
