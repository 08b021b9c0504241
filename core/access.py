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
