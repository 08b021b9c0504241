"""Object-level authorisation, enforced here and nowhere else.

Every owned model names the column that holds its producer's id (`owner_column`). Staff and
admins see every row; a producer account sees only rows of its own producer; officers and others
see none of the registry. Views and API resources load owned rows only through these functions.

A model may also name fields that only staff read (`staff_only_fields`, e.g. the contact a
consumer left with a counterfeit report): resources pass rows through `for_viewer` before they
dump them, so no schema decides who sees what.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.accounts.models import Role, User
from core.errors import Forbidden, NotFound
from core.extensions import db


class _StaffFieldsHidden:
    """A row as a non-staff viewer may see it: its staff-only fields read as None."""

    __slots__ = ("_hidden", "_row")

    def __init__(self, row, hidden: tuple[str, ...]):
        self._row, self._hidden = row, hidden

    def __getattr__(self, name: str):
        return None if name in self._hidden else getattr(self._row, name)


def for_viewer(row, user: User):
    """The row as this user may see it (staff: all of it)."""
    hidden = getattr(row, "staff_only_fields", ())
    return row if user.is_staff or not hidden else _StaffFieldsHidden(row, hidden)


def owner_of(obj) -> int:
    return getattr(obj, obj.owner_column)


def can_read(user: User, obj) -> bool:
    if user.is_staff:
        return True
    return user.role is Role.PRODUCER and user.producer_id == owner_of(obj)


def can_write(user: User, obj) -> bool:
    """Producers change their own rows; staff may change any."""
    return can_read(user, obj)


def scoped(stmt: Select, model, user: User) -> Select:
    """Restrict a query on an owned model to the rows the user may see.

    Roles without a part in the registry (field officers) are refused outright rather than
    shown an empty list, so a mistake in a template cannot leak rows to them.
    """
    require_registry_role(user)
    if user.is_staff:
        return stmt
    return stmt.where(getattr(model, model.owner_column) == user.producer_id)


def visible(model, user: User) -> Select:
    return scoped(select(model), model, user)


def require_registry_role(user: User) -> None:
    """Only producers and staff take part in the registry."""
    if not (user.is_staff or (user.role is Role.PRODUCER and user.producer_id is not None)):
        raise Forbidden(_l("The producer registry is for producers and Department staff."))


def get_for_read(model, ident, user: User):
    """The row if the user may see it; otherwise 404, so others' ids are not disclosed."""
    require_registry_role(user)
    obj = db.session.get(model, ident)
    if obj is None or not can_read(user, obj):
        raise NotFound(_l("Not found."))
    return obj


def get_for_write(model, ident, user: User):
    obj = get_for_read(model, ident, user)
    if not can_write(user, obj):
        raise Forbidden(_l("You may not change this record."))
    return obj


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_l("Only Department staff may do this."))


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden(_l("Only administrators may do this."))


# --- the retail programme: rows owned by a ward -------------------------------------------------
# A shop names its ward column (`ward_column = "ward_code"`); rows that belong to a shop (an
# assessment, a link) name the relationship that leads to it (`ward_through = "shop"`). Staff and
# admins see every ward; a field officer sees the wards it is assigned to (`officer_wards`);
# another officer's shop answers 404, as another producer's rows do. Producers and consumers have
# no part in the programme (403).


def require_retail_role(user: User) -> None:
    """Only field officers and Department staff (and admins) take part in the retail programme."""
    if not (user.is_staff or user.role is Role.OFFICER):
        raise Forbidden(_l("The retail programme is for field officers and Department staff."))


def ward_codes(user: User) -> frozenset[str] | None:
    """The wards whose shops the user may see: None means every ward (staff and admins)."""
    require_retail_role(user)
    if user.is_staff:
        return None
    return frozenset(ward.code for ward in user.wards)


def can_use_ward(user: User, code: str | None) -> bool:
    """Whether the user may register or move a shop into this ward."""
    codes = ward_codes(user)
    return code is not None and (codes is None or code in codes)


def ward_of(obj) -> str:
    through = getattr(obj, "ward_through", None)
    return ward_of(getattr(obj, through)) if through else getattr(obj, obj.ward_column)


def ward_scoped(stmt: Select, model, user: User) -> Select:
    """Restrict a query on a ward-owned model to the wards the user may see."""
    codes = ward_codes(user)
    if codes is None:
        return stmt
    through = getattr(model, "ward_through", None)
    if through:
        parent = getattr(model, through)
        target = parent.property.mapper.class_
        return stmt.where(parent.has(getattr(target, target.ward_column).in_(codes)))
    return stmt.where(getattr(model, model.ward_column).in_(codes))


def visible_in_wards(model, user: User) -> Select:
    return ward_scoped(select(model), model, user)


def get_in_ward(model, ident, user: User):
    """The row if it lies in one of the user's wards; otherwise 404 (ids are not disclosed)."""
    codes = ward_codes(user)
    obj = db.session.get(model, ident)
    if obj is None or (codes is not None and ward_of(obj) not in codes):
        raise NotFound(_l("Not found."))
    return obj
