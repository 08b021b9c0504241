"""Field rules of the registry, shared by pages and the API.

Each `clean_*` function takes a standard identifier as typed (a GTIN, tax code, GLN, lot code…)
and returns it in the form it is stored in, or raises FieldError with a message in the user's
language that says what is wrong and what to do. Other values reach the services already typed
(enums, dates, Decimals): the forms and schemas parse them, these rules only check them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.dates import add_months
from core.errors import FieldError
from traceability.gs1 import gtin as gs1_gtin
from traceability.gs1.ai import AIValueError, validate_value

OCOP_VALIDITY_MONTHS = 36
STANDARD_MAX_LENGTH = 60
STANDARDS_MAX = 12


def clean_gtin(value: str) -> str:
    """The GTIN as 14 digits, check digit verified (GS1 GenSpecs §7.9)."""
    try:
        return gs1_gtin.normalise_gtin(value or "")
    except gs1_gtin.GtinError as exc:
        messages = {
            "empty": _l("Enter the GTIN: the number under the barcode."),
            "not_digits": _l(
                "A GTIN has digits only: remove spaces, letters and other characters."
            ),
            "bad_length": _l(
                "A GTIN has 8, 12, 13 or 14 digits; this one has %(n)d.", n=len(value or "")
            ),
            "bad_check_digit": _l(
                "The check digit (the last digit) should be %(expected)s, not %(got)s: "
                "re-read the number under the barcode.",
                expected=getattr(exc, "expected", "?"),
                got=getattr(exc, "got", "?"),
            ),
        }
        raise FieldError(messages.get(exc.code, str(exc))) from exc


def gtin_warnings(gtin14: str) -> list:
    if not gs1_gtin.is_vietnam_prefix(gtin14):
        return [
            _l(
                "This GTIN does not start with 893 (GS1 Vietnam). Make sure it is a number "
                "your company was assigned."
            )
        ]
    return []


def outside_company_prefix(gtin14: str, company_prefix: str | None) -> bool:
    """Whether a GTIN was not built on the producer's registered GS1 company prefix.

    A GTIN-12/13/14 carries the company prefix right after its first digit (the indicator, or
    the padding zero); GTIN-12s are padded twice, and a US prefix is written with its leading
    zero, so the same test holds. A GTIN-8 is allocated one by one by GS1 Vietnam, not built on
    a company prefix, so it is never flagged; nor is anything when no prefix is registered.
    """
    if not company_prefix or not gtin14 or gtin14.startswith("000000"):
        return False
    return not gtin14[1:].startswith(company_prefix)


def company_prefix_warnings(gtin14: str, company_prefix: str | None) -> list:
    if outside_company_prefix(gtin14, company_prefix):
        return [
            _l(
                "This GTIN does not start with the producer's registered GS1 company prefix "
                "%(prefix)s: check the number, or the prefix in the producer's details.",
                prefix=company_prefix,
            )
        ]
    return []


_TAX_CODE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$|^(\d{12})$")


def clean_tax_code(value: str) -> str:
    """10 digits (enterprise), 10+3 for a branch (written 0123456789-001), or the 12-digit
    personal identification number that household businesses use since 1/7/2025
    (Circular 86/2024/TT-BTC)."""
    value = (value or "").strip().replace(" ", "")
    match = _TAX_CODE.match(value)
    if not match:
        raise FieldError(
            _l(
                "A tax code has 10 digits, or 13 for a branch (0123456789-001); household "
                "businesses may use their 12-digit personal identification number."
            )
        )
    if match.group(3):
        return match.group(3)
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def clean_company_prefix(value: str | None) -> str | None:
    """A GS1 company prefix: 6 to 12 digits (GS1 Vietnam's start with 893)."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 6 <= len(value) <= 12:
        raise FieldError(_l("A GS1 company prefix has 6 to 12 digits, e.g. 8931234."))
    return value


def clean_gln(value: str | None) -> str | None:
    """A 13-digit GLN with a valid check digit."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) != 13:
        raise FieldError(_l("A GLN has exactly 13 digits."))
    if not gs1_gtin.has_valid_check_digit(value):
        raise FieldError(_l("The GLN's check digit (the last digit) is wrong."))
    return value


def clean_lot_code(value: str) -> str:
    """GS1 AI (10): 1 to 20 characters of GS1 character set 82."""
    value = (value or "").strip()
    if not value:
        raise FieldError(_l("Enter the lot code."))
    if len(value) > 20:
        raise FieldError(
            _l("A lot code has at most 20 characters; this one has %(n)d.", n=len(value))
        )
    try:
        validate_value("10", value)
    except AIValueError as exc:
        raise FieldError(
            _l(
                "A lot code may use only letters without accents, digits and - . / _ "
                "(no spaces or Vietnamese diacritics)."
            )
        ) from exc
    return value


def check_standards(names: list[str]) -> list[str]:
    """The standards a product or site declares: each once, each short, not too many."""
    kept: list[str] = []
    for name in names:
        if name and name not in kept:
            if len(name) > STANDARD_MAX_LENGTH:
                raise FieldError(_l("Each standard has at most 60 characters."))
            if len(kept) == STANDARDS_MAX:  # at once: a long list is not walked to its end
                raise FieldError(_l("List at most 12 standards."))
            kept.append(name)
    return kept


# --- numbers typed in forms ----------------------------------------------------------------

# Each language's decimal and grouping separators (Vietnamese: 1.500,5; English: 1,500.5).
SEPARATORS = {"vi": (",", "."), "en": (".", ",")}
_PLAIN = re.compile(r"\d+(?:\.\d+)?")


def _grouped(integral: str, sep: str) -> bool:
    """1 to 3 digits not starting with 0, then groups of exactly three: 1.500, 12.000.000."""
    return re.fullmatch(r"[1-9]\d{0,2}(?:" + re.escape(sep) + r"\d{3})+", integral) is not None


def parse_typed_number(text: str, language: str = "vi", *, grouping: bool = True) -> Decimal:
    """A number as a person types it in their language, never read through a float.

    The rule (also in docs/architecture.md, "Numbers typed in forms"):
    - spaces are ignored, and a leading minus is kept;
    - the language's decimal separator is the decimal point (vi "32,5" = 32.5, en "32.5");
    - with both separators, the last one is the decimal point and the other must group the
      digits in threes (vi "1.500,25" = 1500.25; "1,500.25" is read the same way);
    - the grouping separator alone groups thousands when it is followed by groups of exactly
      three digits after a first group of 1 to 3 digits not starting with 0 (vi "1.500" = 1500,
      "1.500.000" = one million); otherwise it is the decimal point, as a phone's numeric
      keypad types it (vi "1.5" = 1.5, "0.125" = 0.125, "32.75" = 32.75);
    - `grouping=False` (coordinates) reads either separator as the decimal point.
    Anything else raises ValueError.
    """
    decimal_sep, group_sep = SEPARATORS.get(language, SEPARATORS["vi"])
    value = "".join(str(text or "").split())
    sign = ""
    if value[:1] in ("-", "\u2212"):
        sign, value = "-", value[1:]
    if not grouping:
        value = value.replace(",", ".")
    elif decimal_sep in value and group_sep in value:
        point = decimal_sep if value.rfind(decimal_sep) > value.rfind(group_sep) else group_sep
        grouper = group_sep if point == decimal_sep else decimal_sep
        integral, _, fraction = value.rpartition(point)
        if not _grouped(integral, grouper):
            raise ValueError("digits grouped wrongly")
        value = f"{integral.replace(grouper, '')}.{fraction}"
    elif decimal_sep in value:
        value = value.replace(decimal_sep, ".")
    elif group_sep in value:
        value = value.replace(group_sep, "" if _grouped(value, group_sep) else ".")
    if not _PLAIN.fullmatch(value):
        raise ValueError("not a number")
    return Decimal(sign + value)


def ocop_default_valid_to(valid_from: dt.date) -> dt.date:
    """OCOP certificates are valid for 36 months from the decision (Decision 148/QĐ-TTg)."""
    return add_months(valid_from, OCOP_VALIDITY_MONTHS) - dt.timedelta(days=1)
