"""Shop pages for field officers and staff: list, register, edit, close, merge."""

from flask import Blueprint

bp = Blueprint("shops", __name__)
