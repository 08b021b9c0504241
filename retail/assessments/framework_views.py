"""Assessment frameworks for staff: versions, upload, draft, preview, publish."""

from flask import Blueprint

bp = Blueprint("frameworks", __name__)
