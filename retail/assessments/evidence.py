"""Photo evidence of an assessment: the product photos' safe upload path, one photo per draft.

An upload is read with a size limit, opened as a real image (format, pixel count and bomb
checks), turned upright and re-encoded as a JPEG without metadata (no GPS, no device) by
`traceability.registry.images`, then stored under a random name in `UPLOAD_FOLDER/assessments/`.
A failed request takes the new file away (`core.db.on_rollback`). Photos are served only to staff
and the ward's officers (the view loads the assessment through `core.access.get_in_ward`).

A correction starts with its original's photo, so a file is deleted only when no assessment
refers to it any more.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from core import audit
from core.db import on_rollback
from core.extensions import db
from retail.assessments.models import Assessment
from retail.assessments.services import require_draft
from traceability.registry.images import decode_image, read_limited

FOLDER = "assessments"
# Enough to read a price list or a QR stand on a phone; a worker never decodes more than this.
BOX = (1600, 1600)
JPEG_QUALITY = 82


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def media_dir() -> Path:
    path = upload_root() / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_file(assessment: Assessment) -> Path | None:
    """The stored photo of an assessment, or None."""
    if not assessment.photo_path:
        return None
    path = upload_root() / assessment.photo_path
    return path if path.is_file() else None


def add_photo(assessment: Assessment, stream, actor) -> Assessment:
    """Store an uploaded photo as the draft's evidence, replacing the one it had."""
    require_draft(assessment)
    data = read_limited(stream, current_app.config["MAX_IMAGE_BYTES"])
    image = decode_image(data, box=BOX)
    if image.width > BOX[0] or image.height > BOX[1]:
        image.thumbnail(BOX, Image.Resampling.LANCZOS)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    path = media_dir() / name
    image.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    old = assessment.photo_path
    try:
        assessment.photo_path = f"{FOLDER}/{name}"
        assessment.updated_by_id = actor.id
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    on_rollback(db.session(), lambda: path.unlink(missing_ok=True))
    _forget(old)
    audit.record(actor, "assessment.photo_add", assessment, shop=assessment.shop_id)
    return assessment


def remove_photo(assessment: Assessment, actor) -> Assessment:
    """Take the draft's photo away."""
    require_draft(assessment)
    old = assessment.photo_path
    if old is None:
        return assessment
    assessment.photo_path = None
    assessment.updated_by_id = actor.id
    db.session.flush()
    _forget(old)
    audit.record(actor, "assessment.photo_remove", assessment, shop=assessment.shop_id)
    return assessment


def _forget(photo_path: str | None) -> None:
    """Delete a photo file once no assessment refers to it (a correction may share it)."""
    if not photo_path:
        return
    users = db.session.scalar(
        select(func.count()).select_from(Assessment).where(Assessment.photo_path == photo_path)
    )
    if not users:
        (upload_root() / photo_path).unlink(missing_ok=True)
