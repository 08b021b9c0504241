"""Forms of the targets page: a year's figure typed the page's way (52,5 in Vietnamese)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, ValidationError

from core.formatting import format_number
from reports.indicators.targets import FIRST_YEAR, LAST_YEAR
from traceability.registry.forms import TypedDecimalField


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


STORED_MAX = 10**8  # indicator_targets.value is NUMERIC(12, 4)


def _storable(form, field) -> None:
    """What the column can hold (below 100.000.000); the unit's range and the decimals are the
    service's rules."""
    if field.data is not None and abs(field.data) >= STORED_MAX:
        top = format_number(STORED_MAX, _language())
        raise ValidationError(str(_l("Enter a number below %(top)s.", top=top)))


class TargetForm(FlaskForm):
    """A year's target; the service checks its range for the indicator's unit."""

    value = TypedDecimalField(
        _l("Target"),
        validators=[InputRequired(_l("Enter the target, e.g. 52,5.")), _storable],
        places=4,
        grouping=True,
    )


class AddYearForm(TargetForm):
    """A target for a year the indicator has none for yet."""

    year = SelectField(_l("Year"), coerce=int, validate_choice=True)

    def __init__(self, taken: set[int], **kw):
        super().__init__(**kw)
        self.year.choices = [
            (year, str(year)) for year in range(FIRST_YEAR, LAST_YEAR + 1) if year not in taken
        ]
