"""GS1 Application Identifiers, read from the vendored GS1 Barcode Syntax Dictionary."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

DICTIONARY_PATH = Path(__file__).with_name("gs1-syntax-dictionary.txt")

# GS1 GenSpecs §7.11 figure 7.11-1 (set 82), figure 7.11-2 (set 39); set 64 is base64url.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSET64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
# GS1 GenSpecs §7.9.5: check characters of alphanumeric keys are drawn from this set of 32.
CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

_CHARSETS = {
    "N": frozenset("0123456789"),
    "X": frozenset(CSET82),
    "Y": frozenset(CSET39),
    "Z": frozenset(CSET64),
}
_CHARSET_NAMES = {
    "N": "digits 0-9",
    "X": "GS1 character set 82",
    "Y": "GS1 character set 39",
    "Z": "the base64url character set",
}


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 3166-1 numeric and alpha-2 country codes and ISO 4217 numeric currency codes, as published
# in the Debian iso-codes 4.15 data, plus 924 (ZWG, added to ISO 4217 in 2024).
_ISO3166_NUMERIC = _codes("""
004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070
072 074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156
158 162 166 170 174 175 178 180 184 188 191 192 196 203 204 208 212 214 218 222 226 231
232 233 234 238 239 242 246 248 250 254 258 260 262 266 268 270 275 276 288 292 296 300
304 308 312 316 320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376 380 384
388 392 398 400 404 408 410 414 417 418 422 426 428 430 434 438 440 442 446 450 454 458
462 466 470 474 478 480 484 492 496 498 499 500 504 508 512 516 520 524 528 531 533 534
535 540 548 554 558 562 566 570 574 578 580 581 583 584 585 586 591 598 600 604 608 612
616 620 624 626 630 634 638 642 643 646 652 654 659 660 662 663 666 670 674 678 682 686
688 690 694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764
768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 850 854
858 860 862 876 882 887 894
""")
_ISO3166_ALPHA2 = _codes("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""")
_ISO4217_NUMERIC = _codes("""
008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136
144 152 156 170 174 188 191 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328
332 340 344 348 352 356 360 364 368 376 388 392 398 400 404 408 410 414 417 418 422 426
430 434 446 454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 558 566 578 586
590 598 600 604 608 634 643 646 654 682 690 694 702 704 706 710 728 748 752 756 760 764
776 780 784 788 800 807 818 826 834 840 858 860 882 886 901 924 925 926 927 928 929 930
931 932 933 934 936 938 940 941 943 944 946 947 948 949 950 951 952 953 955 956 957 958
959 960 961 962 963 964 965 967 968 969 970 971 972 973 975 976 977 978 979 980 981 984
985 986 990 994 997 999
""")


class AIValueError(ValueError):
    """An AI or AI value that breaks the GS1 syntax rules; ``code`` names the rule."""

    def __init__(self, ai: str, code: str, message: str, *, value: str | None = None) -> None:
        super().__init__(message)
        self.ai = ai
        self.code = code
        self.value = value


@dataclass(frozen=True, slots=True)
class Component:
    """One part of an AI's data field, e.g. ``N13,csum,gcppos1`` or ``[X..17]``."""

    type: str
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AIDefinition:
    """One AI's entry in the GS1 Barcode Syntax Dictionary."""

    ai: str
    title: str
    fixed_length: bool
    dl_attribute: bool
    components: tuple[Component, ...]
    dl_primary_key: bool
    qualifier_sequences: tuple[tuple[str, ...], ...]
    req: tuple[tuple[tuple[str, ...], ...], ...]
    ex: tuple[str, ...]
    min_length: int
    max_length: int

    @property
    def fnc1_required(self) -> bool:
        """Whether an FNC1 separator must follow this AI's value when another AI comes next."""
        return not self.fixed_length


# Dictionary header: flags are allocated from these characters.
_FLAG_CHARS = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
_COMPONENT_RE = re.compile(r"(\[)?([NXYZ])(\.\.)?([0-9]+)(\])?((?:,[a-z0-9]+)*)")
_AI_RANGE_RE = re.compile(r"([0-9]{2,4})(?:-([0-9]{2,4}))?")


