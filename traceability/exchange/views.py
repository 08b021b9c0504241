"""Pages of the national-portal exchange: a product's ten-item check and downloads (its producer
and staff), and the staff's portal page: counts, the bulk export, and the listing-result upload
(a preview with the row report, then a confirmation that saves).

Access is `core.access`'s: another producer's product answers 404, a field officer 403. The
upload is checked twice, on preview and on confirmation, and saved once (`core.pages.act`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import Counter

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core import access, pages
from core.extensions import db
from traceability.events import documents
from traceability.exchange import exports, forms, imports
from traceability.exchange import items as ten
from traceability.registry.models import (
    PortalState,
    Producer,
    Product,
    ReviewState,
    VerificationState,
)

bp = Blueprint("exchange", __name__)
staff_bp = Blueprint("exchange_staff", __name__, url_prefix="/staff/portal")


def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _name(product: Product, extension: str) -> str:
    return f"portal-{product.gtin}.{extension}"


@bp.get("/products/<int:product_id>/portal")
@login_required
def product_portal(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    found = ten.product_items(product)
    return render_template(
        "exchange/product.html",
        product=product,
        items=found,
        missing=ten.missing_items(product, found),
        codes=ten.CODES,
        item_labels=ten.LABELS,
        day=dt.date.fromisoformat,
    )


@bp.get("/products/<int:product_id>/portal.json")
@login_required
def product_json(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    body = json.dumps(exports.product_json(product), ensure_ascii=False, indent=1)
    return _download(body, "application/json", _name(product, "json"))


@bp.get("/products/<int:product_id>/portal.csv")
@login_required
def product_csv(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    return _download(exports.products_csv([product]), "text/csv", _name(product, "csv"))


@bp.get("/products/<int:product_id>/portal.jsonld")
@login_required
def product_epcis(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    body = json.dumps(exports.product_epcis(product), ensure_ascii=False, indent=1)
    return _download(body, "application/ld+json", documents.filename("product", product.gtin))


# --- staff ---------------------------------------------------------------------------------


@staff_bp.before_request
@login_required
def _staff_only():
    access.require_staff(current_user)


def _published():
    return (
        select(Product.portal_state, func.count())
        .join(Producer, Producer.id == Product.producer_id)
        .where(
            Product.review_state == ReviewState.VERIFIED,
            Producer.verification_state == VerificationState.VERIFIED,
            Product.withdrawn_at.is_(None),
        )
        .group_by(Product.portal_state)
    )


def _index(upload=None, report=None, confirm=None):
    states = Counter({state: 0 for state in PortalState})
    states.update(dict(db.session.execute(_published()).all()))
    waiting = list(db.session.scalars(exports.not_listed()))
    incomplete = [(p, ten.missing_items(p)) for p in waiting]
    incomplete = [(p, missing) for p, missing in incomplete if missing]
    return render_template(
        "exchange/staff.html",
        states=states,
        PortalState=PortalState,
        waiting=len(waiting),
        incomplete=incomplete,
        upload=upload or forms.ListingUploadForm(formdata=None),
        report=report,
        confirm=confirm,
    )


@staff_bp.get("/")
def index():
    return _index()


@staff_bp.get("/export.zip")
def bulk_export():
    bulk = exports.bulk_export()
    return _download(bulk.content, "application/zip", bulk.filename)


@staff_bp.post("/listing-results")
def listing_preview():
    """Check the file and show what it would change; nothing is saved yet."""
    upload = forms.ListingUploadForm()
    if not upload.validate_on_submit():
        return _index(upload=upload)
    data = upload.file.data.read()
    only_valid = bool(upload.only_valid.data)
    done = pages.act(
        lambda: imports.import_listing(data, current_user, only_valid=only_valid, apply=False),
        form=upload,
    )
    if not done:
        return _index(upload=upload)
    report = done.value
    confirm = None
    if report.changes and not report.refused:
        confirm = forms.ListingConfirmForm(formdata=None)
        confirm.payload.data = base64.b64encode(data).decode("ascii")
        confirm.only_valid.data = "1" if only_valid else ""
    _flash_preview(report)
    return _index(upload=upload, report=report, confirm=confirm)


def _flash_preview(report: imports.ListingReport) -> None:
    if report.refused:
        flash(
            ngettext(
                "Nothing can be imported: %(num)s row has a problem. Fix it in your file and "
                "upload it again, or choose “Import only the good rows”.",
                "Nothing can be imported: %(num)s rows have problems. Fix them in your file and "
                "upload it again, or choose “Import only the good rows”.",
                report.bad_rows,
            ),
            "error",
        )
    elif not report.changes:
        flash(_("This file changes nothing: every product already has these states."), "warning")


@staff_bp.post("/listing-results/confirm")
def listing_confirm():
    """Import the previewed file (checked again: the products may have changed meanwhile)."""
    confirm = forms.ListingConfirmForm()
    data = None
    if confirm.validate_on_submit():
        try:
            data = base64.b64decode(confirm.payload.data, validate=True)
        except (binascii.Error, ValueError):
            data = None
    if data is None:
        flash(_("The preview has expired: upload the file again."), "error")
        return redirect(url_for("exchange_staff.index"))
    only_valid = confirm.only_valid.data == "1"
    done = pages.act(lambda: imports.import_listing(data, current_user, only_valid=only_valid))
    if done and done.value.refused:
        _flash_preview(done.value)
        return _index(report=done.value)
    if done:
        flash(
            ngettext(
                "%(num)s product's portal state has been saved.",
                "%(num)s products' portal states have been saved.",
                done.value.saved,
            ),
            "success",
        )
    return redirect(url_for("exchange_staff.index"))
