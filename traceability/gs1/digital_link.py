"""GS1 Digital Link URIs: parse, validate, build and generate (GS1 Digital Link URI Syntax 1.4)."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from traceability.gs1.ai import (
    AIDefinition,
    AIValueError,
    check_associations,
    definitions,
    element_string,
    lookup,
    parse_bracketed,
    validate_value,
)

CANONICAL_STEM = "https://id.gs1.org"

# RFC 3986 §2: unreserved and reserved characters plus '%'; anything else makes a URI invalid.
_URI_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
# Characters allowed in URIs that a DL domain (host and port) may not contain; '%' rules out
# IPv6 zone identifiers such as [fe80::1%25lo].
_BAD_DOMAIN_CHARS = frozenset("_~?#@!$&'()*+,;=%")
# Only these spellings: a mixed-case scheme such as "HtTp" is refused, as by the GS1 Syntax Engine.
_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPED_BYTE = tuple(chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}" for b in range(256))
_PERCENT_ESCAPES_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_ZERO_SUPPRESSED_GTIN_LENGTHS = (8, 12, 13)
# Path names that early GS1 Digital Link versions allowed in place of numeric AIs, such as
# /gtin/…/ser/…; deprecated, so only read when asked for (permit_convenience_alphas).
CONVENIENCE_ALPHAS: Mapping[str, str] = MappingProxyType(
    {
        "cpid": "8010",
        "cpsn": "8011",
        "cpv": "22",
        "gcn": "255",
        "gdti": "253",
        "giai": "8004",
        "ginc": "401",
        "gln": "414",
        "glnx": "254",
        "gmn": "8013",
        "grai": "8003",
        "gsin": "402",
        "gsrn": "8018",
        "gsrnp": "8017",
        "gtin": "01",
        "itip": "8006",
        "lot": "10",
        "party": "417",
        "refno": "8020",
        "ser": "21",
        "srin": "8019",
        "sscc": "00",
    }
)
_NO_ALPHAS: Mapping[str, str] = MappingProxyType({})


class DigitalLinkError(ValueError):
    """A URI or AI data that is not a valid GS1 Digital Link; ``code`` names the broken rule."""

    def __init__(self, code: str, message: str, *, ai: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.ai = ai


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link: key and qualifiers from the path, attributes from the query."""

    primary_key: tuple[str, str]
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    other_query: tuple[tuple[str, str], ...] = ()
    stem: str = ""

    @property
    def ais(self) -> tuple[tuple[str, str], ...]:
        """All (AI, value) pairs: primary key, qualifiers, then attributes in query order."""
        return (self.primary_key, *self.qualifiers, *self.attributes)

    def get(self, ai: str) -> str | None:
        """Return the value of ``ai`` in this link, or None."""
        for candidate, value in self.ais:
            if candidate == ai:
                return value
        return None

    def element_string(self) -> str:
        """Return the GS1 element string with '^' for FNC1, e.g. ``^0109520123456788``."""
        return element_string(self.ais)

    def to_uri(self, stem: str | None = None) -> str:
        """Return the link rebuilt on ``stem`` (default: its own), without non-AI parameters."""
        return build_digital_link(
            self.stem if stem is None else stem,
            self.primary_key,
            self.qualifiers,
            self.attributes,
        )


def uri_escape(s: str, *, query: bool) -> str:
    """Percent-encode ``s`` for a path segment, or for a query value (space becomes '+')."""
    if _UNRESERVED.issuperset(s):
        return s
    escaped = "".join(_ESCAPED_BYTE[b] for b in s.encode("utf-8"))
    return escaped.replace("%20", "+") if query else escaped


def _decode_escapes(match: re.Match[str]) -> str:
    octets = bytes.fromhex(match.group().replace("%", ""))
    try:
        return octets.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: one character per byte, as the GS1 Syntax Engine does. GS1 values are
        # ASCII, so either way the character set check refuses anything above %7F.
        return octets.decode("latin-1")


