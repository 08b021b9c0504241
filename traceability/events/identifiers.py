"""Identifiers in EPCIS events: EPC URNs and GS1 Digital Link URIs, one canonical form.

The canonical form of an identifier is its GS1 Digital Link URI on id.gs1.org with the GTIN in
14 digits (`https://id.gs1.org/01/08930000000017/21/ABC`), whatever form it was captured in
(`urn:epc:id:sgtin:8930000.000001.ABC`, a Digital Link on another host, …); identifiers that are
neither (a private URI, `urn:epc:id:sgln:…` is converted too) stay as they are. Queries and the
identifier index use only the canonical form, so both forms of the same item match.

The conversions follow the EPC Tag Data Standard (TDS 2.x, §6 and §7: EPC URI ↔ GS1 element
strings) and the normaliser of the EPCIS event-hash reference implementation, which the event
hash depends on: only the key path is kept (no query string, no CPV (22); a lot is dropped when a
serial is present, because the serial alone names the item, as the SGTIN URN does), values are
percent-decoded and re-encoded one way (`escape`: GS1 Digital Link's rules, upper-case hex).

Pure functions: no Flask, no database.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from traceability.gs1.ai import AIValueError, validate_value
from traceability.gs1.digital_link import DigitalLinkError, parse_digital_link
from traceability.gs1.gtin import check_digit

GS1_HOST = "https://id.gs1.org"


@dataclass(frozen=True)
class Key:
    """What an identifier names, when it is a GTIN-based key: a GTIN with a lot or a serial."""

    gtin: str  # 14 digits
    lot: str | None = None
    serial: str | None = None


# One identifier as the AI pairs of its Digital Link path, primary key first (values decoded).
Pairs = tuple[tuple[str, str], ...]

# TDS §5: an EPC URN carries GS1 characters bare except " % & / < > ?, which are %-escaped.
_URN_RE = re.compile(
    r"urn:epc:(id|class|idpat):([a-z]+):((?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})+)\Z"
)
_PERCENT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
# A GS1 Company Prefix has 6 to 12 digits (TDS §6.3).
_PREFIX_LENGTHS = range(6, 13)
# GS1 Digital Link (Table 7-1 of the standard) percent-encodes ! # % & ( ) * + , / : and what a
# URI cannot carry; the other GS1 characters (' ; =) stay as they are, as in the reference
# implementation of the event hash (its vectors have a serial with ').
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';=")
_ESCAPED = tuple(chr(b) if chr(b) in _SAFE else f"%{b:02X}" for b in range(256))
# Qualifiers dropped from the canonical form: CPV (22) and the lot (10) when a serial is present.
_DROPPED_QUALIFIER = "22"


def _digits(value: str, length: int | None = None) -> bool:
    return value.isascii() and value.isdigit() and (length is None or len(value) == length)


def _unescape_urn(value: str) -> str:
    """Decode the %XX escapes TDS uses in URN serials (", %, &, /, <, >, ?)."""
    if "%" not in value:
        return value
    return _PERCENT_RE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _with_check(payload: str) -> str:
    return payload + str(check_digit(payload))


def _company(prefix: str, reference: str, total: int) -> str | None:
    """Company prefix and reference together, when they are digits of `total` digits in all
    (the reference may be empty only when the prefix fills the whole length)."""
    if len(prefix) not in _PREFIX_LENGTHS or not _digits(prefix):
        return None
    if (reference and not _digits(reference)) or len(prefix) + len(reference) != total:
        return None
    return prefix + reference


@functools.lru_cache(maxsize=4096)
def _gtin(prefix: str, item_ref: str) -> str | None:
    # TDS §7.1: the indicator digit leads the item reference in the URN, and the GTIN.
    if not item_ref or _company(prefix, item_ref, 13) is None:
        return None
    return _with_check(item_ref[0] + prefix + item_ref[1:])


# scheme → (fields before the free last field, whether an ID pattern `….*` exists for it)
_URN_FIELDS: dict[str, tuple[int, bool]] = {
    "sgtin": (2, True),
    "upui": (2, True),
    "itip": (4, True),
    "sscc": (2, False),
    "sgln": (2, False),
    "grai": (2, True),
    "gdti": (2, True),
    "sgcn": (2, True),
    "cpi": (2, True),
    "giai": (1, False),
    "ginc": (1, False),
    "gsrn": (2, False),
    "gsrnp": (2, False),
    "gsin": (2, False),
    "pgln": (2, False),
}
# Schemes whose URN has no free last field: all their fields are fixed.
_NO_FREE_FIELD = frozenset({"sscc", "gsrn", "gsrnp", "gsin", "pgln"})


def _split_urn(kind: str, scheme: str, body: str) -> tuple[list[str], str | None] | None:
    """The fixed fields and the free last field (None for a pattern) of an EPC URN body."""
    if kind == "class":
        scheme = "sgtin" if scheme == "lgtin" else ""
    fields, has_pattern = _URN_FIELDS.get(scheme, (0, False))
    if not fields:
        return None
    if kind == "idpat":
        if not has_pattern or not body.endswith(".*"):
            return None
        parts = body[:-2].split(".")
        return (parts, None) if len(parts) == fields else None
    if scheme in _NO_FREE_FIELD:
        parts = body.split(".")
        return (parts, "") if len(parts) == fields else None
    parts = body.split(".", fields)
    if len(parts) != fields + 1 or not parts[-1] or parts[-1] == "*":
        return None
    return parts[:-1], _unescape_urn(parts[-1])


def _urn_pairs(kind: str, scheme: str, body: str) -> Pairs | None:
    """The AI pairs of an EPC URN (TDS §6–§7), or None when it is no URN we can convert."""
    split = _split_urn(kind, scheme, body)
    if split is None:
        return None
    parts, free = split
    prefix = parts[0]
    if scheme in ("sgtin", "lgtin", "upui"):
        gtin = _gtin(prefix, parts[1])
        if gtin is None:
            return None
        if free is None:
            return (("01", gtin),)
        return (("01", gtin), ({"sgtin": "21", "lgtin": "10", "upui": "235"}[scheme], free))
    if scheme == "itip":
        gtin = _gtin(prefix, parts[1])
        if gtin is None or not (_digits(parts[2], 2) and _digits(parts[3], 2)):
            return None
        itip = gtin + parts[2] + parts[3]
        return (("8006", itip),) if free is None else (("8006", itip), ("21", free))
    if scheme == "sscc":
        serial_ref = parts[1]
        if not serial_ref or _company(prefix, serial_ref, 17) is None:
            return None
        return (("00", _with_check(serial_ref[0] + prefix + serial_ref[1:])),)
    if scheme in ("gsrn", "gsrnp", "gsin", "pgln"):
        total = {"gsrn": 17, "gsrnp": 17, "gsin": 16, "pgln": 12}[scheme]
        number = _company(prefix, parts[1], total)
        if number is None:
            return None
        ai = {"gsrn": "8018", "gsrnp": "8017", "gsin": "402", "pgln": "417"}[scheme]
        return ((ai, _with_check(number)),)
    if scheme == "sgln":
        number = _company(prefix, parts[1], 12)
        if number is None:
            return None
        number = _with_check(number)
        return (("414", number),) if free == "0" else (("414", number), ("254", free or ""))
    if scheme in ("grai", "gdti", "sgcn"):
        number = _company(prefix, parts[1], 12)
        if number is None or (scheme == "sgcn" and free and not _digits(free)):
            return None
        # GRAI (AI 8003) starts with a filler zero (GenSpecs §3.9.3).
        base = _with_check("0" + number) if scheme == "grai" else _with_check(number)
        return (({"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme], base + (free or "")),)
    if scheme == "cpi":
        if len(prefix) not in _PREFIX_LENGTHS or not _digits(prefix) or not parts[1]:
            return None
        part = prefix + _unescape_urn(parts[1])
        if free is None:
            return (("8010", part),)
        return (("8010", part), ("8011", free)) if _digits(free) else None
    if scheme in ("giai", "ginc"):
        if len(prefix) not in _PREFIX_LENGTHS or not _digits(prefix):
            return None
        return (({"giai": "8004", "ginc": "401"}[scheme], prefix + (free or "")),)
    return None


def _valid(pairs: Pairs) -> bool:
    """Whether every value of a converted URN is valid for its AI (character set, length, check
    digit: the AI rules of the GS1 Syntax Dictionary, as the Digital Link parser applies)."""
    try:
        for ai, value in pairs:
            validate_value(ai, value)
    except AIValueError:
        return False
    return True


def _link_pairs(uri: str) -> Pairs | None:
    """The path AI pairs of a Digital Link on any host (GTIN-8/12/13 widened), or None."""
    try:
        link = parse_digital_link(
            uri,
            permit_zero_suppressed_gtin=True,
            permit_convenience_alphas=True,
            validate_associations=False,
        )
    except DigitalLinkError:
        return None
    return (link.primary_key, *link.qualifiers)


@functools.lru_cache(maxsize=65536)
def _pairs(uri: str) -> Pairs | None:
    if uri.startswith("urn:epc:"):
        found = _URN_RE.match(uri)
        pairs = _urn_pairs(*found.groups()) if found else None
        return pairs if pairs and _valid(pairs) else None
    if uri[:4].lower() == "http":
        return _link_pairs(uri)
    return None


def _reduced(pairs: Pairs) -> Pairs:
    """The pairs that name the identifier: no CPV, and no lot when there is a serial."""
    ais = {ai for ai, _ in pairs}
    return tuple(
        (ai, value)
        for ai, value in pairs
        if ai != _DROPPED_QUALIFIER and not (ai == "10" and "21" in ais)
    )


def escape(value: str) -> str:
    """A value percent-encoded for a Digital Link path, one way (upper-case hex)."""
    if _SAFE.issuperset(value):
        return value
    return "".join(_ESCAPED[b] for b in value.encode("utf-8"))


def link(pairs: Pairs) -> str:
    """The id.gs1.org Digital Link of AI pairs in path order (values percent-encoded)."""
    return GS1_HOST + "".join(f"/{ai}/{escape(value)}" for ai, value in pairs)


@functools.lru_cache(maxsize=65536)
def canonical(uri: str) -> str:
    """The canonical Digital Link form of an EPC URN, EPC class URN or Digital Link URI."""
    if not isinstance(uri, str):
        return uri
    pairs = _pairs(uri)
    if pairs is None:
        return uri
    return link(_reduced(pairs))


def key_of(uri: str) -> Key | None:
    """The GTIN, lot and serial an identifier names (any form), or None when it names no GTIN."""
    if not isinstance(uri, str):
        return None
    pairs = _pairs(uri)
    if not pairs or pairs[0][0] != "01":
        return None
    values = dict(pairs)
    return Key(gtin=values["01"], lot=values.get("10"), serial=values.get("21"))


def is_gs1(uri: str) -> bool:
    """Whether an identifier is a GS1 key we understand (an EPC URN or a Digital Link)."""
    return isinstance(uri, str) and _pairs(uri) is not None


def sgtin(gtin: str, serial: str) -> str:
    """A stamped item's identifier (the canonical form)."""
    return f"{GS1_HOST}/01/{gtin}/21/{escape(serial)}"


def lgtin(gtin: str, lot: str) -> str:
    """A batch's class identifier (the canonical form)."""
    return f"{GS1_HOST}/01/{gtin}/10/{escape(lot)}"


def gln(number: str) -> str:
    """A location's GLN (AI 414) as a Digital Link."""
    return f"{GS1_HOST}/414/{number}"


# Our sites have no GLN of their own: they are named by a URI in our own namespace, which does not
# change with the service's host name (event hashes include it).
SITE_PREFIX = "urn:dongnai-trace:site:"


def site(site_id: int) -> str:
    return f"{SITE_PREFIX}{site_id}"


def site_id_of(uri: str | None) -> int | None:
    if uri and uri.startswith(SITE_PREFIX) and uri[len(SITE_PREFIX) :].isdigit():
        return int(uri[len(SITE_PREFIX) :])
    return None
