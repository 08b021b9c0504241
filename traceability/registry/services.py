"""Registry operations. They take plain values, check every rule, flush, and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from core import access, audit, formatting
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.db import province_today, utcnow
from core.errors import Conflict, FieldErrors, Forbidden
from core.extensions import db
from core.wards.models import Ward
from traceability.registry import images, rules
from traceability.registry.models import (
    Batch,
    IpKind,
    IpStatus,
    OcopGroup,
    PortalState,
    Producer,
    ProducerKind,
    Product,
    ProductCategory,
    ReviewState,
    Site,
    SiteKind,
    VerificationState,
)
from traceability.registry.rules import FieldError
from traceability.stamps.models import StampOrder

# --- helpers -------------------------------------------------------------------------------


def _apply(obj, data: dict, cleaners: dict[str, Callable], errors: FieldErrors) -> dict:
    """Clean each given field and set it on obj; returns the changed fields (old, new)."""
    changed = {}
    for field, value in data.items():
        cleaner = cleaners.get(field)
        if cleaner is None:
            continue
        try:
            cleaned = cleaner(value)
        except FieldError as exc:
            errors.add(field, exc.message)
            continue
        old = getattr(obj, field, None)
        if old != cleaned:
            changed[field] = (old, cleaned)
            setattr(obj, field, cleaned)
    return changed


def _ward_exists(code) -> str:
    code = (code or "").strip()
    if not code or db.session.get(Ward, code) is None:
        raise FieldError(_l("Choose one of Đồng Nai's 95 wards and communes."))
    return code


def _enum(cls, *, required: bool = True):
    def clean(value):
        if value in (None, ""):
            if required:
                raise FieldError(_l("This field is required."))
            return None
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise FieldError(_l("Choose one of: %(allowed)s.", allowed=allowed)) from None

    return clean


def _text(max_length: int, required: bool = False):
    return lambda v: rules.clean_text(v, max_length=max_length, required=required)


def _optional_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FieldError(_l("Enter a date as YYYY-MM-DD.")) from None


def _decimal(minimum=None, maximum=None):
    def clean(value):
        if value in (None, ""):
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise FieldError(_l("Enter a number.")) from None
        if not number.is_finite():
            raise FieldError(_l("Enter a number."))
        if minimum is not None and number < minimum:
            raise FieldError(
                _l("Enter a number of at least %(n)s.", n=formatting.number_in_message(minimum))
            )
        if maximum is not None and number > maximum:
            raise FieldError(
                _l("Enter a number of at most %(n)s.", n=formatting.number_in_message(maximum))
            )
        return number

    return clean


def _stamp(obj, actor: User, creating: bool = False) -> None:
    obj.updated_by_id = actor.id
    if creating:
        obj.created_by_id = actor.id


def _changes_for_audit(changed: dict) -> dict:
    return {
        k: [str(o) if o is not None else None, str(n) if n is not None else None]
        for k, (o, n) in changed.items()
    }


def _require_write(actor: User, obj) -> None:
    if not access.can_write(actor, obj):
        raise Forbidden(_l("You may not change this record."))


def _save_new(obj, data: dict, *, cleaners, required, check, errors, actor, action, **detail):
    """Validate every field of a new row, then add it and audit its creation.

    Nothing is flushed before the row is valid, so a refused row never reaches the database.
    """
    _require(data, required, errors)
    with db.session.no_autoflush:
        _apply(obj, data, cleaners, errors)
        check(obj, errors)
    errors.raise_if_any()
    _stamp(obj, actor, creating=True)
    db.session.add(obj)
    db.session.flush()
    audit.record(actor, action, obj, **{k: getattr(obj, v) for k, v in detail.items()})
    return obj


def _save_changes(obj, data: dict, *, cleaners, check, errors, actor, action):
    """Apply the given fields to a row; audit what changed, if anything."""
    with db.session.no_autoflush:
        changed = _apply(obj, data, cleaners, errors)
        check(obj, errors)
    errors.raise_if_any()
    if changed:
        _stamp(obj, actor)
        audit.record(actor, action, obj, changes=_changes_for_audit(changed))
    return obj


# --- trace records, deletion and withdrawal ------------------------------------------------


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
    _require_write(actor, obj)
    if (obj.withdrawn_at is not None) == withdrawn:
        raise Conflict(WITHDRAWN_MESSAGES[kind][0 if withdrawn else 1])
    obj.withdrawn_at = utcnow() if withdrawn else None
    _stamp(obj, actor)
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


# --- producers -----------------------------------------------------------------------------

PRODUCER_CLEANERS: dict[str, Callable] = {
    "legal_name": _text(200, required=True),
    "kind": _enum(ProducerKind),
    "tax_code": rules.clean_tax_code,
    "gs1_company_prefix": rules.clean_company_prefix,
    "gln": rules.clean_gln,
    "ward_code": _ward_exists,
    "address": _text(300, required=True),
    "contact_name": _text(120),
    "phone": _text(20),
    "email": _text(254),
    "website": _text(200),
}
PRODUCER_REQUIRED = ("legal_name", "kind", "tax_code", "ward_code", "address")
# Identity fields a producer may not change once the Department has verified it.
PRODUCER_LOCKED_WHEN_VERIFIED = ("legal_name", "tax_code", "kind")


def _check_tax_code_unique(producer: Producer, errors: FieldErrors) -> None:
    if "tax_code" in errors.errors or not producer.tax_code:
        return
    clash = db.session.scalar(
        select(Producer.id).where(
            Producer.tax_code == producer.tax_code, Producer.id != producer.id
        )
        if producer.id
        else select(Producer.id).where(Producer.tax_code == producer.tax_code)
    )
    if clash:
        errors.add("tax_code", _l("A producer with this tax code is already registered."))


def _require(data: dict, fields, errors: FieldErrors) -> None:
    for field in fields:
        if data.get(field) in (None, ""):
            errors.add(field, _l("This field is required."))


def register_producer(account: dict, producer_data: dict) -> User | None:
    """Producer self sign-up: a pending producer and its first account, both or neither.

    Whether the email already has an account is not told (ASVS 2.1 / user enumeration): with an
    email that has one, nothing is created, the attempt is recorded for that user (they are told
    at their next login) and None is returned after the same checks and password hashing.
    """
    errors = FieldErrors()
    account_errors = FieldErrors()
    accounts.check_new_user(
        account_errors,
        **account,
        context=[producer_data.get("legal_name") or ""],
        reveal_taken=False,
    )
    # The account's email and name have their own fields beside the producer's contact ones.
    for field, messages in account_errors.errors.items():
        for message in messages:
            errors.add(
                {"email": "account_email", "full_name": "account_name"}.get(field, field), message
            )
    _require(producer_data, PRODUCER_REQUIRED, errors)
    producer = Producer(verification_state=VerificationState.PENDING)
    _apply(producer, producer_data, PRODUCER_CLEANERS, errors)
    _check_tax_code_unique(producer, errors)
    errors.raise_if_any()
    if accounts.email_taken(account["email"]):
        accounts.record_signup_attempt(account["email"], account["password"])
        return None
    db.session.add(producer)
    db.session.flush()
    user = accounts.create_user(role=Role.PRODUCER, producer=producer, **account)
    producer.created_by_id = producer.updated_by_id = user.id
    audit.record(user, "producer.register", producer, legal_name=producer.legal_name)
    return user


def create_producer(data: dict, actor: User) -> Producer:
    """Staff register a producer on its behalf (it still needs verifying)."""
    access.require_staff(actor)
    return _save_new(
        Producer(verification_state=VerificationState.PENDING),
        data,
        cleaners=PRODUCER_CLEANERS,
        required=PRODUCER_REQUIRED,
        check=_check_tax_code_unique,
        errors=FieldErrors(),
        actor=actor,
        action="producer.create",
        legal_name="legal_name",
    )


def update_producer(producer: Producer, data: dict, actor: User) -> Producer:
    _require_write(actor, producer)
    errors = FieldErrors()
    if producer.is_verified and not actor.is_staff:
        for field in PRODUCER_LOCKED_WHEN_VERIFIED:
            if field in data and data[field] != getattr(producer, field):
                errors.add(
                    field, _l("This was verified by the Department; ask staff to change it.")
                )
        data = {k: v for k, v in data.items() if k not in PRODUCER_LOCKED_WHEN_VERIFIED}
    return _save_changes(
        producer,
        data,
        cleaners=PRODUCER_CLEANERS,
        check=_check_tax_code_unique,
        errors=errors,
        actor=actor,
        action="producer.update",
    )


def verify_producer(producer: Producer, actor: User) -> Producer:
    access.require_staff(actor)
    if producer.verification_state is VerificationState.VERIFIED:
        raise Conflict(_l("This producer is already verified."))
    producer.verification_state = VerificationState.VERIFIED
    producer.verified_at = utcnow()
    producer.verified_by_id = actor.id
    producer.rejection_reason = ""
    _stamp(producer, actor)
    audit.record(actor, "producer.verify", producer)
    return producer


def reject_producer(producer: Producer, reason: str, actor: User) -> Producer:
    """Refuse (or, once verified, suspend) a producer, always with a reason it can act on."""
    access.require_staff(actor)
    errors = FieldErrors()
    reason = (reason or "").strip()
    if len(reason) < 5:
        errors.add("reason", _l("Say why, so the producer knows what to fix."))
    errors.raise_if_any()
    was_verified = producer.is_verified
    producer.verification_state = (
        VerificationState.SUSPENDED if was_verified else VerificationState.REJECTED
    )
    producer.rejection_reason = reason[:500]
    _stamp(producer, actor)
    audit.record(
        actor, "producer.suspend" if was_verified else "producer.reject", producer, reason=reason
    )
    return producer


def resubmit_producer(producer: Producer, actor: User) -> Producer:
    """A rejected producer that fixed its details asks to be reviewed again."""
    _require_write(actor, producer)
    if producer.verification_state is not VerificationState.REJECTED:
        raise Conflict(_l("Only a rejected registration can be sent again."))
    producer.verification_state = VerificationState.PENDING
    _stamp(producer, actor)
    audit.record(actor, "producer.resubmit", producer)
    return producer


# --- products ------------------------------------------------------------------------------

PRODUCT_CLEANERS: dict[str, Callable] = {
    "gtin": rules.clean_gtin,
    "name": _text(200, required=True),
    "description": _text(5000),
    "category": _enum(ProductCategory),
    "ocop_group": _enum(OcopGroup, required=False),
    "ocop_stars": lambda v: None if v in (None, "") else _stars(v),
    "ocop_certificate_no": _text(60),
    "ocop_decision_no": _text(60),
    "ocop_valid_from": _optional_date,
    "ocop_valid_to": _optional_date,
    "standards": rules.clean_standards,
    "ip_status": _enum(IpStatus),
    "ip_kind": _enum(IpKind, required=False),
    "ip_number": _text(60),
}
PRODUCT_REQUIRED = ("gtin", "name", "category")


def _stars(value) -> int:
    try:
        stars = int(value)
    except (TypeError, ValueError):
        raise FieldError(_l("OCOP stars are 3, 4 or 5.")) from None
    if stars not in (3, 4, 5):
        raise FieldError(_l("OCOP stars are 3, 4 or 5."))
    return stars


def _check_product(product: Product, errors: FieldErrors) -> None:
    """Rules that involve several fields or other rows."""
    if product.category is ProductCategory.OCOP:
        for field, message in (
            ("ocop_group", _l("Choose the OCOP product group.")),
            ("ocop_stars", _l("OCOP products have 3, 4 or 5 stars.")),
            ("ocop_certificate_no", _l("Enter the OCOP certificate number.")),
            ("ocop_valid_from", _l("Enter the date the OCOP certificate was granted.")),
        ):
            if getattr(product, field) in (None, "") and field not in errors.errors:
                errors.add(field, message)
        if product.ocop_valid_from and not product.ocop_valid_to:
            product.ocop_valid_to = rules.ocop_default_valid_to(product.ocop_valid_from)
        if product.ocop_valid_from and product.ocop_valid_to:
            if product.ocop_valid_to <= product.ocop_valid_from:
                errors.add("ocop_valid_to", _l("The end of validity must come after its start."))
            elif product.ocop_valid_to > rules.ocop_default_valid_to(product.ocop_valid_from):
                errors.add(
                    "ocop_valid_to", _l("An OCOP certificate is valid for at most 36 months.")
                )
    elif product.category is not None:
        for field in ("ocop_group", "ocop_stars", "ocop_valid_from", "ocop_valid_to"):
            if getattr(product, field) not in (None, "") and field not in errors.errors:
                errors.add(field, _l("Only OCOP products have OCOP details."))
    if product.ip_status is IpStatus.NONE:
        if product.ip_kind or product.ip_number:
            errors.add("ip_status", _l("Choose 'filed' or 'protected' to record IP details."))
    elif product.ip_status is not None:
        if product.ip_kind is None and "ip_kind" not in errors.errors:
            errors.add("ip_kind", _l("Choose the kind of IP protection."))
        if product.ip_status is IpStatus.PROTECTED and not product.ip_number:
            errors.add("ip_number", _l("Enter the certificate or application number."))
    if product.gtin and "gtin" not in errors.errors:
        clash = select(Product.id).where(Product.gtin == product.gtin)
        if product.id:
            clash = clash.where(Product.id != product.id)
        if db.session.scalar(clash):
            errors.add("gtin", _l("Another product is already registered with this GTIN."))


def product_warnings(product: Product, today: dt.date | None = None) -> list:
    """What a producer should know about a product that is not an error."""
    today = today or province_today()
    warnings = list(rules.gtin_warnings(product.gtin)) if product.gtin else []
    if product.gtin and product.producer is not None:
        warnings += rules.company_prefix_warnings(product.gtin, product.producer.gs1_company_prefix)
    state = product.ocop_expiry(today, current_app.config["OCOP_EXPIRY_WARNING_DAYS"])
    if state == "expired":
        warnings.append(_l("The OCOP certificate has expired: renew it to keep the stars."))
    elif state == "expiring":
        warnings.append(
            _l(
                "The OCOP certificate expires on %(day)s: start the renewal.",
                day=formatting.date_filter(product.ocop_valid_to),
            )
        )
    return warnings


def create_product(producer: Producer, data: dict, actor: User) -> Product:
    _require_write(actor, producer)
    product = Product(
        producer_id=producer.id,
        review_state=ReviewState.DRAFT,
        ip_status=IpStatus.NONE,
        portal_state=PortalState.NOT_SUBMITTED,
        standards=[],
    )
    return _save_new(
        product,
        data,
        cleaners=PRODUCT_CLEANERS,
        required=PRODUCT_REQUIRED,
        check=_check_product,
        errors=FieldErrors(),
        actor=actor,
        action="product.create",
        gtin="gtin",
        name="name",
    )


def update_product(product: Product, data: dict, actor: User) -> Product:
    _require_write(actor, product)
    errors = FieldErrors()
    if "gtin" in data and product.review_state is ReviewState.VERIFIED:
        try:
            same = rules.clean_gtin(data["gtin"]) == product.gtin
        except FieldError:
            same = False
        if not same:
            errors.add(
                "gtin", _l("The GTIN of a verified product cannot change: register a new product.")
            )
        data = {k: v for k, v in data.items() if k != "gtin"}
    return _save_changes(
        product,
        data,
        cleaners=PRODUCT_CLEANERS,
        check=_check_product,
        errors=errors,
        actor=actor,
        action="product.update",
    )


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
    _require_write(actor, product)
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


def submit_product(product: Product, actor: User) -> Product:
    """The producer asks the Department to verify a product; only verified producers may."""
    _require_write(actor, product)
    if not product.producer.is_verified:
        raise Forbidden(
            _l(
                "Your producer registration has not been verified by the Department yet: you "
                "can prepare products, and submit them once it is verified."
            )
        )
    if product.review_state not in (ReviewState.DRAFT, ReviewState.REJECTED):
        raise Conflict(_l("Only a draft or rejected product can be submitted."))
    product.review_state = ReviewState.SUBMITTED
    product.submitted_at = utcnow()
    product.rejection_reason = ""
    _stamp(product, actor)
    audit.record(actor, "product.submit", product)
    return product


def verify_product(product: Product, actor: User) -> Product:
    access.require_staff(actor)
    if product.review_state is not ReviewState.SUBMITTED:
        raise Conflict(_l("Only a submitted product can be verified."))
    if not product.producer.is_verified:
        raise Conflict(_l("Verify the producer before its products."))
    product.review_state = ReviewState.VERIFIED
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    _stamp(product, actor)
    audit.record(actor, "product.verify", product)
    return product


def reject_product(product: Product, reason: str, actor: User) -> Product:
    access.require_staff(actor)
    errors = FieldErrors()
    reason = (reason or "").strip()
    if len(reason) < 5:
        errors.add("reason", _l("Say why, so the producer knows what to fix."))
    errors.raise_if_any()
    if product.review_state not in (ReviewState.SUBMITTED, ReviewState.VERIFIED):
        raise Conflict(_l("Only a submitted or verified product can be rejected."))
    product.review_state = ReviewState.REJECTED
    product.rejection_reason = reason[:500]
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    _stamp(product, actor)
    audit.record(actor, "product.reject", product, reason=reason)
    return product


def set_portal_status(
    product: Product, *, state: PortalState, reference: str, on: dt.date | None, actor: User
) -> Product:
    """Record the product's state on the national traceability portal (staff)."""
    access.require_staff(actor)
    errors = FieldErrors()
    reference = (reference or "").strip()
    if state is PortalState.LISTED and not reference:
        errors.add("portal_reference", _l("Enter the portal's reference for a listed product."))
    if len(reference) > 80:
        errors.add("portal_reference", _l("Use at most %(n)d characters.", n=80))
    if on is not None and on > province_today():
        errors.add("portal_state_on", _l("The date cannot be in the future."))
    errors.raise_if_any()
    before = [product.portal_state.value, product.portal_reference]
    product.portal_state = state
    product.portal_reference = reference
    product.portal_state_on = on or province_today()
    _stamp(product, actor)
    audit.record(actor, "product.portal", product, before=before, after=[state.value, reference])
    return product


