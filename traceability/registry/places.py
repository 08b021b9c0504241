"""Registry operations on sites (where products come from) and batches (lots of a product).

Like `services`, they take typed values and the acting user, check every rule, flush, and never
commit. Deleting and withdrawing them is in `lifecycle`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import access
from core.accounts.models import User
from core.db import province_today
from core.errors import FieldError, FieldErrors
from core.extensions import db
from traceability.registry import rules
from traceability.registry.edits import (
    Choice,
    Code,
    Day,
    Field,
    Number,
    Ref,
    Standards,
    Text,
    known_ward,
    require_write,
    save_changes,
    save_new,
)
from traceability.registry.models import Batch, Producer, Product, Site, SiteKind

# --- sites ---------------------------------------------------------------------------------

SITE_FIELDS: dict[str, Field] = {
    "name": Text(200, required=True),
    "kind": Choice(SiteKind),
    "planting_area_code": Text(40),
    "ward_code": Code(known_ward, required=True),
    "address": Text(300),
    "latitude": Number(Decimal(-90), Decimal(90)),
    "longitude": Number(Decimal(-180), Decimal(180)),
    "area_ha": Number(Decimal(0), Decimal(1_000_000)),
    "crop_or_species": Text(120),
    "certifications": Standards(),
}
SITE_REQUIRED = ("name", "kind", "ward_code")


def _check_site(site: Site, errors: FieldErrors) -> None:
    if (site.latitude is None) != (site.longitude is None):
        errors.add("longitude", _l("Give both latitude and longitude, or neither."))


def create_site(producer: Producer, data: dict, actor: User) -> Site:
    require_write(actor, producer)
    return save_new(
        Site(producer_id=producer.id, certifications=[]),
        data,
        spec=SITE_FIELDS,
        required=SITE_REQUIRED,
        check=_check_site,
        errors=FieldErrors(),
        actor=actor,
        action="site.create",
        name="name",
    )


def update_site(site: Site, data: dict, actor: User) -> Site:
    require_write(actor, site)
    return save_changes(
        site,
        data,
        spec=SITE_FIELDS,
        check=_check_site,
        errors=FieldErrors(),
        actor=actor,
        action="site.update",
    )


# --- batches -------------------------------------------------------------------------------

BATCH_FIELDS: dict[str, Field] = {
    "lot_code": Code(rules.clean_lot_code, required=True),
    "produced_on": Day(),
    "expires_on": Day(),
    "quantity": Number(Decimal(0), Decimal("1e10")),
    "unit": Text(20),
    "notes": Text(2000),
}


# A batch's product is looked up by the operation itself (it sets the batch's producer too).
PRODUCT_ID = Ref(lambda ident: ident, required=True)


def _own_site(producer_id: int | None, current: int | None = None) -> Ref:
    """site_id: one of this producer's sites (another's is never told apart from none).

    A withdrawn site gets no new batches; a batch already from it may keep it.
    """

    def rule(ident: int) -> int:
        site = db.session.get(Site, ident)
        if site is None or site.producer_id != producer_id:
            raise FieldError(_l("Choose one of your own records."))
        if site.withdrawn_at is not None and site.id != current:
            raise FieldError(_l("This site is withdrawn: restore it to add batches from it."))
        return site.id

    return Ref(rule)


def _own_product(ident: int, actor: User, errors: FieldErrors) -> Product | None:
    """The product a new batch is of: one the actor may write and has not withdrawn."""
    product = db.session.get(Product, PRODUCT_ID.check("product_id", ident))
    if product is None or not access.can_write(actor, product):
        errors.add("product_id", _l("Choose one of your own products."))
        return None
    if product.withdrawn_at is not None:
        errors.add("product_id", _l("This product is withdrawn: restore it to add batches."))
        return None
    return product


def _check_batch(batch: Batch, errors: FieldErrors) -> None:
    if batch.produced_on and batch.expires_on and batch.expires_on < batch.produced_on:
        errors.add("expires_on", _l("The expiry date cannot be before the production date."))
    if batch.produced_on and batch.produced_on > province_today() + dt.timedelta(days=1):
        errors.add("produced_on", _l("The production date cannot be in the future."))
    if batch.lot_code and "lot_code" not in errors.errors and batch.product_id:
        clash = select(Batch.id).where(
            Batch.product_id == batch.product_id,
            func.upper(Batch.lot_code) == batch.lot_code.upper(),
        )
        if batch.id:
            clash = clash.where(Batch.id != batch.id)
        if db.session.scalar(clash):
            errors.add("lot_code", _l("This product already has a batch with this lot code."))


def create_batch(data: dict, actor: User) -> Batch:
    """A batch of one of the actor's products, optionally from one of its sites."""
    errors = FieldErrors()
    batch = Batch(unit="kg")
    if data.get("product_id") is not None:
        product = _own_product(data["product_id"], actor, errors)
        if product is not None:
            batch.product_id, batch.producer_id = product.id, product.producer_id
    return save_new(
        batch,
        data,
        spec={**BATCH_FIELDS, "site_id": _own_site(batch.producer_id)},
        required=("product_id", "lot_code"),
        check=_check_batch,
        errors=errors,
        actor=actor,
        action="batch.create",
        lot_code="lot_code",
        product_id="product_id",
    )


def update_batch(batch: Batch, data: dict, actor: User) -> Batch:
    require_write(actor, batch)
    errors = FieldErrors()
    moved_to = data.get("product_id")
    if moved_to is not None and PRODUCT_ID.check("product_id", moved_to) != batch.product_id:
        errors.add("product_id", _l("A batch cannot move to another product."))
    return save_changes(
        batch,
        data,
        spec={**BATCH_FIELDS, "site_id": _own_site(batch.producer_id, batch.site_id)},
        check=_check_batch,
        errors=errors,
        actor=actor,
        action="batch.update",
    )