def parse_dictionary(text: str) -> dict[str, AIDefinition]:
    """Parse the text of a GS1 Barcode Syntax Dictionary into definitions keyed by AI."""
    table: dict[str, AIDefinition] = {}
    for line_number, raw_line in enumerate(text.splitlines(), start=1):
        body, _, title = raw_line.partition("#")
        tokens = body.split()
        if not tokens:
            continue
        try:
            for definition in _parse_entry(tokens, title.strip()):
                table[definition.ai] = definition
        except ValueError as exc:
            raise ValueError(f"syntax dictionary line {line_number}: {exc}") from exc
    return table


def _parse_entry(tokens: list[str], title: str) -> list[AIDefinition]:
    match = _AI_RANGE_RE.fullmatch(tokens[0])
    if not match:
        raise ValueError(f"bad AI {tokens[0]!r}")
    first, last = match.group(1), match.group(2) or match.group(1)
    if len(first) != len(last) or int(last) < int(first):
        raise ValueError(f"bad AI range {tokens[0]!r}")
    rest = tokens[1:]
    flags = ""
    if rest and not _COMPONENT_RE.fullmatch(rest[0]) and set(rest[0]) <= _FLAG_CHARS:
        flags = rest.pop(0)

    components: list[Component] = []
    while rest and (match := _COMPONENT_RE.fullmatch(rest[0])):
        rest.pop(0)
        opening, kind, variable, length, closing, linters = match.groups()
        if bool(opening) != bool(closing):
            raise ValueError(f"unbalanced brackets in component of {tokens[0]}")
        components.append(
            Component(
                type=kind,
                min_length=1 if variable else int(length),
                max_length=int(length),
                optional=bool(opening),
                linters=tuple(name for name in linters.split(",") if name),
            )
        )
    if not components:
        raise ValueError(f"no format specification for {tokens[0]}")

    is_key = False
    sequences: list[tuple[str, ...]] = []
    req: list[tuple[tuple[str, ...], ...]] = []
    ex: list[str] = []
    for attribute in rest:
        name, _, value = attribute.partition("=")
        if name == "dlpkey":
            is_key = True
            if value:
                sequences.extend(tuple(seq.split(",")) for seq in value.split("|"))
        elif name == "req":
            req.append(tuple(tuple(group.split("+")) for group in value.split(",")))
        elif name == "ex":
            ex.extend(value.split(","))
        # Other attributes are for other uses of the dictionary; ignoring them keeps us
        # compatible with future releases.

    min_length = sum(c.min_length for c in components if not c.optional)
    max_length = sum(c.max_length for c in components)
    return [
        AIDefinition(
            ai=str(number).zfill(len(first)),
            title=title,
            fixed_length="*" in flags,
            dl_attribute="?" in flags,
            components=tuple(components),
            dl_primary_key=is_key,
            qualifier_sequences=tuple(sequences),
            req=tuple(req),
            ex=tuple(ex),
            min_length=min_length,
            max_length=max_length,
        )
        for number in range(int(first), int(last) + 1)
    ]


@functools.cache
def definitions() -> Mapping[str, AIDefinition]:
    """Return the read-only AI table, parsed once from the vendored dictionary."""
    return MappingProxyType(parse_dictionary(DICTIONARY_PATH.read_text(encoding="utf-8")))


def lookup(ai: str) -> AIDefinition | None:
    """Return the definition of ``ai``, or None when the dictionary does not know it."""
    return definitions().get(ai)


# -- Linters: GS1 Barcode Syntax Tests, one function per dictionary linter name ----------------


