"""Forms of the roll-out pages: they turn typed text into numbers; the rules live in services."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired

from core.formatting import format_number
from retail.rollout.services import Rule

# A share in per cent: up to three digits and two decimals, either separator as the decimal
# point (a percentage has no thousands to group), an optional "%" after it.
_PERCENT = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?\s*%?")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


class WholeNumberField(IntegerField):
    """A whole number typed on a phone; anything else is refused in the page's language."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kw)

    def process_formdata(self, valuelist):
        text = "".join((valuelist[0] if valuelist else "").split())
        self.data = None
        if not text:
            return
        if not text.isdigit() or len(text) > 9:
            raise ValueError(str(_l("Enter a whole number, e.g. 20.")))
        self.data = int(text)


class PercentField(StringField):
    """A share in per cent, 30 or 12,5 (12.5 reads the same); empty means no share is asked."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kw)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        match = _PERCENT.fullmatch(text)
        if match is None:
            example = format_number(Decimal("12.5"), _language())
            raise ValueError(
                str(_l("Enter a share in per cent, e.g. 30 or %(example)s.", example=example))
            )
        self.data = Decimal(f"{match[1]}.{match[2] or '0'}").normalize()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_number(self.data, _language(), max_decimals=2)


class CriterionForm(FlaskForm):
    """The deployment criterion; `confirm` is set by the page that shows what would change."""

    min_shops = WholeNumberField(
        _l("Shops with a completed assessment"),
        validators=[InputRequired(_l("Enter how many shops a ward needs, e.g. 20."))],
    )
    min_share_percent = PercentField(_l("Share of the ward's registered shops (per cent)"))
    confirm = HiddenField()

    def rule(self) -> Rule:
        return Rule(self.min_shops.data, self.min_share_percent.data)

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "1"


class AssignOfficerForm(FlaskForm):
    """Which officer to add to a ward (the choices are the active officers not yet there)."""

    user_id = SelectField(_l("Field officer"), coerce=int, validate_choice=False)

    def __init__(self, officers, **kw):
        super().__init__(**kw)
        self.user_id.choices = [(o.id, f"{o.full_name} ({o.email})") for o in officers]
