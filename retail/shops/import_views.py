"""Shop imports from CSV and XLSX: upload, row report, progress, template."""

from flask import Blueprint

bp = Blueprint("shop_imports", __name__)
