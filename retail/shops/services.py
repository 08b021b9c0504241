"""Operations on shops. Values arrive parsed (`retail.shops.rules` at the edge); these check the
domain rules (the ward is the actor's, no duplicate), write the audit log, flush, never commit.

Duplicates: the same registration number anywhere, or the same phone in the same ward, is refused
(`DuplicateShop`, which names the existing shop so pages can link to it, unless it lies in a ward
the actor does not look after); a similar name and address in the same ward is a warning
(`similar_shops`), which pages and the API raise as `SimilarShops` until the user confirms.

Personal data: owner names, phones and registration numbers (which may be a personal ID) stay in
the shop's row: audit entries name the fields that changed, never their values.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import access, audit
from core.accounts.models import User
from core.db import province_today
from core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from core.extensions import db
from core.wards.models import Ward
from retail.assessments.models import Assessment, ShopLink
from retail.shops import rules
from retail.shops.models import Shop, ShopKind, ShopState

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
# Text columns stored as "" rather than NULL.
TEXT_FIELDS = ("owner_name", "address", "market")
# A change of these asks again whether the shop is not one already registered.
SIMILARITY_FIELDS = frozenset({"name", "address", "ward_code"})
# What a merge takes from the duplicate when the kept shop lacks it.
MERGE_FILLS = ("owner_name", "phone", "registration_no", "address", "market")


class DuplicateShop(ValidationFailed):
    """The shop is already registered: `existing` is the row to link to (when `visible`)."""

    status = 409

    def __init__(self, field: str, message, existing: Shop, *, visible: bool = True):
        super().__init__({field: [message]})
        self.existing = existing
        self.visible = visible


class SimilarShops(ValidationFailed):
    """Shops of the same ward have a similar name and address: `similar` lists them."""

    status = 409

    def __init__(self, similar: list[Shop]):
        super().__init__(
            {
                "name": [
                    _l(
                        "A shop with a similar name and address is already registered in this "
                        "ward. Check the list: if this is a different shop, confirm that you "
                        "want to register it anyway."
                    )
                ]
            }
        )
        self.similar = similar


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


def _field_errors(data: dict, actor: User) -> FieldErrors:
    """The per-field rules of a shop's data (ward, name, kind, market, coordinates)."""
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
    elif data["kind"] is ShopKind.MARKET_STALL and not data.get("market"):
        errors.add(
            "market",
            _l("A market stall needs its market: enter the market's name, e.g. Chợ Tân Triều."),
        )
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if (latitude is None) != (longitude is None):
        errors.add("latitude", _l("Give both coordinates, or neither."))
    elif latitude is not None and not rules.in_vietnam(latitude, longitude):
        errors.add(
            "latitude",
            _l(
                "These coordinates are not in Vietnam: check that latitude (about 11) and "
                "longitude (about 107) are not swapped, or leave both empty."
            ),
        )
    return errors


def _duplicate_error(field: str, existing: Shop, actor: User) -> DuplicateShop:
    """The refusal of a duplicate, naming the existing shop only to those who may open it."""
    visible = access.can_use_ward(actor, existing.ward_code)
    if not visible:
        message = _l(
            "A shop with this registration number is already registered, in a ward you do not "
            "look after: check the number, or ask the Department's staff."
        )
    elif field == "registration_no":
        message = _l(
            "A shop with this registration number is already registered: %(name)s.",
            name=existing.name,
        )
    else:
        message = _l(
            "A shop with this phone is already registered in this ward: %(name)s.",
            name=existing.name,
        )
    return DuplicateShop(field, message, existing, visible=visible)


def check_shop(data: dict, actor: User, *, ignore_id: int | None = None) -> None:
    """The domain rules of a shop's (parsed) data; raises ValidationFailed / DuplicateShop."""
    _field_errors(data, actor).raise_if_any()
    duplicate = duplicate_of(data, ignore_id=ignore_id)
    if duplicate:
        raise _duplicate_error(*duplicate, actor)


def _require_in_wards(shop: Shop, actor: User) -> None:
    """A caller that loaded the shop without core.access still cannot change it."""
    if not access.can_use_ward(actor, shop.ward_code):
        raise NotFound(_l("Not found."))


def _require_live(shop: Shop) -> None:
    if shop.state is ShopState.MERGED:
        raise Conflict(
            _l("This shop was merged into another one: open that shop to change its details.")
        )


def create_shop(data: dict, actor: User, *, warn_similar: bool = False) -> Shop:
    """Register a shop from parsed data (FIELDS); the actor is staff or the ward's officer.

    With `warn_similar`, a similar shop of the same ward refuses with `SimilarShops` (the user
    confirms, and the call is made again without it); imports do not ask.
    """
    check_shop(data, actor)
    if warn_similar:
        similar = similar_shops(data)
        if similar:
            raise SimilarShops(similar)
    shop = Shop(**{k: data.get(k) for k in FIELDS if k in data})
    for name in TEXT_FIELDS:
        setattr(shop, name, getattr(shop, name) or "")
    shop.created_by_id = shop.updated_by_id = actor.id
    db.session.add(shop)
    db.session.flush()
    # No owner name or phone in the audit log: personal data stays in the shop's row.
    audit.record(actor, "shop.create", shop, ward=shop.ward_code, kind=shop.kind.value)
    return shop