# --- sites ---------------------------------------------------------------------------------

SITE_CLEANERS: dict[str, Callable] = {
    "name": _text(200, required=True),
    "kind": _enum(SiteKind),
    "planting_area_code": _text(40),
    "ward_code": _ward_exists,
    "address": _text(300),
    "latitude": _decimal(Decimal(-90), Decimal(90)),
    "longitude": _decimal(Decimal(-180), Decimal(180)),
    "area_ha": _decimal(Decimal(0), Decimal(1_000_000)),
    "crop_or_species": _text(120),
    "certifications": rules.clean_standards,
}
SITE_REQUIRED = ("name", "kind", "ward_code")


def _check_site(site: Site, errors: FieldErrors) -> None:
    if (site.latitude is None) != (site.longitude is None):
        errors.add("longitude", _l("Give both latitude and longitude, or neither."))


def create_site(producer: Producer, data: dict, actor: User) -> Site:
    _require_write(actor, producer)
    return _save_new(
        Site(producer_id=producer.id, certifications=[]),
        data,
        cleaners=SITE_CLEANERS,
        required=SITE_REQUIRED,
        check=_check_site,
        errors=FieldErrors(),
        actor=actor,
        action="site.create",
        name="name",
    )


def update_site(site: Site, data: dict, actor: User) -> Site:
    _require_write(actor, site)
    return _save_changes(
        site,
        data,
        cleaners=SITE_CLEANERS,
        check=_check_site,
        errors=FieldErrors(),
        actor=actor,
        action="site.update",
    )


