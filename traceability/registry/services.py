"""Registry operations on producers and products: registration, details, the review workflow.

They take typed values (see `edits`) and the acting user, check every rule, flush, and never
commit. Sites and batches are in `places`; deleting, withdrawing and restoring in `lifecycle`.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access, audit, formatting
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.db import province_today, utcnow
from core.errors import Conflict, FieldError, FieldErrors, Forbidden
from core.extensions import db
from traceability.registry import rules
from traceability.registry.edits import (
    Choice,
    Code,
    Day,
    Field,
    Standards,
    Stars,
    Text,
    known_ward,
    require,
    require_write,
    save_changes,
    save_new,
    set_fields,
    stamp,
)
from traceability.registry.models import (
    IpKind,
    IpStatus,
    OcopGroup,
    PortalState,
    Producer,
    ProducerKind,
    Product,
    ProductCategory,
    ReviewState,
    VerificationState,
)

REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 500

# --- producers -----------------------------------------------------------------------------

PRODUCER_FIELDS: dict[str, Field] = {
    "legal_name": Text(200, required=True),
    "kind": Choice(ProducerKind),
    "tax_code": Code(rules.clean_tax_code, required=True),
    "gs1_company_prefix": Code(rules.clean_company_prefix),
    "gln": Code(rules.clean_gln),
    "ward_code": Code(known_ward, required=True),
    "address": Text(300, required=True),
    "contact_name": Text(120),
    "phone": Text(20),
    "email": Text(254),
    "website": Text(200),
}
PRODUCER_REQUIRED = ("legal_name", "kind", "tax_code", "ward_code", "address")
# Identity fields a producer may not change once the Department has verified it.
PRODUCER_LOCKED_WHEN_VERIFIED = ("legal_name", "tax_code", "kind")


def _check_tax_code_unique(producer: Producer, errors: FieldErrors) -> None:
    if "tax_code" in errors.errors or not producer.tax_code:
        return
    clash = select(Producer.id).where(Producer.tax_code == producer.tax_code)
    if producer.id:
        clash = clash.where(Producer.id != producer.id)
    if db.session.scalar(clash):
        errors.add("tax_code", _l("A producer with this tax code is already registered."))


def _account_errors(account: dict, legal_name: str | None, errors: FieldErrors) -> None:
    """The new account's problems, under the sign-up form's own field names."""
    account_errors = FieldErrors()
    accounts.check_new_user(
        account_errors, **account, context=[legal_name or ""], reveal_taken=False
    )
    # The account's email and name have their own fields beside the producer's contact ones.
    for field, messages in account_errors.errors.items():
        for message in messages:
            errors.add(
                {"email": "account_email", "full_name": "account_name"}.get(field, field), message
            )


def register_producer(account: dict, producer_data: dict) -> User | None:
    """Producer self sign-up: a pending producer and its first account, both or neither.

    Whether the email already has an account is not told (ASVS 2.1 / user enumeration): with an
    email that has one, nothing is created, the attempt is recorded for that user (they are told
    at their next login) and None is returned after the same checks and password hashing.
    """
    errors = FieldErrors()
    _account_errors(account, producer_data.get("legal_name"), errors)
    require(producer_data, PRODUCER_REQUIRED, errors)
    producer = Producer(verification_state=VerificationState.PENDING)
    set_fields(producer, producer_data, PRODUCER_FIELDS, errors)
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
    return save_new(
        Producer(verification_state=VerificationState.PENDING),
        data,
        spec=PRODUCER_FIELDS,
        required=PRODUCER_REQUIRED,
        check=_check_tax_code_unique,
        errors=FieldErrors(),
        actor=actor,
        action="producer.create",
        legal_name="legal_name",
    )


def update_producer(producer: Producer, data: dict, actor: User) -> Producer:
    require_write(actor, producer)
    errors = FieldErrors()
    if producer.is_verified and not actor.is_staff:
        for field in PRODUCER_LOCKED_WHEN_VERIFIED:
            if field in data and data[field] != getattr(producer, field):
                errors.add(
                    field, _l("This was verified by the Department; ask staff to change it.")
                )
        data = {k: v for k, v in data.items() if k not in PRODUCER_LOCKED_WHEN_VERIFIED}
    return save_changes(
        producer,
        data,
        spec=PRODUCER_FIELDS,
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
    stamp(producer, actor)
    audit.record(actor, "producer.verify", producer)
    return producer


def _check_reason(reason: str) -> None:
    """A refusal says why, in words the producer can act on."""
    errors = FieldErrors()
    if len(reason.strip()) < REASON_MIN_LENGTH:
        errors.add("reason", _l("Say why, so the producer knows what to fix."))
    elif len(reason) > REASON_MAX_LENGTH:
        errors.add("reason", _l("Use at most %(n)d characters.", n=REASON_MAX_LENGTH))
    errors.raise_if_any()


def reject_producer(producer: Producer, reason: str, actor: User) -> Producer:
    """Refuse (or, once verified, suspend) a producer, always with a reason it can act on."""
    access.require_staff(actor)
    _check_reason(reason)
    was_verified = producer.is_verified
    producer.verification_state = (
        VerificationState.SUSPENDED if was_verified else VerificationState.REJECTED
    )
    producer.rejection_reason = reason
    stamp(producer, actor)
    audit.record(
        actor, "producer.suspend" if was_verified else "producer.reject", producer, reason=reason
    )
    return producer


def resubmit_producer(producer: Producer, actor: User) -> Producer:
    """A rejected producer that fixed its details asks to be reviewed again."""
    require_write(actor, producer)
    if producer.verification_state is not VerificationState.REJECTED:
        raise Conflict(_l("Only a rejected registration can be sent again."))
    producer.verification_state = VerificationState.PENDING
    stamp(producer, actor)
    audit.record(actor, "producer.resubmit", producer)
    return producer


# --- products ------------------------------------------------------------------------------

PRODUCT_FIELDS: dict[str, Field] = {
    "gtin": Code(rules.clean_gtin, required=True),
    "name": Text(200, required=True),
    "description": Text(5000),
    "category": Choice(ProductCategory),
    "ocop_group": Choice(OcopGroup, required=False),
    "ocop_stars": Stars(),
    "ocop_certificate_no": Text(60),
    "ocop_decision_no": Text(60),
    "ocop_valid_from": Day(),
    "ocop_valid_to": Day(),
    "standards": Standards(),
    "ip_status": Choice(IpStatus),
    "ip_kind": Choice(IpKind, required=False),
    "ip_number": Text(60),
}
PRODUCT_REQUIRED = ("gtin", "name", "category")
OCOP_DETAILS = (
    ("ocop_group", _l("Choose the OCOP product group.")),
    ("ocop_stars", _l("OCOP products have 3, 4 or 5 stars.")),
    ("ocop_certificate_no", _l("Enter the OCOP certificate number.")),
    ("ocop_valid_from", _l("Enter the date the OCOP certificate was granted.")),
)


def _check_ocop(product: Product, errors: FieldErrors) -> None:
    """An OCOP product has its group, stars and certificate, valid for at most 36 months."""
    if product.category is ProductCategory.OCOP:
        for field, message in OCOP_DETAILS:
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


def _check_product(product: Product, errors: FieldErrors) -> None:
    """Rules that involve several fields or other rows."""
    _check_ocop(product, errors)
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
    require_write(actor, producer)
    product = Product(
        producer_id=producer.id,
        review_state=ReviewState.DRAFT,
        ip_status=IpStatus.NONE,
        portal_state=PortalState.NOT_SUBMITTED,
        standards=[],
    )
    return save_new(
        product,
        data,
        spec=PRODUCT_FIELDS,
        required=PRODUCT_REQUIRED,
        check=_check_product,
        errors=FieldErrors(),
        actor=actor,
        action="product.create",
        gtin="gtin",
        name="name",
    )


def _same_gtin(given, stored: str) -> bool:
    try:
        return PRODUCT_FIELDS["gtin"].check("gtin", given) == stored
    except FieldError:
        return False


def update_product(product: Product, data: dict, actor: User) -> Product:
    require_write(actor, product)
    errors = FieldErrors()
    if "gtin" in data and product.review_state is ReviewState.VERIFIED:
        if not _same_gtin(data["gtin"], product.gtin):
            errors.add(
                "gtin", _l("The GTIN of a verified product cannot change: register a new product.")
            )
        data = {k: v for k, v in data.items() if k != "gtin"}
    return save_changes(
        product,
        data,
        spec=PRODUCT_FIELDS,
        check=_check_product,
        errors=errors,
        actor=actor,
        action="product.update",
    )


def submit_product(product: Product, actor: User) -> Product:
    """The producer asks the Department to verify a product; only verified producers may."""
    require_write(actor, product)
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
    stamp(product, actor)
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
    stamp(product, actor)
    audit.record(actor, "product.verify", product)
    return product


def reject_product(product: Product, reason: str, actor: User) -> Product:
    access.require_staff(actor)
    _check_reason(reason)
    if product.review_state not in (ReviewState.SUBMITTED, ReviewState.VERIFIED):
        raise Conflict(_l("Only a submitted or verified product can be rejected."))
    product.review_state = ReviewState.REJECTED
    product.rejection_reason = reason
    product.reviewed_at = utcnow()
    product.reviewed_by_id = actor.id
    stamp(product, actor)
    audit.record(actor, "product.reject", product, reason=reason)
    return product


PORTAL_FIELDS: dict[str, Field] = {
    "portal_state": Choice(PortalState),
    "portal_reference": Text(80),
    "portal_state_on": Day(),
}


def set_portal_status(
    product: Product, *, state: PortalState, reference: str, on: dt.date | None, actor: User
) -> Product:
    """Record the product's state on the national traceability portal (staff)."""
    access.require_staff(actor)
    errors = FieldErrors()
    given = {"portal_state": state, "portal_reference": reference, "portal_state_on": on}
    checked = {}
    for name, value in given.items():
        try:
            checked[name] = PORTAL_FIELDS[name].check(name, value)
        except FieldError as exc:
            errors.add(name, exc.message)
    reference, on = checked.get("portal_reference", ""), checked.get("portal_state_on")
    if state is PortalState.LISTED and not reference.strip():
        errors.add("portal_reference", _l("Enter the portal's reference for a listed product."))
    if on is not None and on > province_today():
        errors.add("portal_state_on", _l("The date cannot be in the future."))
    errors.raise_if_any()
    if state is PortalState.SUBMITTED and product.portal_state is not PortalState.SUBMITTED:
        # The portal needs all ten items of Circular 02/2024/TT-BKHCN (traceability/exchange).
        from traceability.exchange.items import require_complete

        require_complete(product)
    before = [product.portal_state.value, product.portal_reference]
    product.portal_state = state
    product.portal_reference = reference
    product.portal_state_on = on or province_today()
    stamp(product, actor)
    audit.record(actor, "product.portal", product, before=before, after=[state.value, reference])
    return product