class _LintFailure(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _digits(data: str) -> bool:
    return data.isascii() and data.isdigit()


def _lint_csum(data: str) -> None:
    if not data or not _digits(data):
        raise _LintFailure("bad_check_digit", f"{data!r} cannot carry a mod-10 check digit")
    # GS1 GenSpecs §7.9.1: weights 3, 1, 3, ... from the digit left of the check digit.
    total = 3 * sum(map(int, data[-2::-2])) + sum(map(int, data[-3::-2]))
    expected = (10 - total % 10) % 10
    if ord(data[-1]) - 48 != expected:
        raise _LintFailure(
            "bad_check_digit", f"has check digit {data[-1]} but it should be {expected}"
        )


_PRIMES = (
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
    97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
    191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
    283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
    401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
)  # fmt: skip


def _lint_csumalpha(data: str) -> None:
    # GS1 GenSpecs §7.9.5: each character's CSET 82 index weighted by successive primes from
    # the right, sum mod 1021, written as two CSET 32 characters (high and low five bits).
    if len(data) < 2:
        raise _LintFailure("bad_check_pair", "is too short to carry a check character pair")
    payload, pair = data[:-2], data[-2:]
    if len(payload) > len(_PRIMES):
        raise _LintFailure("bad_check_pair", "is too long for the check character pair")
    if any(c not in _CHARSETS["X"] for c in payload):
        raise _LintFailure("bad_character", "contains a character not in GS1 character set 82")
    weighted = zip(reversed(payload), _PRIMES, strict=False)
    total = sum(CSET82.index(char) * prime for char, prime in weighted) % 1021
    expected = CSET32[total >> 5] + CSET32[total & 31]
    if pair != expected:
        raise _LintFailure(
            "bad_check_pair", f"has check characters {pair!r} but they should be {expected!r}"
        )


# The syntax engine's gcppos linters check only that the shortest possible GS1 Company Prefix
# (4 digits) is numeric unless a GCP allocation table is plugged in; we have no such table.
_GCP_MIN_LENGTH = 4


def _lint_gcppos1(data: str) -> None:
    head = data[:_GCP_MIN_LENGTH]
    if len(head) < _GCP_MIN_LENGTH or not _digits(head):
        raise _LintFailure(
            "bad_gcp", "must start with a GS1 Company Prefix (its first 4 characters are digits)"
        )


def _lint_gcppos2(data: str) -> None:
    head = data[1 : 1 + _GCP_MIN_LENGTH]
    if len(head) < _GCP_MIN_LENGTH or not _digits(head):
        raise _LintFailure(
            "bad_gcp",
            "must have a GS1 Company Prefix from its second character (4 digits at least)",
        )


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_date(data: str, year: int, month: int, day: int, *, day_zero: bool) -> None:
    if not 1 <= month <= 12:
        raise _LintFailure("bad_date", f"{data!r} is not a valid date: month {month:02d}")
    last_day = _DAYS_IN_MONTH[month - 1]
    if month == 2 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        last_day = 28
    if not (0 if day_zero else 1) <= day <= last_day:
        raise _LintFailure("bad_date", f"{data!r} is not a valid date: day {day:02d}")


def _yymmdd(data: str, *, day_zero: bool) -> None:
    if len(data) != 6 or not _digits(data):
        raise _LintFailure("bad_date", f"{data!r} is not a date in YYMMDD form")
    # GS1 GenSpecs §7.12: two-digit years fall within 49 years past and 50 years future; every
    # year a YY can then stand for is a leap year exactly when YY is a multiple of 4.
    yy = int(data[:2])
    _check_date(data, 2000 + yy, int(data[2:4]), int(data[4:]), day_zero=day_zero)


def _lint_yymmd0(data: str) -> None:
    _yymmdd(data, day_zero=True)


def _lint_yymmdd(data: str) -> None:
    _yymmdd(data, day_zero=False)


def _lint_yyyymmdd(data: str) -> None:
    if len(data) != 8 or not _digits(data):
        raise _LintFailure("bad_date", f"{data!r} is not a date in YYYYMMDD form")
    _check_date(data, int(data[:4]), int(data[4:6]), int(data[6:]), day_zero=False)


def _number_in_range(name: str, low: int, high: int, width: int) -> Callable[[str], None]:
    def lint(data: str) -> None:
        if len(data) != width or not _digits(data) or not low <= int(data) <= high:
            raise _LintFailure(
                "bad_time", f"{data!r} is not a valid {name} ({low:0{width}d}-{high:0{width}d})"
            )

    return lint


_lint_hh = _number_in_range("hour", 0, 23, 2)
_lint_mi = _number_in_range("minute", 0, 59, 2)
_lint_ss = _number_in_range("second", 0, 59, 2)


def _lint_hhmi(data: str) -> None:
    if len(data) != 4:
        raise _LintFailure("bad_time", f"{data!r} is not a time in HHMM form")
    _lint_hh(data[:2])
    _lint_mi(data[2:])


def _member_of(allowed: frozenset[str], code: str, description: str) -> Callable[[str], None]:
    def lint(data: str) -> None:
        if data not in allowed:
            raise _LintFailure(code, f"{data!r} is not {description}")

    return lint


_lint_iso3166 = _member_of(_ISO3166_NUMERIC, "bad_country", "an ISO 3166 numeric country code")
_lint_iso3166999 = _member_of(
    _ISO3166_NUMERIC | {"999"}, "bad_country", "an ISO 3166 numeric country code or 999"
)
_lint_iso3166alpha2 = _member_of(_ISO3166_ALPHA2, "bad_country", "an ISO 3166 alpha-2 country code")
_lint_iso4217 = _member_of(_ISO4217_NUMERIC, "bad_currency", "an ISO 4217 numeric currency code")
# ISO/IEC 5218 sex codes; GS1 GenSpecs tables for winding direction and AIDC media type.
_lint_iso5218 = _member_of(frozenset("0129"), "bad_value", "an ISO/IEC 5218 code (0, 1, 2 or 9)")
_lint_winding = _member_of(frozenset("019"), "bad_value", "a winding direction (0, 1 or 9)")
_lint_mediatype = _member_of(
    frozenset(f"{n:02d}" for n in (*range(1, 11), *range(80, 100))),
    "bad_value",
    "an AIDC media type (01-10 or 80-99)",
)
_lint_yesno = _member_of(frozenset("01"), "bad_value", "0 (no) or 1 (yes)")
_lint_zero = _member_of(frozenset({"0"}), "bad_value", "0")
_lint_hyphen = _member_of(frozenset({"-"}), "bad_value", "a hyphen '-'")
# EU 2018/574 importer index: one character of '-', 0-9, A-Z, '_' or a-z.
_lint_importeridx = _member_of(
    frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"),
    "bad_value",
    "a valid importer index character",
)


def _lint_nonzero(data: str) -> None:
    if data.strip("0") == "":
        raise _LintFailure("bad_value", f"{data!r} must not be zero")


def _lint_nozeroprefix(data: str) -> None:
    if data.startswith("0"):
        raise _LintFailure("bad_value", f"{data!r} must not start with 0")


def _lint_hasnondigit(data: str) -> None:
    if _digits(data):
        raise _LintFailure("bad_value", f"{data!r} must contain at least one non-digit character")


_HEX = frozenset("0123456789ABCDEFabcdef")


def _lint_pcenc(data: str) -> None:
    # RFC 3986 §2.1: every '%' starts a two-hex-digit escape.
    position = data.find("%")
    while position != -1:
        escape = data[position + 1 : position + 3]
        if len(escape) != 2 or not _HEX.issuperset(escape):
            raise _LintFailure(
                "bad_value", f"has a malformed percent-escape at position {position + 1}"
            )
        position = data.find("%", position + 3)


def _lint_pieceoftotal(data: str) -> None:
    half = len(data) // 2
    if not data or len(data) % 2 or not _digits(data):
        raise _LintFailure("bad_value", f"{data!r} is not a piece number and total of equal width")
    piece, total = int(data[:half]), int(data[half:])
    if piece == 0 or total == 0 or piece > total:
        raise _LintFailure("bad_value", f"piece {piece} of {total} is not meaningful")


def _lint_posinseqslash(data: str) -> None:
    position, slash, end = data.partition("/")
    if not slash or not _digits(position) or not _digits(end):
        raise _LintFailure("bad_value", f"{data!r} is not a position in the form <pos>/<end>")
    if position.startswith("0") or end.startswith("0"):
        raise _LintFailure("bad_value", f"{data!r} must not have zero or zero-prefixed numbers")
    if int(position) > int(end):
        raise _LintFailure("bad_value", f"position {position} exceeds the end {end}")


def _coordinate(name: str, high: int) -> Callable[[str], None]:
    def lint(data: str) -> None:
        # AI (4309) carries degrees offset by +90 / +180 and scaled by 10^7, so never negative.
        if not _digits(data) or int(data) > high:
            raise _LintFailure("bad_value", f"{data!r} is not a valid {name}")

    return lint


_lint_latitude = _coordinate("latitude", 1_800_000_000)
_lint_longitude = _coordinate("longitude", 3_600_000_000)


def _lint_iban(data: str) -> None:
    # ISO 13616: country, two check digits, account; valid when the rearranged number mod 97
    # is 1. Per-country lengths are not checked.
    if not (
        5 <= len(data) <= 34
        and data[:2] in _ISO3166_ALPHA2
        and _digits(data[2:4])
        and data.isascii()
        and data[4:].isalnum()
        and data[4:] == data[4:].upper()
    ):
        raise _LintFailure("bad_value", f"{data!r} is not an IBAN")
    rearranged = data[4:] + data[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        raise _LintFailure("bad_value", f"{data!r} has wrong IBAN check digits")


_PACKAGE_TYPE_RE = re.compile(r"[0-9A-Z]{2,3}")


def _lint_packagetype(data: str) -> None:
    # Loose: UN/ECE Recommendation 21 codes and GS1's additions are 2-3 upper-case letters or
    # digits; the code list itself is not checked.
    if not _PACKAGE_TYPE_RE.fullmatch(data):
        raise _LintFailure("bad_value", f"{data!r} is not a package type code")


def _lint_coupon(data: str) -> None:
    # Loose: North American coupon codes (AI 8110, 8112) are all digits; their inner structure
    # (GS1 US coupon guideline) is not checked.
    if not _digits(data):
        raise _LintFailure("bad_value", f"{data!r} is not a numeric coupon code")


LINTERS: Mapping[str, Callable[[str], None]] = MappingProxyType(
    {
        "couponcode": _lint_coupon,
        "couponposoffer": _lint_coupon,
        "csum": _lint_csum,
        "csumalpha": _lint_csumalpha,
        "gcppos1": _lint_gcppos1,
        "gcppos2": _lint_gcppos2,
        "hasnondigit": _lint_hasnondigit,
        "hh": _lint_hh,
        "hhmi": _lint_hhmi,
        "hyphen": _lint_hyphen,
        "iban": _lint_iban,
        "importeridx": _lint_importeridx,
        "iso3166": _lint_iso3166,
        "iso3166999": _lint_iso3166999,
        "iso3166alpha2": _lint_iso3166alpha2,
        "iso4217": _lint_iso4217,
        "iso5218": _lint_iso5218,
        "latitude": _lint_latitude,
        "longitude": _lint_longitude,
        "mediatype": _lint_mediatype,
        "mi": _lint_mi,
        "nonzero": _lint_nonzero,
        "nozeroprefix": _lint_nozeroprefix,
        "packagetype": _lint_packagetype,
        "pcenc": _lint_pcenc,
        "pieceoftotal": _lint_pieceoftotal,
        "posinseqslash": _lint_posinseqslash,
        "ss": _lint_ss,
        "winding": _lint_winding,
        "yesno": _lint_yesno,
        "yymmd0": _lint_yymmd0,
        "yymmdd": _lint_yymmdd,
        "yyyymmdd": _lint_yyyymmdd,
        "zero": _lint_zero,
    }
)


def _length_rule(minimum: int, maximum: int) -> str:
    if minimum == maximum:
        return f"exactly {minimum}"
    return f"{minimum} to {maximum}"


def validate_value(ai: str, value: str) -> None:
    """Raise ``AIValueError`` unless ``value`` is a valid value for ``ai``."""
    definition = lookup(ai)
    if definition is None:
        raise AIValueError(ai, "unknown_ai", f"({ai}) is not a known GS1 Application Identifier")
    length = len(value)
    if length < definition.min_length or length > definition.max_length:
        rule = _length_rule(definition.min_length, definition.max_length)
        problem = "too short" if length < definition.min_length else "too long"
        raise AIValueError(
            ai,
            "too_short" if length < definition.min_length else "too_long",
            f"AI ({ai}) value {value!r} is {problem}: it must have {rule} characters, not {length}",
            value=value,
        )
    position = 0
    for component in definition.components:
        if position == length and component.optional:
            break
        part = value[position : position + component.max_length]
        if len(part) < component.min_length:
            raise AIValueError(
                ai,
                "too_short",
                f"AI ({ai}) value {value!r} is too short: its part from position {position + 1}"
                f" needs {_length_rule(component.min_length, component.max_length)} characters",
                value=value,
            )
        charset = _CHARSETS[component.type]
        if not charset.issuperset(part):
            index, char = next((i, c) for i, c in enumerate(part) if c not in charset)
            raise AIValueError(
                ai,
                "bad_character",
                f"AI ({ai}) value {value!r} contains a character not in"
                f" {_CHARSET_NAMES[component.type]}: {char!r} at position {position + index + 1}",
                value=value,
            )
        for name in component.linters:
            linter = LINTERS.get(name)
            if linter is None:
                continue  # a linter added by a newer dictionary release; see test_ai.py
            try:
                linter(part)
            except _LintFailure as failure:
                raise AIValueError(
                    ai,
                    failure.code,
                    f"AI ({ai}) value {value!r} is invalid: {failure.reason}",
                    value=value,
                ) from None
        position += len(part)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    # Dictionary patterns use "n" for any digit, e.g. "31nn" or "394n"; None means a plain AI.
    return re.compile(pattern.replace("n", "[0-9]")) if "n" in pattern else None


def _present(pattern: str, ais: set[str], exclude: str = "") -> str | None:
    matcher = _pattern(pattern)
    if matcher is None:
        return pattern if pattern in ais and pattern != exclude else None
    return next((ai for ai in ais if ai != exclude and matcher.fullmatch(ai)), None)


def check_associations(ais: Iterable[tuple[str, str]]) -> None:
    """Raise ``AIValueError`` when the AIs break a ``req=`` or ``ex=`` rule of the dictionary."""
    present = {ai for ai, _ in ais}
    table = definitions()
    for ai in sorted(present):
        definition = table.get(ai)
        if definition is None:
            continue
        for pattern in definition.ex:
            # Dictionary header: an AI is not exclusive of itself even if it matches.
            other = _present(pattern, present, exclude=ai)
            if other is not None:
                raise AIValueError(
                    ai, "invalid_pair", f"AI ({ai}) must not be used together with AI ({other})"
                )
        for alternatives in definition.req:
            if not any(
                all(_present(p, present) is not None for p in group) for group in alternatives
            ):
                wanted = " or ".join("+".join(f"({p})" for p in group) for group in alternatives)
                raise AIValueError(
                    ai, "missing_required", f"AI ({ai}) needs {wanted} in the same data"
                )


_BRACKETED_AI_RE = re.compile(r"\(([0-9]{2,4})\)")


def parse_bracketed(text: str) -> list[tuple[str, str]]:
    """Split bracketed AI data such as ``(01)09520123456788(10)AB`` into (AI, value) pairs."""
    # As in the GS1 Syntax Engine, a literal "(" inside a value is written "\(".
    pairs: list[tuple[str, str]] = []
    position = 0
    if not text.startswith("("):
        raise AIValueError("", "bad_syntax", "bracketed AI data must start with '(' and an AI")
    while position < len(text):
        match = _BRACKETED_AI_RE.match(text, position)
        if not match:
            raise AIValueError("", "bad_syntax", f"expected '(AI)' at position {position + 1}")
        ai = match.group(1)
        value_start = position = match.end()
        while position < len(text) and not (
            text[position] == "("
            and text[position - 1] != "\\"
            and _BRACKETED_AI_RE.match(text, position)
        ):
            position += 1
        pairs.append((ai, text[value_start:position].replace("\\(", "(")))
    return pairs


def element_string(ais: Iterable[tuple[str, str]], *, fnc1: str = "^") -> str:
    """Return the AIs as a GS1 element string, ``fnc1`` leading and after variable-length AIs."""
    parts: list[str] = []
    separator_needed = True
    for ai, value in ais:
        if separator_needed:
            parts.append(fnc1)
        parts.append(ai)
        parts.append(value)
        definition = lookup(ai)
        separator_needed = definition is None or definition.fnc1_required
    return "".join(parts)
