"""Input fields for API schemas: bounded to what the database holds, typed as the services take.

An id or integer filter above the database's INTEGER, a date the calendar arithmetic cannot move
past, or a list of any length would reach the database or `datetime` and fail there as a server
error; these fields refuse them while parsing. The URL converter for `<int:…>` uses the same bound
(`core.web.BoundedIntConverter`).
"""

from __future__ import annotations

import datetime as dt
import enum

from marshmallow import fields
from marshmallow.validate import Length, Range

INT_MAX = 2**31 - 1  # PostgreSQL INTEGER; SQLite would take more, the ids never do
INT_MIN = -(2**31)
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)
LIST_MAX = 50


class Int(fields.Integer):
    """An integer that fits the database's INTEGER column (documented as minimum/maximum)."""

    def __init__(self, *, minimum: int = INT_MIN, maximum: int = INT_MAX, **kwargs):
        validate = kwargs.pop("validate", None)
        validators = [Range(min=minimum, max=maximum)]
        if validate is not None:
            validators.extend(validate if isinstance(validate, list) else [validate])
        super().__init__(validate=validators, **kwargs)


class Id(Int):
    """A row id: 1 to INT_MAX."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, **kwargs)


class Date(fields.Date):
    """An ISO date between 1900-01-01 and 2999-12-31."""

    def __init__(self, **kwargs):
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("x-minimum", DATE_MIN.isoformat())
        metadata.setdefault("x-maximum", DATE_MAX.isoformat())
        super().__init__(validate=_date_range, metadata=metadata, **kwargs)


def _date_range(value: dt.date) -> None:
    Range(min=DATE_MIN, max=DATE_MAX)(value)


class List(fields.List):
    """A list of at most `max_items` items (LIST_MAX by default)."""

    def __init__(self, cls_or_instance, *, max_items: int = LIST_MAX, **kwargs):
        validate = kwargs.pop("validate", None)
        validators = [Length(max=max_items)]
        if validate is not None:
            validators.extend(validate if isinstance(validate, list) else [validate])
        super().__init__(cls_or_instance, validate=validators, **kwargs)


class Choice(fields.Enum):
    """A member of a StrEnum, loaded and dumped by its value; OpenAPI lists the values.

    The one field for every enum of every API schema (registry and stamps alike): a value outside
    the enum is a 422 naming the field, "Must be one of: …".
    """

    def __init__(self, enum_cls: type[enum.Enum], **kwargs):
        metadata = {"type": "string", **(kwargs.pop("metadata", None) or {})}
        super().__init__(enum_cls, by_value=True, metadata=metadata, **kwargs)


class Text(fields.String):
    """A string without the spaces around it: services store the text they are given."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()
