"""Field rules for shops, shared by the pages, the API and imports (pure: no Flask, no database).

Each `parse_*` function takes the text a person typed (or a spreadsheet cell) and returns the value
to store, or raises `FieldError` with a message in the user's language that says what is wrong and
what to do. Pages (WTForms), the API (marshmallow) and the importer call these at the edge; the
services receive the parsed values.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from flask_babel import lazy_gettext as _l

from core.errors import FieldError
from retail.shops.models import ShopKind, ShopState

KIND_LABELS = {
    ShopKind.GROCERY: _l("Grocery (tạp hóa)"),
    ShopKind.CONVENIENCE: _l("Convenience store"),
    ShopKind.MARKET_STALL: _l("Market stall"),
    ShopKind.PHARMACY: _l("Pharmacy"),
    ShopKind.FOOD_SERVICE: _l("Food and drink"),
    ShopKind.AGRI_SUPPLIES: _l("Farm supplies"),
    ShopKind.ELECTRONICS: _l("Phones and electronics"),
    ShopKind.FASHION: _l("Clothes and shoes"),
    ShopKind.OTHER: _l("Other"),
}

STATE_LABELS = {
    ShopState.ACTIVE: _l("Open"),
    ShopState.CLOSED: _l("Closed"),
    ShopState.MERGED: _l("Merged into another shop"),
}

# The Vietnamese names people write in spreadsheets (compared without case or diacritics).
KIND_VI = {
    ShopKind.GROCERY: ("Tạp hóa", "Cửa hàng tạp hóa"),
    ShopKind.CONVENIENCE: ("Cửa hàng tiện lợi", "Tiện lợi"),
    ShopKind.MARKET_STALL: ("Sạp chợ", "Quầy chợ", "Sạp hàng chợ"),
    ShopKind.PHARMACY: ("Nhà thuốc", "Quầy thuốc", "Hiệu thuốc"),
    ShopKind.FOOD_SERVICE: ("Ăn uống", "Quán ăn", "Dịch vụ ăn uống"),
    ShopKind.AGRI_SUPPLIES: ("Vật tư nông nghiệp", "Đại lý vật tư nông nghiệp"),
    ShopKind.ELECTRONICS: ("Điện thoại, điện máy", "Điện máy", "Điện tử"),
    ShopKind.FASHION: ("Thời trang", "Quần áo, giày dép"),
    ShopKind.OTHER: ("Khác",),
}

PHONE_MAX = 16
NAME_MAX = 200
OWNER_MAX = 120
ADDRESS_MAX = 300
MARKET_MAX = 120


def fold(text: str | None) -> str:
    """Lower case without diacritics or punctuation, spaces collapsed: for comparing names."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(text.split())


_KIND_BY_TEXT = {fold(kind.value): kind for kind in ShopKind}
_KIND_BY_TEXT |= {fold(name): kind for kind, names in KIND_VI.items() for name in names}


def parse_kind(text: str | None) -> ShopKind:
    """A kind from its code (`market_stall`) or its Vietnamese name (`Sạp chợ`)."""
    kind = _KIND_BY_TEXT.get(fold(text))
    if kind is None:
        raise FieldError(
            _l(
                "Unknown kind of shop %(text)s: use one of %(codes)s (or its Vietnamese name).",
                text=repr(text or ""),
                codes=", ".join(k.value for k in ShopKind),
            )
        )
    return kind


# A shop's phone is one people call: a mobile or a landline, not a 1900/1800 service number.
_CALLABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


# Digits and the punctuation people put between them; phonenumbers would also read letters
# (vanity numbers, "x" for an extension), which a shop's phone never has.
_PHONE_TEXT = re.compile(r"[+\d\s().\-]+")


def _vietnamese_number(text: str) -> phonenumbers.PhoneNumber | None:
    """The number a text means in Vietnam (0912…, +84 912…, 84912…), or None."""
    if not _PHONE_TEXT.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) != "VN":
        return None  # +1 202… is a valid number, but not a Vietnamese one
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _CALLABLE:
        return None
    return number


