"""The shop form: each field parses what was typed with `retail.shops.rules`, once, here.

The service then receives typed values (`ShopForm.to_data`); a value a rule refuses is shown
next to its field with the rule's message. Domain rules (the ward is the officer's, a stall
needs its market, duplicates) are the service's and come back through `core.pages.act`.
"""

from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from core.forms import EnumSelectField
from retail.shops import rules


class ParsedField(StringField):
    """A text input whose value is what `parse` makes of it (a rule's FieldError is the error).

    `show` turns a stored value back into text (a phone as 0912 345 678).
    """

    def __init__(self, label=None, validators=None, *, parse, show=str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse, self.show = parse, show

    def process_formdata(self, valuelist):
        # A submitted form is the whole shop: a field left out is empty, not "unchanged".
        # FieldError is a ValueError, which WTForms shows as the field's error.
        self.data = self.parse(valuelist[0] if valuelist else "")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else self.show(self.data)


def _text(max_length: int, required: bool = False):
    return partial(rules.parse_text, max_length=max_length, required=required)


class ShopForm(FlaskForm):
    name = ParsedField(_l("Shop name"), parse=_text(rules.NAME_MAX, required=True))
    # Blank until chosen: the service asks for it ("Choose the kind of shop.").
    kind = EnumSelectField(_l("Kind of shop"), labels=rules.KIND_LABELS, blank=True)
    market = ParsedField(_l("Market"), parse=_text(rules.MARKET_MAX))
    owner_name = ParsedField(_l("Owner's name"), parse=_text(rules.OWNER_MAX))
    phone = ParsedField(
        _l("Phone"),
        parse=rules.parse_phone,
        show=rules.show_phone,
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    registration_no = ParsedField(
        _l("Registration number (optional)"),
        parse=rules.parse_registration_no,
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    # The choices are the user's wards (set by the view); the service refuses any other ward
    # with its own message, so the select does not check the choice itself.
    ward_code = SelectField(_l("Ward or commune"), choices=[], validate_choice=False)
    address = ParsedField(_l("Address"), parse=_text(rules.ADDRESS_MAX))
    latitude = ParsedField(
        _l("Latitude"),
        parse=partial(rules.parse_coordinate, limit=90),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    longitude = ParsedField(
        _l("Longitude"),
        parse=partial(rules.parse_coordinate, limit=180),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    confirm_similar = BooleanField(_l("Register anyway: it is a different shop"))

    FIELDS = (
        "name",
        "kind",
        "market",
        "owner_name",
        "phone",
        "registration_no",
        "ward_code",
        "address",
        "latitude",
        "longitude",
    )

    def to_data(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["ward_code"] = data["ward_code"] or None
        for name in ("owner_name", "address", "market"):
            data[name] = data[name] or ""
        return data
