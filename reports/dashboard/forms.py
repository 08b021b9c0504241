"""The dashboard's query string (a GET form: no CSRF token, nothing is written by choosing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from core.db import province_today
from core.wards.models import AreaGroup, RolloutPhase
from reports.dashboard import services
from reports.indicators import definitions
from reports.indicators.models import PeriodKind
from reports.indicators.periods import BadPeriod, Period


class DashboardQuery(FlaskForm):
    """Period, the indicator of the ward table and chart, the ward table's filters and order.

    Only the period is refused when it means nothing (the page says why); a filter or an order
    that means nothing is ignored, as the other lists do."""

    class Meta:
        csrf = False

    period = StringField(_l("Period"))
    indicator = SelectField(_l("Indicator"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    phase = SelectField(_l("Roll-out phase"), validate_choice=False)
    officer = SelectField(_l("Officer"), validate_choice=False)
    sort = SelectField(_l("Sort by"), validate_choice=False)

    def __init__(self, *args, locale: str = "vi", officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator.choices = [
            (item.code, item.name(locale)) for item in definitions.all_indicators()
        ]
        self.group.choices = [("", _l("All"))] + [
            (g.value, label) for g, label in services.GROUP_LABELS.items()
        ]
        self.phase.choices = [("", _l("All"))] + [
            (p.value, label) for p, label in services.PHASE_LABELS.items()
        ]
        self.officer.choices = [("", _l("All"))] + [
            (str(user.id), user.full_name) for user in officers
        ]
        self.sort.choices = [
            ("gap", _l("Gap to the trajectory, worst first")),
            ("-gap", _l("Gap to the trajectory, best first")),
            ("-value", _l("Value, highest first")),
            ("value", _l("Value, lowest first")),
            ("name", _l("Name, A to Z")),
        ]

    def validate_period(self, field) -> None:
        text = (field.data or "").strip()
        if not text:
            return
        try:
            period = Period.parse(text)
        except BadPeriod:
            raise ValidationError(
                _l(
                    "“%(text)s” is not a period: write a month as 2026-11, a quarter as 2026-Q4 "
                    "or a year as 2026.",
                    text=text[:20],
                )
            ) from None
        if not period.has_started(province_today()):
            raise ValidationError(_l("This period has not started yet: choose an earlier one."))

    def chosen_period(self) -> Period:
        """The period asked for, or the current month (also when the text means nothing)."""
        if self.period.data and not self.period.errors:
            try:
                return Period.parse(self.period.data)
            except BadPeriod:
                pass
        return current_month()

    def ward_query(self, allowed_officers: set[int]) -> services.WardQuery:
        indicator = definitions.by_code().get(self.indicator.data or "")
        officer = self.officer.data or ""
        return services.WardQuery(
            indicator=indicator or definitions.get(services.DEFAULT_INDICATOR),
            group=_enum(AreaGroup, self.group.data),
            phase=_enum(RolloutPhase, self.phase.data),
            officer=int(officer)
            if officer.isdigit() and int(officer) in allowed_officers
            else None,
            sort=self.sort.data if self.sort.data in services.SORTS else "gap",
        )


def current_month() -> Period:
    return Period.containing(PeriodKind.MONTH, province_today())


def _enum(kind, value):
    try:
        return kind(value or "")
    except ValueError:
        return None