def parse_phone(text: str | None) -> str | None:
    """A Vietnamese mobile or landline number in E.164 (+84…); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    number = _vietnamese_number(text)
    if number is None:
        raise FieldError(
            _l(
                "%(text)s is not a Vietnamese phone number: enter 10 digits starting with 0, "
                "e.g. 0912 345 678 (or a landline with its area code, e.g. 0251 3822 123).",
                text=text,
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_fragment(text: str | None) -> str | None:
    """What a phone search should find inside the stored E.164 numbers, or None.

    A whole number in any common form (0912 345 678, +84 912…, 84912…) is its E.164 form; part
    of one (the last digits the owner remembers) is its digits without the leading 0, which
    an E.164 number drops. Text that is not digits and phone punctuation is no phone.
    """
    text = (text or "").strip()
    if not text or not _PHONE_TEXT.fullmatch(text):
        return None
    number = _vietnamese_number(text)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", text).lstrip("0")
    return digits if len(digits) >= 3 else None


def show_phone(e164: str | None) -> str:
    """A stored phone as Vietnamese people write it (0912 345 678)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# A branch's tax code is the company's 10 digits, a dash and the branch's 3 (0312345678-001).
_BRANCH_FORM = re.compile(r"\d{10}\s*-\s*\d{3}")


def parse_registration_no(text: str | None) -> str | None:
    """A household-business or tax registration number (10 or 13 digits) or a 12-digit ID.

    Spaces and dots between digit groups are dropped; a dash only in the branch form
    0312345678-001, so that a mistyped branch (0312345678-01) is not read as a 12-digit ID.
    """
    raw = (text or "").strip()
    digits = re.sub(r"[\s.\-]", "", raw)
    if not digits:
        return None
    if (
        not digits.isdigit()
        or len(digits) not in (10, 12, 13)
        or ("-" in raw and not _BRANCH_FORM.fullmatch(raw))
    ):
        raise FieldError(
            _l(
                "%(text)s is not a registration number: enter the 10- or 13-digit tax or "
                "household-business number, or the owner's 12-digit ID number.",
                text=raw,
            )
        )
    return digits


def parse_coordinate(text: str | None, *, limit: int) -> Decimal | None:
    """A latitude (limit 90) or longitude (limit 180) in degrees, to 6 decimals; None when empty.

    Phones give a point (10.957413); either separator is read as the decimal point, as people
    on a Vietnamese keypad type 10,957413.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) > limit:
        raise FieldError(
            _l(
                "%(text)s is not a coordinate: enter degrees between -%(n)s and %(n)s, "
                "e.g. 10.957413, or press the location button.",
                text=raw,
                n=limit,
            )
        )
    return value.quantize(Decimal("0.000001"))


# A generous box around Vietnam's mainland and islands: a point outside it is a typing mistake
# (latitude and longitude swapped, a sign lost), not a shop of Đồng Nai.
VIETNAM_LATITUDE = (Decimal("8"), Decimal("24"))
VIETNAM_LONGITUDE = (Decimal("102"), Decimal("118"))


def in_vietnam(latitude: Decimal, longitude: Decimal) -> bool:
    """Whether a point lies in the box around Vietnam (mainland and islands)."""
    low_lat, high_lat = VIETNAM_LATITUDE
    low_lon, high_lon = VIETNAM_LONGITUDE
    return low_lat <= latitude <= high_lat and low_lon <= longitude <= high_lon


def parse_text(text: str | None, *, max_length: int, required: bool = False) -> str:
    """Stripped text within its length; required fields must not be empty."""
    value = " ".join((text or "").split())
    if required and not value:
        raise FieldError(_l("This field is required."))
    if len(value) > max_length:
        raise FieldError(
            _l("Keep this under %(n)s characters (it has %(m)s).", n=max_length, m=len(value))
        )
    return value


def similar(a: str, b: str) -> bool:
    """Whether two names (or addresses) read the same once case, accents and spacing are gone."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    return fa == fb or (min(len(fa), len(fb)) >= 6 and (fa in fb or fb in fa))
