"""Operations on shops. Values arrive parsed (`retail.shops.rules` at the edge); these check the
domain rules (the ward is the actor's, no duplicate), write the audit log, flush, never commit.

Duplicates: the same registration number anywhere, or the same phone in the same ward, is refused
(`DuplicateShop`, which names the existing shop so pages can link to it); a similar name and
address in the same ward is only a warning (`similar_shops`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access, audit
from core.accounts.models import User
from core.errors import FieldErrors, ValidationFailed
from core.extensions import db
from core.wards.models import Ward
from retail.shops import rules
from retail.shops.models import Shop, ShopState

# Fields a shop is created or updated with (already parsed and typed).
FIELDS = (
    "name",
    "owner_name",
    "phone",
    "registration_no",
    "ward_code",
    "address",
    "market",
    "kind",
    "latitude",
    "longitude",
)


class DuplicateShop(ValidationFailed):
    """The shop is already registered: `existing` is the row to link to."""

    def __init__(self, field: str, message, existing: Shop):
        super().__init__({field: [message]})
        self.existing = existing


def duplicate_of(data: dict, *, ignore_id: int | None = None) -> tuple[str, Shop] | None:
    """(field, shop) of an existing live shop with the same registration number anywhere, or
    the same phone in the same ward; None when there is none."""
    live = Shop.state != ShopState.MERGED
    if data.get("registration_no"):
        stmt = select(Shop).where(Shop.registration_no == data["registration_no"], live)
        if ignore_id:
            stmt = stmt.where(Shop.id != ignore_id)
        found = db.session.scalars(stmt.limit(1)).first()
        if found:
            return "registration_no", found
    if data.get("phone") and data.get("ward_code"):
        stmt = select(Shop).where(
            Shop.phone == data["phone"], Shop.ward_code == data["ward_code"], live
        )
        if ignore_id:
            stmt = stmt.where(Shop.id != ignore_id)
        found = db.session.scalars(stmt.limit(1)).first()
        if found:
            return "phone", found
    return None


def similar_shops(data: dict, *, ignore_id: int | None = None) -> list[Shop]:
    """Live shops of the same ward whose name and address read the same (a warning only)."""
    stmt = select(Shop).where(Shop.ward_code == data["ward_code"], Shop.state != ShopState.MERGED)
    if ignore_id:
        stmt = stmt.where(Shop.id != ignore_id)
    return [
        shop
        for shop in db.session.scalars(stmt)
        if rules.similar(shop.name, data["name"])
        and (not data.get("address") or rules.similar(shop.address, data["address"]))
    ]


def check_shop(data: dict, actor: User, *, ignore_id: int | None = None) -> None:
    """The domain rules of a shop's (parsed) data; raises ValidationFailed / DuplicateShop."""
    errors = FieldErrors()
    code = data.get("ward_code")
    if not code or db.session.get(Ward, code) is None:
        errors.add("ward_code", _l("Choose one of Đồng Nai's 95 wards and communes."))
    elif not access.can_use_ward(actor, code):
        errors.add("ward_code", _l("Choose one of your wards: you may register shops there only."))
    if not data.get("name"):
        errors.add("name", _l("Enter the shop's name."))
    if data.get("kind") is None:
        errors.add("kind", _l("Choose the kind of shop."))
    if (data.get("latitude") is None) != (data.get("longitude") is None):
        errors.add("latitude", _l("Give both coordinates, or neither."))
    errors.raise_if_any()
    duplicate = duplicate_of(data, ignore_id=ignore_id)
    if duplicate:
        field, existing = duplicate
        message = (
            _l(
                "A shop with this registration number is already registered: %(name)s.",
                name=existing.name,
            )
            if field == "registration_no"
            else _l(
                "A shop with this phone is already registered in this ward: %(name)s.",
                name=existing.name,
            )
        )
        raise DuplicateShop(field, message, existing)


def create_shop(data: dict, actor: User) -> Shop:
    """Register a shop from parsed data (FIELDS); the actor is staff or the ward's officer."""
    check_shop(data, actor)
    shop = Shop(**{k: data.get(k) for k in FIELDS if k in data})
    shop.owner_name = shop.owner_name or ""
    shop.address = shop.address or ""
    shop.market = shop.market or ""
    shop.created_by_id = shop.updated_by_id = actor.id
    db.session.add(shop)
    db.session.flush()
    # No owner name or phone in the audit log: personal data stays in the shop's row.
    audit.record(actor, "shop.create", shop, ward=shop.ward_code, kind=shop.kind.value)
    return shop
