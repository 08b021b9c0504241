"""Pages of the national-portal exchange (helper D1 replaces this stub)."""

from flask import Blueprint

bp = Blueprint("exchange", __name__)
staff_bp = Blueprint("exchange_staff", __name__, url_prefix="/staff/portal")