def update_shop(shop: Shop, data: dict, actor: User, *, warn_similar: bool = False) -> Shop:
    """Change a shop's details (all of FIELDS, or some of them), with the rules of creation.

    The shop itself is no duplicate of itself; the similarity warning is asked again only when
    the name, address or ward changes (it was answered when the shop was registered).
    """
    _require_in_wards(shop, actor)
    _require_live(shop)
    merged = {name: getattr(shop, name) for name in FIELDS}
    merged |= {name: value for name, value in data.items() if name in FIELDS}
    for name in TEXT_FIELDS:
        merged[name] = merged[name] or ""
    check_shop(merged, actor, ignore_id=shop.id)
    changed = [name for name in FIELDS if merged[name] != getattr(shop, name)]
    if warn_similar and SIMILARITY_FIELDS & set(changed):
        similar = similar_shops(merged, ignore_id=shop.id)
        if similar:
            raise SimilarShops(similar)
    if not changed:
        return shop
    for name in changed:
        setattr(shop, name, merged[name])
    shop.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "shop.update", shop, ward=shop.ward_code, changed=changed)
    return shop


def close_shop(shop: Shop, actor: User) -> Shop:
    """The shop no longer trades: it keeps its assessments and stays in the records."""
    _require_in_wards(shop, actor)
    if shop.state is not ShopState.ACTIVE:
        raise Conflict(_l("Only an open shop can be closed."))
    shop.state = ShopState.CLOSED
    shop.closed_on = province_today()
    shop.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "shop.close", shop, ward=shop.ward_code)
    return shop


def reopen_shop(shop: Shop, actor: User) -> Shop:
    """A closed shop trades again."""
    _require_in_wards(shop, actor)
    if shop.state is not ShopState.CLOSED:
        raise Conflict(_l("Only a closed shop can be reopened."))
    shop.state = ShopState.ACTIVE
    shop.closed_on = None
    shop.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "shop.reopen", shop, ward=shop.ward_code)
    return shop


def assessment_count(shop: Shop) -> int:
    """How many assessments (of any state) a shop has: what a merge would move."""
    stmt = select(func.count()).select_from(Assessment).where(Assessment.shop_id == shop.id)
    return db.session.scalar(stmt)


def merge_candidates(shop: Shop, limit: int = 20) -> list[Shop]:
    """Shops that may be duplicates of this one: a similar name and address in its ward, or
    the same phone or owner anywhere."""
    others = Shop.state != ShopState.MERGED, Shop.id != shop.id
    found = {s.id: s for s in similar_shops(_data_of(shop), ignore_id=shop.id)}
    same = []
    if shop.phone:
        same.append(Shop.phone == shop.phone)
    if shop.owner_name:
        same.append((Shop.owner_name == shop.owner_name) & (Shop.ward_code == shop.ward_code))
    for condition in same:
        for other in db.session.scalars(select(Shop).where(condition, *others).limit(limit)):
            found.setdefault(other.id, other)
    return sorted(found.values(), key=lambda s: (rules.fold(s.name), s.id))[:limit]


def _data_of(shop: Shop) -> dict:
    return {name: getattr(shop, name) for name in FIELDS}


def _check_mergeable(keep: Shop, duplicate: Shop) -> None:
    if keep.id == duplicate.id:
        raise Conflict(_l("Choose another shop: a shop cannot be merged into itself."))
    if ShopState.MERGED in (keep.state, duplicate.state):
        raise Conflict(_l("A shop that was already merged cannot be merged again."))
    if keep.registration_no and duplicate.registration_no:
        raise Conflict(
            _l(
                "The two shops have different registration numbers, so they may be different "
                "businesses. Correct the wrong number first, then merge."
            )
        )


def _take_missing_details(keep: Shop, duplicate: Shop) -> list[str]:
    """Copy what the kept shop lacks from the duplicate; the names of the fields copied."""
    taken = []
    for name in MERGE_FILLS:
        value = getattr(duplicate, name)
        if not value or getattr(keep, name):
            continue
        if name == "phone" and duplicate_of(
            {"phone": value, "ward_code": keep.ward_code}, ignore_id=keep.id
        ):
            continue  # another shop of the kept shop's ward has that phone
        if name == "registration_no":
            duplicate.registration_no = None
            db.session.flush()  # the number is unique: free it before the kept shop takes it
        setattr(keep, name, value)
        taken.append(name)
    if keep.latitude is None and duplicate.latitude is not None:
        keep.latitude, keep.longitude = duplicate.latitude, duplicate.longitude
        taken.append("coordinates")
    return taken


def merge_shops(keep: Shop, duplicate: Shop, actor: User) -> int:
    """Fold a duplicate into the shop kept (staff): its assessments and result links move to the
    kept shop, which takes the details it lacks; the duplicate becomes MERGED. Returns how many
    assessments moved."""
    access.require_staff(actor)
    _check_mergeable(keep, duplicate)
    moved = assessment_count(duplicate)
    for assessment in list(duplicate.assessments):
        assessment.shop = keep
    db.session.execute(
        update(ShopLink).where(ShopLink.shop_id == duplicate.id).values(shop_id=keep.id)
    )
    duplicate.state = ShopState.MERGED
    duplicate.merged_into = keep
    duplicate.updated_by_id = keep.updated_by_id = actor.id
    db.session.flush()
    taken = _take_missing_details(keep, duplicate)
    db.session.flush()
    audit.record(
        actor, "shop.merge", keep, merged_shop=duplicate.id, moved_assessments=moved, took=taken
    )
    audit.record(actor, "shop.merged_into", duplicate, into=keep.id)
    return moved
