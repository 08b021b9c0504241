"""The shop field rules, on their own: phones, registration numbers, kinds, coordinates, names."""

from decimal import Decimal

import pytest

from core.errors import FieldError
from retail.shops import rules
from retail.shops.models import ShopKind


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("(+84) 912-345-678", "+84912345678"),
        ("0084 912 345 678", "+84912345678"),
        ("0251 3822 123", "+842513822123"),  # a Đồng Nai landline with its area code
        ("02513822123", "+842513822123"),
    ],
)
def test_a_vietnamese_phone_in_any_common_form_is_stored_in_e164(typed, stored):
    assert rules.parse_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "12345",
        "0912 345 67",  # a digit short
        "09123456789",  # a digit too many
        "+1 202 555 0100",  # valid, but not Vietnamese
        "1900 1234",  # a service number, not the shop's phone
        "0912345678x",
    ],
)
def test_junk_and_foreign_numbers_are_refused_with_an_example(typed):
    with pytest.raises(FieldError) as refused:
        rules.parse_phone(typed)
    assert "0912 345 678" in str(refused.value)


def test_an_empty_phone_is_none():
    assert rules.parse_phone("  ") is None
    assert rules.parse_phone(None) is None


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+84912345678", "0912 345 678"), ("+842513822123", "0251 3822 123"), (None, "")],
)
def test_a_stored_phone_is_shown_as_vietnamese_people_write_it(stored, shown):
    assert rules.show_phone(stored) == shown


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("0912 345 678", "+84912345678"),  # a whole number: its E.164 form
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("345 678", "345678"),  # the last digits: found inside the stored number
        ("0912", "912"),  # the leading 0 is not in E.164
        ("Tạp hóa", None),
        ("12", None),  # too short to mean anything
    ],
)
def test_a_phone_search_matches_the_stored_form(typed, fragment):
    assert rules.phone_fragment(typed) == fragment


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0312345678", "0312345678"),  # tax code, 10 digits
        ("0312345678-001", "0312345678001"),  # a branch: 13 digits written with a dash
        ("0312345678 001", "0312345678001"),
        ("075123456789", "075123456789"),  # the owner's 12-digit ID number
        ("  ", None),
    ],
)
def test_registration_numbers_of_10_12_or_13_digits_are_accepted(typed, stored):
    assert rules.parse_registration_no(typed) == stored


@pytest.mark.parametrize(
    "typed", ["031234567", "03123456789", "03123456789012", "0312345678-01", "03123A5678"]
)
def test_registration_numbers_of_other_lengths_or_with_letters_are_refused(typed):
    with pytest.raises(FieldError) as refused:
        rules.parse_registration_no(typed)
    assert "12" in str(refused.value) and typed in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("market_stall", ShopKind.MARKET_STALL),
        ("Sạp chợ", ShopKind.MARKET_STALL),
        ("sap cho", ShopKind.MARKET_STALL),
        ("TẠP HÓA", ShopKind.GROCERY),
        ("Nhà thuốc", ShopKind.PHARMACY),
    ],
)
def test_a_kind_is_its_code_or_its_vietnamese_name(typed, kind):
    assert rules.parse_kind(typed) is kind


def test_an_unknown_kind_names_the_codes():
    with pytest.raises(FieldError) as refused:
        rules.parse_kind("siêu thị mini")
    assert "market_stall" in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "limit", "value"),
    [
        ("10.957413", 90, Decimal("10.957413")),
        ("10,957413", 90, Decimal("10.957413")),  # a Vietnamese keypad's decimal comma
        ("106.8426871", 180, Decimal("106.842687")),  # rounded to what the column holds
        ("-90", 90, Decimal("-90.000000")),
        ("", 90, None),
    ],
)
def test_coordinates_take_either_separator(typed, limit, value):
    assert rules.parse_coordinate(typed, limit=limit) == value


@pytest.mark.parametrize(("typed", "limit"), [("91", 90), ("181", 180), ("abc", 90), ("NaN", 90)])
def test_coordinates_out_of_range_or_not_numbers_are_refused(typed, limit):
    with pytest.raises(FieldError):
        rules.parse_coordinate(typed, limit=limit)


def test_a_point_with_latitude_and_longitude_swapped_is_not_in_vietnam():
    assert rules.in_vietnam(Decimal("10.95"), Decimal("106.84"))
    assert not rules.in_vietnam(Decimal("106.84"), Decimal("10.95"))
    assert not rules.in_vietnam(Decimal("-10.95"), Decimal("106.84"))


def test_names_are_similar_without_case_accents_or_spacing():
    assert rules.similar("Tạp hóa Cô Ba", "tap  hoa co ba")
    assert rules.similar("Tạp hóa Cô Ba", "Cửa hàng Tạp hóa Cô Ba")
    assert not rules.similar("Tạp hóa Cô Ba", "Tạp hóa Cô Tư")
    assert not rules.similar("", "Tạp hóa")


def test_text_is_folded_and_bounded():
    assert rules.parse_text("  Chợ   Tân  Triều ", max_length=20) == "Chợ Tân Triều"
    with pytest.raises(FieldError):
        rules.parse_text("x" * 21, max_length=20)
    with pytest.raises(FieldError):
        rules.parse_text(" ", max_length=20, required=True)
