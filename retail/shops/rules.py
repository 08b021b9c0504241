"""Field rules for shops, shared by the pages, the API and imports (pure: no Flask, no database).

Each `parse_*` function takes the text a person typed (or a spreadsheet cell) and returns the value
to store, or raises `FieldError` with a message in the user's language that says what is wrong and
what to do. Pages (WTForms), the API (marshmallow) and the importer call these at the edge; the
services receive the parsed values.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from flask_babel import lazy_gettext as _l

from core.errors import FieldError
from retail.shops.models import ShopKind

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


def parse_phone(text: str | None) -> str | None:
    """A Vietnamese phone number in E.164 (+84…); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldError(
            _l(
                "%(text)s is not a Vietnamese phone number: enter 10 digits starting with 0, "
                "e.g. 0912 345 678.",
                text=text,
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_phone(e164: str | None) -> str:
    """A stored phone as Vietnamese people write it (0912 345 678)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def parse_registration_no(text: str | None) -> str | None:
    """A household-business or tax registration number (10 or 13 digits) or a 12-digit ID.

    A branch's tax code is often written 0312345678-001: the dash and spaces are dropped.
    """
    raw = (text or "").strip()
    digits = re.sub(r"[\s.\-]", "", raw)
    if not digits:
        return None
    if not digits.isdigit() or len(digits) not in (10, 12, 13):
        raise FieldError(
            _l(
                "%(text)s is not a registration number: enter the 10- or 13-digit tax or "
                "household-business number, or the owner's 12-digit ID number.",
                text=raw,
            )
        )
    return digits


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
