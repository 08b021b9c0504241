"""Product photos under /media: public, because consumers see them on every stamp's page."""

from __future__ import annotations

from flask import Blueprint, send_from_directory

from traceability.registry import images

media_bp = Blueprint("media", __name__, url_prefix="/media")


@media_bp.get("/products/<name>")
def product_image(name: str):
    """Names are random keys, and a photo never changes under its name: cached for a week."""
    response = send_from_directory(images.media_dir(), name, max_age=7 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=604800, immutable"
    return response
