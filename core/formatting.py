"""Numbers and dates as the reader writes them: 1.500 kg and 32,5 ha in Vietnamese, 1,500 kg in
English.

One place for every page, PDF and export. The functions take the locale explicitly (so background
jobs and exports can choose it); the Jinja filters use the request's locale.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

EMPTY = "—"

# Vietnamese write dates day first with a four-digit year (23/11/2026); English readers get the
# month in words, which no one can misread (23 Nov 2026).
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy HH:mm"}


def _language(locale) -> str:
    return str(locale or "vi").split("_")[0].split("-")[0]


def format_number(value, locale="vi", *, max_decimals: int = 3) -> str:
    """A number with the locale's separators and no trailing zeros: 1.500, 32,5, 0,125.

    Decimals from the database (Numeric(12, 4) gives 32.5000) are shown as 32,5. At most
    `max_decimals` digits after the separator, rounded half-even by Babel, never in floating point.
    """
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    integral = value == value.to_integral_value()
    value = value.quantize(Decimal(1)) if integral else value.normalize()
    decimals = min(max(0, -value.as_tuple().exponent), max_decimals)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return _babel_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


def format_quantity(value, unit: str | None, locale="vi") -> str:
    """A number and its unit: 1.500 kg."""
    if value is None or value == "":
        return EMPTY
    number = format_number(value, locale)
    return f"{number} {unit}".strip() if unit else number


def format_date(value: dt.date | None, locale="vi") -> str:
    if value is None:
        return EMPTY
    pattern = DATE_PATTERNS.get(_language(locale), DATE_PATTERNS["vi"])
    return _babel_date(value, pattern, locale=locale)


def format_datetime(value: dt.datetime | None, locale="vi", tzinfo=None) -> str:
    if value is None:
        return EMPTY
    pattern = DATETIME_PATTERNS.get(_language(locale), DATETIME_PATTERNS["vi"])
    return _babel_datetime(value, pattern, tzinfo=tzinfo, locale=locale)


# --- Jinja filters: the request's locale and time zone ----------------------------------------


def _locale():
    from flask_babel import get_locale

    return get_locale() or "vi"


def number_filter(value, max_decimals: int = 3) -> str:
    return format_number(value, _locale(), max_decimals=max_decimals)


def quantity_filter(value, unit: str | None = None) -> str:
    return format_quantity(value, unit, _locale())


def date_filter(value: dt.date | None) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        from flask_babel import get_timezone

        value = value.astimezone(get_timezone())  # the reader's day, not UTC's
    return format_date(value, _locale())


def datetime_filter(value: dt.datetime | None) -> str:
    if value is None:
        return EMPTY
    from flask_babel import get_timezone

    return format_datetime(value, _locale(), tzinfo=get_timezone())


def number_in_message(value) -> str:
    """A number for a message, in the current locale (the request's; Vietnamese elsewhere)."""
    from flask_babel import get_locale

    return format_number(value, str(get_locale() or "vi"))