def uri_unescape(s: str, *, query: bool) -> str:
    """Decode %XX escapes (and '+' as space in a query); malformed escapes stay as they are."""
    if query and "+" in s:
        s = s.replace("+", " ")
    if "%" not in s:
        return s
    decoded = _PERCENT_ESCAPES_RE.sub(_decode_escapes, s)
    if "\x00" in decoded:
        raise DigitalLinkError("null_character", f"{s!r} decodes to a forbidden null character")
    return decoded


@functools.cache
def _key_paths() -> Mapping[str, frozenset[tuple[str, ...]]]:
    # Each "dlpkey=22,10,21|235" alternative allows any of its qualifiers, kept in that order.
    paths: dict[str, frozenset[tuple[str, ...]]] = {}
    for definition in definitions().values():
        if not definition.dl_primary_key:
            continue
        allowed: set[tuple[str, ...]] = {()}
        for sequence in definition.qualifier_sequences:
            for mask in range(1, 1 << len(sequence)):
                allowed.add(tuple(q for i, q in enumerate(sequence) if mask >> i & 1))
        paths[definition.ai] = frozenset(allowed)
    return paths


@functools.cache
def _generation_order(key: str) -> tuple[tuple[str, ...], ...]:
    # The GS1 Syntax Engine tries qualifier paths in the sort order of "key q1 q2" strings and
    # keeps the first with the most qualifiers; the same order gives the same URI.
    return tuple(sorted(_key_paths()[key], key=lambda path: " ".join((key, *path))))


def _sequences_text(definition: AIDefinition) -> str:
    return " or ".join(", ".join(seq) for seq in definition.qualifier_sequences)


def _path_error(key: str, qualifiers: tuple[str, ...]) -> DigitalLinkError:
    definition = definitions()[key]
    allowed = {q for seq in definition.qualifier_sequences for q in seq}
    for index, ai in enumerate(qualifiers):
        if ai in qualifiers[:index]:
            return DigitalLinkError("duplicate_ai", f"AI ({ai}) appears more than once", ai=ai)
    for ai in qualifiers:
        if ai not in allowed:
            if not allowed:
                text = f"AI ({key}) takes no qualifiers in the path, but ({ai}) follows it"
            else:
                text = (
                    f"AI ({ai}) is not a key qualifier of ({key}): the path may only add"
                    f" {_sequences_text(definition)}, in that order"
                )
            return DigitalLinkError("not_a_qualifier", text, ai=ai)
    for sequence in definition.qualifier_sequences:
        if set(qualifiers) <= set(sequence):
            for earlier, later in itertools.pairwise(qualifiers):
                if sequence.index(later) < sequence.index(earlier):
                    return DigitalLinkError(
                        "qualifier_order",
                        f"qualifier ({later}) comes after ({earlier}): the order must be"
                        f" {', '.join(sequence)}",
                        ai=later,
                    )
    return DigitalLinkError(
        "mixed_qualifiers",
        f"qualifiers {', '.join(f'({q})' for q in qualifiers)} cannot be combined after"
        f" ({key}): use {_sequences_text(definition)}",
    )


def _checked_value(ai: str, value: str) -> None:
    try:
        validate_value(ai, value)
    except AIValueError as exc:
        message = str(exc)
        if ai == "01" and len(value) in _ZERO_SUPPRESSED_GTIN_LENGTHS and value.isdigit():
            # GS1 DL URI Syntax 1.4.0: the GTIN is always written with 14 digits.
            message += "; a Digital Link URI needs the 14-digit GTIN: add leading zeros"
        raise DigitalLinkError(exc.code, message, ai=ai) from None


