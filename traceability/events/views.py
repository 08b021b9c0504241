"""Producer pages of trace events: recording on the batch page, CSV upload, exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__)
