"""The edge of the pages: form fields that turn text into types, and domain errors on forms.

A form parses once: a select gives an enum member or an id, a text field its text without the
spaces around it. Services take those typed values and check the rules (see docs/architecture.md,
"Parse once").
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from core.errors import ValidationFailed
from core.fields import INT_MAX, INT_MIN

BLANK = SelectChoice("", "—")
# WTForms' own words for an unknown option, in our catalogue so that pages say it in Vietnamese.
NOT_A_CHOICE = _l("Not a valid choice.")


def strip(value):
    """A field filter: the text without the spaces around it (None stays None)."""
    return value.strip() if isinstance(value, str) else value


def attach_errors(form, exc: ValidationFailed) -> None:
    """Show each domain error next to its field (or at the top when the form lacks that field)."""
    for field, messages in exc.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def enum_choices(labels: dict, *, blank: bool = False) -> list[SelectChoice]:
    """The options of a select of enum members, in the order of `labels`."""
    items = [SelectChoice(member.value, label) for member, label in labels.items()]
    return [BLANK, *items] if blank else items


def _member_of(enum_cls: type[enum.Enum], blank: bool) -> Callable:
    def coerce(value):
        if isinstance(value, enum_cls):
            return value
        if blank and value in (None, ""):
            return None
        return enum_cls(value)  # ValueError for anything else

    return coerce


class EnumSelectField(SelectField):
    """A select whose data is a member of the enum that `labels` names (None when blank).

    An unknown value is refused here with `message` ("Not a valid choice." by default); a
    missing one, when the select has no blank option, too.
    """

    def __init__(
        self, label=None, validators=None, *, labels: dict, blank: bool = False, message=None, **kw
    ):
        enum_cls = type(next(iter(labels)))
        super().__init__(
            label,
            validators,
            coerce=_member_of(enum_cls, blank),
            choices=enum_choices(labels, blank=blank),
            invalid_choice_message=message or NOT_A_CHOICE,
            **kw,
        )
        self.message = message or NOT_A_CHOICE

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = self.coerce(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.message)) from None


def optional_int(value) -> int | None:
    """A whole number from a select: None when blank, an int the database's INTEGER holds."""
    if value in (None, ""):
        return None
    number = int(value)  # ValueError for text
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError("out of range")
    return number


def optional_id(value) -> int | None:
    """A row id from a select: None when blank, else 1 to INT_MAX."""
    number = optional_int(value)
    if number is not None and number < 1:
        raise ValueError("not a row id")
    return number


class IdSelectField(SelectField):
    """A select of rows by id: the data is an int, or None when blank.

    The choices only guide the person: the service checks that the id is one they may use, so
    an id that is not offered is not refused here. Text that is no id is, with `message`.
    """

    def __init__(self, label=None, validators=None, *, message, **kw):
        super().__init__(
            label,
            validators,
            coerce=optional_id,
            choices=[],
            validate_choice=False,
            invalid_value_message=message,
            **kw,
        )

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc.args[0])) from None