def _check_structure(
    path_pairs: Sequence[tuple[str, str]],
    attributes: Sequence[tuple[str, str]],
    *,
    validate_associations: bool,
) -> None:
    key = path_pairs[0][0]
    paths = _key_paths()[key]
    path_ais = tuple(ai for ai, _ in path_pairs)
    qualifiers = path_ais[1:]
    if qualifiers not in paths:
        raise _path_error(key, qualifiers)
    seen = set(path_ais)
    for ai, _ in attributes:
        if ai in seen:
            raise DigitalLinkError("duplicate_ai", f"AI ({ai}) appears more than once", ai=ai)
        seen.add(ai)
        # A key qualifier that fits the path must be written there, not in the query.
        for index in range(len(qualifiers) + 1):
            if (*qualifiers[:index], ai, *qualifiers[index:]) in paths:
                raise DigitalLinkError(
                    "qualifier_in_query",
                    f"AI ({ai}) is a key qualifier of ({key}): put it in the path as /{ai}/…,"
                    f" not in the query",
                    ai=ai,
                )
        definition = lookup(ai)
        if definition is None or not definition.dl_attribute:
            if any(ai in sequence for sequence in definitions()[key].qualifier_sequences):
                raise DigitalLinkError(
                    "qualifier_conflict",
                    f"AI ({ai}) is a key qualifier of ({key}) but cannot join"
                    f" {', '.join(f'({q})' for q in path_ais)} in the path, and it is not"
                    " allowed in the query",
                    ai=ai,
                )
            raise DigitalLinkError(
                "not_dl_attribute",
                f"AI ({ai}) is not allowed as a Digital Link query attribute",
                ai=ai,
            )
    if validate_associations:
        try:
            check_associations((*path_pairs, *attributes))
        except AIValueError as exc:
            raise DigitalLinkError(exc.code, str(exc), ai=exc.ai) from None


def _find_key(
    segments: list[str], table: Mapping[str, AIDefinition], alphas: Mapping[str, str]
) -> int:
    # Walk "/AI/value" pairs back from the end; the rightmost primary key starts the DL path
    # and anything before it is the stem, even if it looks like AIs ("/00/faux/00/…").
    index = len(segments) - 1
    while index >= 1:
        name = segments[index - 1]
        definition = table.get(alphas.get(name, name))
        if definition is None:
            return -1
        if definition.dl_primary_key:
            return index - 1
        index -= 2
    return -1


def _expand_gtin(ai: str, value: str, permit_zero_suppressed_gtin: bool) -> str:
    if permit_zero_suppressed_gtin and ai == "01" and len(value) in _ZERO_SUPPRESSED_GTIN_LENGTHS:
        return value.zfill(14)
    return value


def _unescape_value(ai: str, raw: str, *, query: bool) -> str:
    try:
        return uri_unescape(raw, query=query)
    except DigitalLinkError:
        where = "query" if query else "path"
        raise DigitalLinkError(
            "null_character",
            f"AI ({ai}) value in the {where} decodes to a forbidden null character (%00)",
            ai=ai,
        ) from None


def _lenient_unescape(raw: str) -> str:
    try:
        return uri_unescape(raw, query=True)
    except DigitalLinkError:
        return raw


