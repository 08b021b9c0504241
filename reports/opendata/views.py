"""The public open-data page and its files."""

from flask import Blueprint

bp = Blueprint("open_data", __name__, url_prefix="/open-data")
