"""The annual report page's year picker (a GET form: nothing is written, no CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, ValidationError


def _year_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class YearForm(Form):
    year = SelectField(_l("Year"), coerce=_year_or_none, validate_choice=False)

    def __init__(self, formdata, years: list[int], **kw):
        super().__init__(formdata, **kw)
        self.years = years
        self.year.choices = [(year, str(year)) for year in years]

    def validate_year(self, field) -> None:
        if field.data not in self.years:
            raise ValidationError(
                _l(
                    "Choose a year from %(first)s to %(last)s.",
                    first=str(min(self.years)),
                    last=str(max(self.years)),
                )
            )
