"""Numbers and dates in the reader's locale (issue: Vietnamese formats everywhere)."""

import datetime as dt
from decimal import Decimal

import pytest

from core.formatting import format_date, format_datetime, format_number, format_quantity


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (1500, "1.500", "1,500"),
        (Decimal("1500.000"), "1.500", "1,500"),
        (Decimal("32.5000"), "32,5", "32.5"),
        (Decimal("0.125"), "0,125", "0.125"),
        (Decimal("1234567.891"), "1.234.567,891", "1,234,567.891"),
        (0, "0", "0"),
        (Decimal("-2.50"), "-2,5", "-2.5"),
        (None, "—", "—"),
    ],
)
def test_numbers_have_the_locales_separators_and_no_trailing_zeros(value, vi, en):
    assert format_number(value, "vi") == vi
    assert format_number(value, "en") == en


def test_more_decimals_than_shown_are_rounded_in_decimal_not_float():
    assert format_number(Decimal("2.0005"), "vi") == "2"  # half-even at the third decimal
    assert format_number(Decimal("2.0015"), "vi") == "2,002"
    assert format_number(Decimal("1.23456"), "vi", max_decimals=1) == "1,2"


def test_quantity_with_unit():
    assert format_quantity(Decimal("1500.000"), "kg", "vi") == "1.500 kg"
    assert format_quantity(Decimal("32.5"), "ha", "en") == "32.5 ha"
    assert format_quantity(None, "kg", "vi") == "—"


def test_dates_day_first_in_vietnamese_and_unambiguous_in_english():
    day = dt.date(2026, 8, 2)
    assert format_date(day, "vi") == "02/08/2026"
    assert format_date(day, "en") == "2 Aug 2026"
    at = dt.datetime(2026, 8, 2, 3, 4, tzinfo=dt.UTC)
    assert format_datetime(at, "vi") == "02/08/2026 03:04"
    assert format_datetime(at, "en") == "2 Aug 2026 03:04"
