"""GTIN check digits, validation and normalisation to 14 digits (GS1 GenSpecs §7.9)."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)
VIETNAM_PREFIX = "893"

_DIGITS = frozenset("0123456789")


class GtinError(ValueError):
    """A GTIN that cannot be used, with a machine ``code`` and an English message."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        value: str,
        expected: int | None = None,
        got: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.value = value
        self.expected = expected
        self.got = got


def _is_digits(value: str) -> bool:
    # str.isdigit() also accepts "²" and non-ASCII digits, which are not GS1 numerics.
    return value.isascii() and value.isdigit()


def _first_non_digit(value: str) -> tuple[int, str]:
    for index, char in enumerate(value):
        if char not in _DIGITS:
            return index, char
    raise AssertionError("value has no non-digit")  # pragma: no cover


def check_digit(payload: str) -> int:
    """Return the GS1 mod-10 check digit for ``payload`` (all digits before the check digit)."""
    if not _is_digits(payload):
        raise GtinError(
            "not_digits",
            f"cannot compute a check digit for {payload!r}: only the digits 0-9 are allowed",
            value=payload,
        )
    # GS1 GenSpecs §7.9.1: weights 3, 1, 3, 1, ... starting from the rightmost payload digit.
    total = 3 * sum(map(int, payload[::-2])) + sum(map(int, payload[-2::-2]))
    return (10 - total % 10) % 10


def has_valid_check_digit(value: str) -> bool:
    """Return whether ``value`` (digits, any length) ends with its correct mod-10 check digit."""
    if not value or not _is_digits(value):
        return False
    return check_digit(value[:-1]) == ord(value[-1]) - 48


def validate_gtin(value: str) -> None:
    """Raise ``GtinError`` unless ``value`` is a GTIN-8, -12, -13 or -14 with a good check digit."""
    if value == "":
        raise GtinError(
            "empty", "GTIN is empty: enter the number printed under the barcode", value=value
        )
    if not _is_digits(value):
        position, char = _first_non_digit(value)
        hint = "remove spaces" if char.isspace() else "remove letters and other symbols"
        raise GtinError(
            "not_digits",
            f"GTIN may contain only the digits 0-9, but has {char!r} at position {position + 1}:"
            f" {hint}",
            value=value,
        )
    if len(value) not in GTIN_LENGTHS:
        raise GtinError(
            "bad_length",
            f"GTIN must have 8, 12, 13 or 14 digits, but has {len(value)}:"
            " check that no digit is missing or extra",
            value=value,
        )
    expected = check_digit(value[:-1])
    got = ord(value[-1]) - 48
    if expected != got:
        raise GtinError(
            "bad_check_digit",
            f"GTIN check digit is {got} but should be {expected}: re-read the barcode number",
            value=value,
            expected=expected,
            got=got,
        )


def normalise_gtin(value: str) -> str:
    """Return ``value`` as a 14-digit GTIN (leading zeros added), or raise ``GtinError``."""
    # No stripping: " 0123..." is an input error to report, not to guess around.
    validate_gtin(value)
    return value.zfill(14)


def gs1_prefix(gtin14: str) -> str:
    """Return the three-digit GS1 Prefix of a valid GTIN (a GTIN-8's GS1-8 Prefix)."""
    gtin14 = normalise_gtin(gtin14)
    # A GTIN-14 carries its GS1 Prefix after the indicator digit; a GTIN-8 right-justified in
    # 14 digits starts with six zeros and carries a GS1-8 Prefix instead (GS1 GenSpecs, GTIN).
    if gtin14.startswith("000000"):
        return gtin14[6:9]
    return gtin14[1:4]


def is_vietnam_prefix(gtin14: str) -> bool:
    """Return whether a valid GTIN was allocated under GS1 Vietnam's prefix 893."""
    return gs1_prefix(gtin14) == VIETNAM_PREFIX


def gtin14_to_display(gtin14: str) -> str:
    """Return the GTIN as printed under its barcode: GTIN-8, -12 or -13 when the zeros allow it."""
    gtin14 = normalise_gtin(gtin14)
    if gtin14.startswith("000000"):
        return gtin14[6:]
    if gtin14.startswith("00"):
        return gtin14[2:]
    if gtin14.startswith("0"):
        return gtin14[1:]
    return gtin14