def _parse(
    path: str,
    query_string: str,
    stem_prefix: str,
    permit_zero_suppressed_gtin: bool,
    validate_associations: bool,
    permit_convenience_alphas: bool,
) -> DigitalLink:
    table = definitions()
    alphas = CONVENIENCE_ALPHAS if permit_convenience_alphas else _NO_ALPHAS
    if not path.startswith("/"):
        raise DigitalLinkError("no_path", "the Digital Link must have a path starting with '/'")
    segments = path[1:].split("/")
    key_index = _find_key(segments, table, alphas)
    if key_index < 0:
        if len(path) > 1 and path.endswith("/") and _find_key(segments[:-1], table, alphas) >= 0:
            raise DigitalLinkError(
                "trailing_slash", "the path must end after a value, not with '/'"
            )
        raise DigitalLinkError(
            "no_primary_key",
            "no GS1 primary key found at the end of the path (expected e.g. /01/<14-digit GTIN>)",
        )

    path_pairs: list[tuple[str, str]] = []
    for index in range(key_index, len(segments), 2):
        ai, raw = alphas.get(segments[index], segments[index]), segments[index + 1]
        if not raw:
            raise DigitalLinkError(
                "empty_value", f"AI ({ai}) has an empty value in the path", ai=ai
            )
        value = _expand_gtin(ai, _unescape_value(ai, raw, query=False), permit_zero_suppressed_gtin)
        _checked_value(ai, value)
        path_pairs.append((ai, value))

    attributes: list[tuple[str, str]] = []
    other_query: list[tuple[str, str]] = []
    if query_string:
        for parameter in query_string.split("&"):
            if not parameter:
                continue
            name, equals, raw = parameter.partition("=")
            if not (name.isascii() and name.isdigit()):
                # Non-AI parameters such as linkType, and "singletons" without '=', are kept
                # for the resolver but are not GS1 data.
                other_query.append((_lenient_unescape(name), _lenient_unescape(raw)))
                continue
            if not equals:
                other_query.append((name, ""))
                continue
            if name not in table:
                raise DigitalLinkError(
                    "unknown_ai",
                    f"query parameter {name!r} is numeric but not a known GS1 AI",
                    ai=name,
                )
            if not raw:
                raise DigitalLinkError(
                    "empty_value", f"AI ({name}) has an empty value in the query", ai=name
                )
            value = _expand_gtin(
                name, _unescape_value(name, raw, query=True), permit_zero_suppressed_gtin
            )
            _checked_value(name, value)
            attributes.append((name, value))

    _check_structure(path_pairs, attributes, validate_associations=validate_associations)
    stem = stem_prefix + ("/" + "/".join(segments[:key_index]) if key_index else "")
    return DigitalLink(
        primary_key=path_pairs[0],
        qualifiers=tuple(path_pairs[1:]),
        attributes=tuple(attributes),
        other_query=tuple(other_query),
        stem=stem,
    )


def _check_uri_characters(text: str, where: str) -> None:
    if not _URI_CHARS.issuperset(text):
        index, char = next((i, c) for i, c in enumerate(text) if c not in _URI_CHARS)
        raise DigitalLinkError(
            "illegal_character",
            f"the {where} contains {char!r} at position {index + 1}, which is not allowed in a"
            " URI: it must be percent-encoded",
        )


def parse_digital_link_path(
    path: str,
    query_string: str | bytes = "",
    *,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    validate_associations: bool = True,
    stem_prefix: str = "",
) -> DigitalLink:
    """Parse the still percent-encoded path and raw query string of a Digital Link request."""
    # Werkzeug's request.path is already percent-decoded, so "/10/A%2FB" would turn into an
    # extra segment; callers pass the raw path (e.g. environ["RAW_URI"] without its query).
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    _check_uri_characters(path, "path")
    _check_uri_characters(query_string, "query string")
    return _parse(
        path,
        query_string,
        stem_prefix,
        permit_zero_suppressed_gtin,
        validate_associations,
        permit_convenience_alphas,
    )


def _split_authority(uri: str) -> tuple[str, str]:
    for scheme in _SCHEMES:
        if uri.startswith(scheme):
            break
    else:
        raise DigitalLinkError(
            "bad_scheme", "a Digital Link URI must start with https:// or http://"
        )
    rest = uri[len(scheme) :]
    slash = rest.find("/")
    domain = rest if slash < 0 else rest[:slash]
    if not domain:
        raise DigitalLinkError("missing_domain", "the URI has no domain name after the scheme")
    if not _BAD_DOMAIN_CHARS.isdisjoint(domain):
        char = next(c for c in domain if c in _BAD_DOMAIN_CHARS)
        raise DigitalLinkError(
            "bad_domain", f"the domain name {domain!r} contains the character {char!r}"
        )
    return scheme + domain, "" if slash < 0 else rest[slash:]


def parse_digital_link(
    uri: str,
    *,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    validate_associations: bool = True,
) -> DigitalLink:
    """Parse and validate a GS1 Digital Link URI, raising ``DigitalLinkError`` when invalid."""
    _check_uri_characters(uri, "URI")
    authority, remainder = _split_authority(uri)
    if not remainder:
        raise DigitalLinkError(
            "no_path", "the URI has no path: expected e.g. https://example.com/01/<GTIN>"
        )
    remainder = remainder.partition("#")[0]
    path, _, query_string = remainder.partition("?")
    return _parse(
        path,
        query_string,
        authority,
        permit_zero_suppressed_gtin,
        validate_associations,
        permit_convenience_alphas,
    )


