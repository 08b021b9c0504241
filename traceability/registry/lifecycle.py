"""Deleting, withdrawing and restoring products, sites and batches without losing any trace.

A row that a trace record names (a stamp order today, EPCIS events later) is never deleted: it is
withdrawn, kept with its trace and hidden from lists, and can be restored. Like the other
services these flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from core import audit
from core.accounts.models import User
from core.db import utcnow
from core.errors import Conflict
from core.extensions import db
from traceability.registry import images
from traceability.registry.edits import require_write, stamp
from traceability.registry.models import Batch, Product, ReviewState, Site
from traceability.stamps.models import StampOrder


@dataclass(frozen=True)
class Deletion:
    """What deleting a row would remove with it, or why it cannot be deleted (withdraw it)."""

    blocked_by: str | None = None
    photos: int = 0
    batches: int = 0

    @property
    def allowed(self) -> bool:
        return self.blocked_by is None


def trace_records(*, product_id: int | None = None, batch_id: int | None = None) -> int:
    """How many trace records name a product or a batch; a row with any cannot be deleted.

    Today these are stamp orders: every stamp, and so every consumer scan, hangs on an order.
    The hook for later records (EPCIS events) is here: add their count to the sum.
    """
    stmt = select(func.count()).select_from(StampOrder)
    if batch_id is not None:
        stmt = stmt.where(StampOrder.batch_id == batch_id)
    elif product_id is not None:
        stmt = stmt.where(StampOrder.product_id == product_id)
    else:
        raise ValueError("name a product or a batch")
    return db.session.scalar(stmt)


# --- withdrawal ----------------------------------------------------------------------------

WITHDRAWN_MESSAGES = {
    "product": (
        _l("This product is already withdrawn."),
        _l("This product is not withdrawn."),
    ),
    "site": (_l("This site is already withdrawn."), _l("This site is not withdrawn.")),
    "batch": (_l("This batch is already withdrawn."), _l("This batch is not withdrawn.")),
}


def _set_withdrawn(obj, kind: str, withdrawn: bool, actor: User):
    """Withdraw a row (kept with its trace, hidden from lists, no new batches or stamps) or
    restore it; audit-logged."""
    require_write(actor, obj)
    if (obj.withdrawn_at is not None) == withdrawn:
        raise Conflict(WITHDRAWN_MESSAGES[kind][0 if withdrawn else 1])
    obj.withdrawn_at = utcnow() if withdrawn else None
    stamp(obj, actor)
    audit.record(actor, f"{kind}.{'withdraw' if withdrawn else 'restore'}", obj)
    db.session.flush()
    return obj


def withdraw_product(product: Product, actor: User) -> Product:
    return _set_withdrawn(product, "product", True, actor)


def restore_product(product: Product, actor: User) -> Product:
    return _set_withdrawn(product, "product", False, actor)


def withdraw_site(site: Site, actor: User) -> Site:
    return _set_withdrawn(site, "site", True, actor)


def restore_site(site: Site, actor: User) -> Site:
    return _set_withdrawn(site, "site", False, actor)


def withdraw_batch(batch: Batch, actor: User) -> Batch:
    return _set_withdrawn(batch, "batch", True, actor)


def restore_batch(batch: Batch, actor: User) -> Batch:
    return _set_withdrawn(batch, "batch", False, actor)


# --- deletion ------------------------------------------------------------------------------


def product_deletion(product: Product) -> Deletion:
    """What deleting a product would remove, or why it cannot be deleted.

    Only a product the Department is not reviewing and has not verified (a draft, or one it
    returned) may go, with its photos and its batches, and only while no trace record names it.
    """
    batches = db.session.scalar(
        select(func.count()).select_from(Batch).where(Batch.product_id == product.id)
    )
    if product.review_state is ReviewState.SUBMITTED:
        reason = _l("The Department is reviewing this product: it cannot be deleted.")
    elif product.review_state is ReviewState.VERIFIED:
        reason = _l("A verified product cannot be deleted.")
    elif trace_records(product_id=product.id):
        reason = _l("Stamps have been issued for this product: it cannot be deleted.")
    else:
        reason = None
    return Deletion(blocked_by=reason, photos=len(product.images), batches=batches)


def delete_product(product: Product, actor: User) -> None:
    """Delete a product, its photos and its batches (none has stamps), or raise Conflict."""
    require_write(actor, product)
    deletion = product_deletion(product)
    if deletion.blocked_by:
        raise Conflict(deletion.blocked_by)
    keys = [image.key for image in product.images]
    for batch in db.session.scalars(select(Batch).where(Batch.product_id == product.id)):
        audit.record(actor, "batch.delete", batch, lot_code=batch.lot_code)
        db.session.delete(batch)
    audit.record(
        actor,
        "product.delete",
        product,
        gtin=product.gtin,
        photos=deletion.photos,
        batches=deletion.batches,
    )
    db.session.delete(product)
    db.session.flush()
    for key in keys:  # as when one photo is removed
        for width in images.VARIANT_WIDTHS:
            (images.media_dir() / images.variant_name(key, width)).unlink(missing_ok=True)


def site_deletion(site: Site) -> Deletion:
    """A site that batches come from stays (their trace names it): it can be withdrawn."""
    if db.session.scalar(select(exists().where(Batch.site_id == site.id))):
        return Deletion(blocked_by=_l("Batches come from this site: it cannot be deleted."))
    return Deletion()


def delete_site(site: Site, actor: User) -> None:
    require_write(actor, site)
    deletion = site_deletion(site)
    if deletion.blocked_by:
        raise Conflict(deletion.blocked_by)
    audit.record(actor, "site.delete", site, name=site.name)
    db.session.delete(site)
    db.session.flush()


def batch_deletion(batch: Batch) -> Deletion:
    if trace_records(batch_id=batch.id):
        return Deletion(
            blocked_by=_l("Stamps have been issued for this batch: it cannot be deleted.")
        )
    return Deletion()


def delete_batch(batch: Batch, actor: User) -> None:
    """Delete a batch without trace records; one with stamps raises Conflict (withdraw it)."""
    require_write(actor, batch)
    deletion = batch_deletion(batch)
    if deletion.blocked_by:
        raise Conflict(deletion.blocked_by)
    audit.record(actor, "batch.delete", batch, lot_code=batch.lot_code)
    db.session.delete(batch)
    db.session.flush()
