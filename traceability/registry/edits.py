"""How the registry's services set fields: typed values checked by rule, changes kept for audit.

Parse once: the forms and the API schemas turn text into enums, dates, Decimals, ints and
stripped strings. A service is handed those types and checks only the domain's rules here (what
is required, how long, in what range, a GTIN's check digit…). Handed text where a type belongs,
a field raises TypeError: that is a caller's bug to fix, not input to guess at, so no value is
ever parsed a second time and stored as something it was not.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from core import access, audit, formatting
from core.accounts.models import User
from core.errors import FieldError, FieldErrors, Forbidden
from core.extensions import db
from core.wards.models import Ward
from traceability.registry import rules

REQUIRED = _l("This field is required.")


class Field:
    """What one field takes (`types`) and the rule its value must meet."""

    types: tuple[type, ...] = ()
    empty: Any = None  # what None stands for when the field is optional

    def __init__(self, *, required: bool = False):
        self.required = required

    def check(self, name: str, value):
        """The value to store, or FieldError; TypeError when the caller did not parse it."""
        if value is None:
            if self.required:
                raise FieldError(REQUIRED)
            return self.empty
        if not isinstance(value, self.types) or _wrong_subtype(value, self.types):
            expected = " or ".join(t.__name__ for t in self.types)
            raise TypeError(f"{name}: expected {expected}, got {type(value).__name__} {value!r}")
        return self.rule(value)

    def rule(self, value):
        return value


def _wrong_subtype(value, types) -> bool:
    """bool is an int and a datetime is a date, but neither is what such a field means."""
    return (isinstance(value, bool) and bool not in types) or (
        isinstance(value, dt.datetime) and dt.datetime not in types
    )


class Text(Field):
    """Text of at most `max_length` characters; optional text left out is stored as ""."""

    types = (str,)
    empty = ""

    def __init__(self, max_length: int, *, required: bool = False):
        super().__init__(required=required)
        self.max_length = max_length

    def rule(self, value: str) -> str:
        if self.required and not value.strip():
            raise FieldError(REQUIRED)
        if len(value) > self.max_length:
            raise FieldError(_l("Use at most %(n)d characters.", n=self.max_length))
        return value


class Choice(Field):
    """A member of one enum."""

    def __init__(self, enum_cls: type[enum.Enum], *, required: bool = True):
        super().__init__(required=required)
        self.types = (enum_cls,)


class Day(Field):
    """A calendar date (not a datetime)."""

    types = (dt.date,)


class Number(Field):
    """A Decimal within [minimum, maximum] (floats are refused: they are not what was typed)."""

    types = (Decimal,)

    def __init__(self, minimum: Decimal, maximum: Decimal):
        super().__init__()
        self.minimum, self.maximum = minimum, maximum

    def rule(self, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise FieldError(_l("Enter a number."))
        if value < self.minimum:
            bound = formatting.number_in_message(self.minimum)
            raise FieldError(_l("Enter a number of at least %(n)s.", n=bound))
        if value > self.maximum:
            bound = formatting.number_in_message(self.maximum)
            raise FieldError(_l("Enter a number of at most %(n)s.", n=bound))
        return value


class Stars(Field):
    """An OCOP rating: 3, 4 or 5 stars (Decision 148/QĐ-TTg)."""

    types = (int,)

    def rule(self, value: int) -> int:
        if value not in (3, 4, 5):
            raise FieldError(_l("OCOP stars are 3, 4 or 5."))
        return value


class Code(Field):
    """A standard identifier as typed, checked and normalised by a `rules.clean_*` function."""

    types = (str,)

    def __init__(self, clean: Callable[[str], Any], *, required: bool = False):
        super().__init__(required=required)
        self.clean = clean

    def rule(self, value: str):
        return self.clean(value)


class Standards(Field):
    """The list of standards or certifications declared."""

    types = (list,)
    empty: Any = ()

    def check(self, name: str, value):
        names = list(super().check(name, value))
        if not all(isinstance(n, str) for n in names):
            raise TypeError(f"{name}: expected a list of str, got {value!r}")
        return rules.check_standards(names)


class Ref(Field):
    """The id of another row, checked by `rule` (ownership, withdrawal…)."""

    types = (int,)

    def __init__(self, rule: Callable[[int], int], *, required: bool = False):
        super().__init__(required=required)
        self.rule = rule


def set_fields(obj, data: dict, spec: dict[str, Field], errors: FieldErrors) -> dict:
    """Check each given field and set it on obj; returns the changed fields as (old, new).

    Keys the spec does not name are not this setter's (a producer id, for instance).
    """
    changed = {}
    for name, value in data.items():
        field = spec.get(name)
        if field is None:
            continue
        try:
            checked = field.check(name, value)
        except FieldError as exc:
            errors.add(name, exc.message)
            continue
        old = getattr(obj, name, None)
        if old != checked:
            changed[name] = (old, checked)
            setattr(obj, name, checked)
    return changed


def require(data: dict, fields, errors: FieldErrors) -> None:
    """A new row's fields that must be given."""
    for name in fields:
        if data.get(name) is None:
            errors.add(name, REQUIRED)


def stamp(obj, actor: User, creating: bool = False) -> None:
    """Record who changed (and, for a new row, created) it."""
    obj.updated_by_id = actor.id
    if creating:
        obj.created_by_id = actor.id


def require_write(actor: User, obj) -> None:
    if not access.can_write(actor, obj):
        raise Forbidden(_l("You may not change this record."))


def _changes_for_audit(changed: dict) -> dict:
    return {
        k: [str(o) if o is not None else None, str(n) if n is not None else None]
        for k, (o, n) in changed.items()
    }


def save_new(obj, data: dict, *, spec, required, check, errors, actor, action, **detail):
    """Check every field of a new row, then add it and audit its creation.

    Nothing is flushed before the row is valid, so a refused row never reaches the database.
    """
    require(data, required, errors)
    with db.session.no_autoflush:
        set_fields(obj, data, spec, errors)
        check(obj, errors)
    errors.raise_if_any()
    stamp(obj, actor, creating=True)
    db.session.add(obj)
    db.session.flush()
    audit.record(actor, action, obj, **{k: getattr(obj, v) for k, v in detail.items()})
    return obj


def save_changes(obj, data: dict, *, spec, check, errors, actor, action):
    """Apply the given fields to a row; audit what changed, if anything."""
    with db.session.no_autoflush:
        changed = set_fields(obj, data, spec, errors)
        check(obj, errors)
    errors.raise_if_any()
    if changed:
        stamp(obj, actor)
        audit.record(actor, action, obj, changes=_changes_for_audit(changed))
    return obj


def known_ward(code: str) -> str:
    """A ward code of the province (the rule for every ward field of the registry)."""
    if not code or db.session.get(Ward, code) is None:
        raise FieldError(_l("Choose one of Đồng Nai's 95 wards and communes."))
    return code