def site_deletion(site: Site) -> Deletion:
    """A site that batches come from stays (their trace names it): it can be withdrawn."""
    if db.session.scalar(select(exists().where(Batch.site_id == site.id))):
        return Deletion(blocked_by=_l("Batches come from this site: it cannot be deleted."))
    return Deletion()


def delete_site(site: Site, actor: User) -> None:
    _require_write(actor, site)
    deletion = site_deletion(site)
    if deletion.blocked_by:
        raise Conflict(deletion.blocked_by)
    audit.record(actor, "site.delete", site, name=site.name)
    db.session.delete(site)
    db.session.flush()


# --- batches -------------------------------------------------------------------------------

BATCH_CLEANERS: dict[str, Callable] = {
    "lot_code": rules.clean_lot_code,
    "produced_on": _optional_date,
    "expires_on": _optional_date,
    "quantity": _decimal(Decimal(0), Decimal("1e10")),
    "unit": _text(20),
    "notes": _text(2000),
}


def _own_site(producer_id: int | None, current: int | None = None):
    """A cleaner for site_id: empty, or the id of one of this producer's sites (never a leak).

    A withdrawn site gets no new batches; a batch already from it may keep it.
    """

    def clean(ident):
        if ident in (None, ""):
            return None
        try:
            site = db.session.get(Site, int(ident))
        except (TypeError, ValueError):
            site = None
        if site is None or site.producer_id != producer_id:
            raise FieldError(_l("Choose one of your own records."))
        if site.withdrawn_at is not None and site.id != current:
            raise FieldError(_l("This site is withdrawn: restore it to add batches from it."))
        return site.id

    return clean


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
    product = None
    if data.get("product_id") not in (None, ""):
        try:
            product = db.session.get(Product, int(data["product_id"]))
        except (TypeError, ValueError):
            product = None
        if product is None or not access.can_write(actor, product):
            errors.add("product_id", _l("Choose one of your own products."))
            product = None
        elif product.withdrawn_at is not None:
            errors.add("product_id", _l("This product is withdrawn: restore it to add batches."))
    if product is not None:
        batch.product_id, batch.producer_id = product.id, product.producer_id
    cleaners = {**BATCH_CLEANERS, "site_id": _own_site(batch.producer_id)}
    return _save_new(
        batch,
        data,
        cleaners=cleaners,
        required=("product_id", "lot_code"),
        check=_check_batch,
        errors=errors,
        actor=actor,
        action="batch.create",
        lot_code="lot_code",
        product_id="product_id",
    )


def update_batch(batch: Batch, data: dict, actor: User) -> Batch:
    _require_write(actor, batch)
    errors = FieldErrors()
    moved_to = data.get("product_id")
    if moved_to not in (None, "") and str(moved_to) != str(batch.product_id):
        errors.add("product_id", _l("A batch cannot move to another product."))
    cleaners = {**BATCH_CLEANERS, "site_id": _own_site(batch.producer_id, batch.site_id)}
    return _save_changes(
        batch,
        data,
        cleaners=cleaners,
        check=_check_batch,
        errors=errors,
        actor=actor,
        action="batch.update",
    )


def batch_deletion(batch: Batch) -> Deletion:
    if trace_records(batch_id=batch.id):
        return Deletion(
            blocked_by=_l("Stamps have been issued for this batch: it cannot be deleted.")
        )
    return Deletion()


def delete_batch(batch: Batch, actor: User) -> None:
    """Delete a batch without trace records; one with stamps raises Conflict (withdraw it)."""
    _require_write(actor, batch)
    deletion = batch_deletion(batch)
    if deletion.blocked_by:
        raise Conflict(deletion.blocked_by)
    audit.record(actor, "batch.delete", batch, lot_code=batch.lot_code)
    db.session.delete(batch)
    db.session.flush()
