"""Counterfeit reports: what a consumer reports, its reference, its workflow, its public status.

A report needs no account. Its photo is kept re-encoded (no EXIF, so no GPS); its reference is
enough to follow it, and shows only its state, dates and the product, never the message,
contact, photo or staff note. Like every service here, nothing commits.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import access, audit
from core.accounts.models import User
from core.db import on_rollback, utcnow
from core.errors import Conflict, FieldErrors
from core.extensions import db
from traceability.registry import images
from traceability.stamps.cards import product_card
from traceability.stamps.models import CounterfeitReport, ReportState
from traceability.stamps.verdicts import Resolution

REPORT_STATE_LABELS = {
    ReportState.NEW: _l("new"),
    ReportState.INVESTIGATING: _l("being investigated"),
    ReportState.CONFIRMED: _l("confirmed"),
    ReportState.DISMISSED: _l("dismissed"),
}
REPORT_TRANSITIONS = {
    ReportState.NEW: {ReportState.INVESTIGATING, ReportState.CONFIRMED, ReportState.DISMISSED},
    ReportState.INVESTIGATING: {ReportState.CONFIRMED, ReportState.DISMISSED},
    ReportState.CONFIRMED: {ReportState.INVESTIGATING},
    ReportState.DISMISSED: {ReportState.INVESTIGATING},
}
MESSAGE_MIN, MESSAGE_MAX = 10, 2000
FIELD_LIMITS = {"where_bought": 200, "contact": 120}
PHOTO_BOX = (1280, 1280)

# Report references are read aloud and typed on a phone: no 0/O, 1/I. 32^8 = 2^40 values.
REPORT_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_report_reference() -> str:
    """A reference such as BC-7KQ2-M9XD: enough on its own to open the report's status page."""
    code = "".join(secrets.choice(REPORT_REFERENCE_ALPHABET) for _ in range(8))
    return f"BC-{code[:4]}-{code[4:]}"


# --- a consumer's report -------------------------------------------------------------------


def create_report(
    found: Resolution,
    data: Mapping[str, str],
    *,
    client: str,
    scanned_code: str | None = None,
    photo: IO[bytes] | None = None,
) -> CounterfeitReport:
    """Keep a consumer's report about what `found` names.

    `data` holds the text the form read (message, where_bought, contact); `scanned_code` is a
    malformed code as scanned, kept in the message for staff; `photo` an uploaded image.
    """
    message = data.get("message") or ""
    fields = {name: data.get(name) or "" for name in FIELD_LIMITS}
    _check_report(message, fields)
    if scanned_code is not None:
        message += f"\n\n[{_l('Scanned code')}: {scanned_code[:300]}]"
    report = CounterfeitReport(
        reference=new_report_reference(),
        stamp_id=found.stamp.id if found.stamp is not None else None,
        producer_id=found.product.producer_id if found.product is not None else None,
        gtin=found.gtin,
        lot=found.lot,
        serial=found.serial,
        verdict=found.verdict,
        message=message,
        client_hash=client,
        **fields,
    )
    if photo is not None:
        report.photo_key = store_report_photo(photo)
    db.session.add(report)
    db.session.flush()
    return report


def _check_report(message: str, fields: dict[str, str]) -> None:
    errors = FieldErrors()
    if len(message.strip()) < MESSAGE_MIN:
        errors.add(
            "message", _l("Tell us in a few words what looks wrong (at least 10 characters).")
        )
    elif len(message) > MESSAGE_MAX:
        errors.add("message", _l("Keep the message under %(n)s characters.", n=MESSAGE_MAX))
    for name, limit in FIELD_LIMITS.items():
        if len(fields[name]) > limit:
            errors.add(name, _l("Keep this under %(n)s characters.", n=limit))
    errors.raise_if_any()


def report_photo_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_report_photo(stream: IO[bytes]) -> str:
    """Keep a re-encoded copy (no EXIF, so no GPS) of the consumer's photo, at most 1280 px.

    The file is removed again if the request's transaction rolls back.
    """
    data = images.read_limited(stream, current_app.config["MAX_IMAGE_BYTES"])
    # Anyone can send one: a lower pixel limit, and decoded straight down to 1280 px.
    image = images.decode_image(
        data, box=PHOTO_BOX, max_pixels=current_app.config["MAX_REPORT_IMAGE_PIXELS"]
    )
    key = f"{secrets.token_hex(12)}.jpg"
    path = report_photo_dir() / key
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=images.JPEG_QUALITY)
    path.write_bytes(buffer.getvalue())
    on_rollback(db.session(), lambda: path.unlink(missing_ok=True))
    return key


# --- the Department's workflow -------------------------------------------------------------


def change_report_state(
    report: CounterfeitReport, state: ReportState, note: str, actor: User
) -> CounterfeitReport:
    """Move a report along its workflow; confirming flags the stamp so its page warns.

    The stamp stays flagged while another of its reports is confirmed.
    """
    access.require_staff(actor)
    if state not in REPORT_TRANSITIONS[report.state]:
        raise Conflict(
            _l(
                "A report that is %(old)s cannot become %(new)s.",
                old=REPORT_STATE_LABELS[report.state],
                new=REPORT_STATE_LABELS[state],
            ),
            field="state",
        )
    old = report.state
    report.state, report.handled_by_id, report.handled_at = state, actor.id, utcnow()
    if note:
        report.staff_note = (report.staff_note + "\n" if report.staff_note else "") + note
    if report.stamp is not None:
        report.stamp.flagged = state is ReportState.CONFIRMED or _other_confirmed(report)
    audit.record(
        actor, "counterfeit_report.state", report, old=old.value, new=state.value, note=note
    )
    db.session.flush()
    return report


def _other_confirmed(report: CounterfeitReport) -> bool:
    others = db.session.scalar(
        select(func.count())
        .select_from(CounterfeitReport)
        .where(
            CounterfeitReport.stamp_id == report.stamp_id,
            CounterfeitReport.state == ReportState.CONFIRMED,
            CounterfeitReport.id != report.id,
        )
    )
    return others > 0


# --- the public status of a report ---------------------------------------------------------


@dataclass(frozen=True)
class ReportStatus:
    """What anyone holding a report's reference may see: never the message, contact or photo."""

    reference: str
    state: ReportState
    received_at: dt.datetime
    changed_at: dt.datetime | None
    product_name: str | None


def clean_report_reference(text: str) -> str | None:
    """``BC-XXXX-XXXX`` from what was typed (any case, with or without BC and dashes)."""
    code = "".join(char for char in text.upper() if char.isalnum())
    if len(code) == 10 and code.startswith("BC"):
        code = code[2:]
    if len(code) != 8 or not set(code) <= set(REPORT_REFERENCE_ALPHABET):
        return None
    return f"BC-{code[:4]}-{code[4:]}"


def report_status(reference: str) -> ReportStatus | None:
    """The public status of the report with this reference, or None."""
    cleaned = clean_report_reference(reference)
    if cleaned is None:
        return None
    report = db.session.scalars(
        select(CounterfeitReport).where(CounterfeitReport.reference == cleaned)
    ).first()
    if report is None:
        return None
    product = product_card(report.gtin) if report.gtin else None
    return ReportStatus(
        reference=report.reference,
        state=report.state,
        received_at=report.at,
        changed_at=report.handled_at,
        product_name=product.name if product is not None else None,
    )