def _normalise_stem(stem: str) -> str:
    _check_uri_characters(stem, "stem")
    authority, path = _split_authority(stem)
    if "?" in path or "#" in path:
        raise DigitalLinkError("bad_stem", f"the stem {stem!r} must not have a query or fragment")
    return (authority + path).removesuffix("/")


def build_digital_link(
    stem: str,
    primary: tuple[str, str],
    qualifiers: Iterable[tuple[str, str]] = (),
    attributes: Iterable[tuple[str, str]] = (),
    *,
    validate_associations: bool = True,
) -> str:
    """Return the Digital Link URI for a primary key, qualifiers in path order and attributes."""
    base = _normalise_stem(stem)
    key = primary[0]
    definition = lookup(key)
    if definition is None or not definition.dl_primary_key:
        raise DigitalLinkError(
            "not_primary_key", f"AI ({key}) is not a GS1 Digital Link primary key", ai=key
        )
    path_pairs = [tuple(primary), *(tuple(pair) for pair in qualifiers)]
    attribute_pairs = [tuple(pair) for pair in attributes]
    for ai, value in (*path_pairs, *attribute_pairs):
        if lookup(ai) is None:
            raise DigitalLinkError("unknown_ai", f"({ai}) is not a known GS1 AI", ai=ai)
        _checked_value(ai, value)
    _check_structure(path_pairs, attribute_pairs, validate_associations=validate_associations)
    uri = base + "".join(f"/{ai}/{uri_escape(value, query=False)}" for ai, value in path_pairs)
    if attribute_pairs:
        uri += "?" + "&".join(
            f"{ai}={uri_escape(value, query=True)}" for ai, value in attribute_pairs
        )
    return uri


def generate_digital_link(
    ai_data: str | Iterable[tuple[str, str]],
    stem: str = CANONICAL_STEM,
    *,
    validate_associations: bool = True,
) -> str:
    """Return the Digital Link URI for AI data such as ``(01)09520123456788(10)AB12``."""
    try:
        pairs = parse_bracketed(ai_data) if isinstance(ai_data, str) else list(ai_data)
    except AIValueError as exc:
        raise DigitalLinkError(exc.code, str(exc)) from None
    values: dict[str, str] = {}
    known: dict[str, AIDefinition] = {}
    for ai, value in pairs:
        if ai in values:
            # Repeating an AI with the same value is harmless (data from several carriers).
            if values[ai] != value:
                raise DigitalLinkError(
                    "duplicate_ai", f"AI ({ai}) is given twice with different values", ai=ai
                )
            continue
        definition = lookup(ai)
        if definition is None:
            raise DigitalLinkError("unknown_ai", f"({ai}) is not a known GS1 AI", ai=ai)
        values[ai] = value
        known[ai] = definition

    key = next((ai for ai, definition in known.items() if definition.dl_primary_key), None)
    if key is None:
        raise DigitalLinkError(
            "no_primary_key",
            "the AI data has no Digital Link primary key such as (01) GTIN or (00) SSCC",
        )
    best: tuple[str, ...] = ()
    for path in _generation_order(key):
        if len(path) > len(best) and all(q in values for q in path):
            best = path
    in_path = {key, *best}
    rest = [(ai, value) for ai, value in values.items() if ai not in in_path]
    # The engine lists fixed-length attributes first, each group in the order given.
    attributes = [pair for pair in rest if known[pair[0]].fixed_length]
    attributes += [pair for pair in rest if not known[pair[0]].fixed_length]
    return build_digital_link(
        stem,
        (key, values[key]),
        [(q, values[q]) for q in best],
        attributes,
        validate_associations=validate_associations,
    )
