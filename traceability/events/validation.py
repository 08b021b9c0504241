"""Validating captured EPCIS 2.0 documents and events: the 2.0.1 JSON Schema, then the rules a
schema cannot say.

1. The ratified EPCIS 2.0.1 JSON Schema (vendored in `schema/`, see `schema/SOURCE.txt`) with
   jsonschema's Draft 7 validator and its format checker: `date-time` (rfc3339-validator) and
   `uri` (rfc3986-validator) are really checked, or an invalid date would pass silently. The
   validator is compiled once per process. A document is checked in two parts, its frame (with
   an empty event list) and each event on its own, so that every error belongs to the document
   or to one event (the capture job's `proceed` stores the good events and lists the bad ones).
2. Rules on events the schema accepted: bare CBV words must be CBV 2.0 words (a URI is an
   extension); EPC URNs and GS1 Digital Links must parse (`identifiers.is_gs1`); times must be
   readable with a real time zone offset (±14:00 at most; offsets are whole, half or
   three-quarter hours); and, for a producer's token, the producer's right (`Rights`): every GTIN
   the event names (any list, parentID, quantity classes) is one of its products' and the
   readPoint / bizLocation are its own sites or GLNs.

Every error is a problem dict (`type`, `title`, `status`, `detail`, `instance`: the JSON pointer
of what failed, e.g. `/epcisBody/eventList/2/bizStep`) whose detail says what to do. Pure
functions: no Flask app or database (the caller builds `Rights`).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema_rs
from flask_babel import lazy_gettext as _l
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from traceability.events import identifiers, vocabulary
from traceability.events.store import parse_time

SCHEMA_FILE = Path(__file__).parent / "schema" / "epcis-json-schema-2.0.1.json"

VALIDATION = "epcisException:ValidationException"
SECURITY = "epcisException:SecurityException"

DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
STANDARD_EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
# Where each document type keeps its events.
EVENT_LISTS = {
    "EPCISDocument": ("epcisBody", "eventList"),
    "EPCISQueryDocument": ("epcisBody", "queryResults", "resultsBody", "eventList"),
}

# EPC URN schemes of GS1 keys (TDS): such a URN must convert to a Digital Link.
_GS1_URN = re.compile(
    r"urn:epc:(id|class|idpat):(sgtin|lgtin|sscc|sgln|grai|giai|gsrn|gsrnp|gdti|cpi|sgcn|ginc|"
    r"gsin|itip|upui|pgln):"
)
# A Digital Link on any host: a GS1 primary key AI as a path segment followed by a value.
_DIGITAL_LINK = re.compile(
    r"https?://[^/?#]+(/[^?#]*)?/(01|00|253|255|401|402|414|417|8003|8004|8006|8010|8013|8017|"
    r"8018)/[^/?#]+",
    re.IGNORECASE,
)
_REQUIRED = re.compile(r"'(.+)' is a required property\Z")
_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)\Z")


@dataclass(frozen=True)
class Rights:
    """What a producer's token may name: its products' GTINs, its sites, its GLNs."""

    gtins: frozenset[str] = frozenset()
    site_ids: frozenset[int] = frozenset()
    glns: frozenset[str] = frozenset()
    company_prefixes: tuple[str, ...] = ()

    def owns_place(self, uri: str) -> bool:
        site_id = identifiers.site_id_of(uri)
        if site_id is not None:
            return site_id in self.site_ids
        gln = gln_of(uri)
        return gln is not None and (
            gln in self.glns or any(gln.startswith(p) for p in self.company_prefixes if p)
        )


@dataclass
class Checked:
    """A document checked: its events (with their JSON paths), the document's own errors (the
    whole document is refused) and each event's errors by index."""

    events: list[tuple[str, dict]] = field(default_factory=list)
    document_errors: list[dict] = field(default_factory=list)
    event_errors: dict[int, list[dict]] = field(default_factory=dict)

    @property
    def errors(self) -> list[dict]:
        return self.document_errors + [
            e for i in sorted(self.event_errors) for e in self.event_errors[i]
        ]


@functools.cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


# Speed (a capture may hold 10,000 events): a keyword's verdict on a value depends only on the
# (sub)schema it sits in and the value, so a keyword found to hold for a scalar or a small flat
# object (a readPoint, a quantity element, a bizStep word, a format) is not checked again: most
# values of a document repeat. Only successes are kept (errors carry paths and are made anew);
# the schema's dicts live as long as the process, so their ids are stable keys.
_SCALARS = (str, int, float, bool, type(None))
_HELD: set = set()
_HELD_MAX = 200_000


def _fingerprint(instance):
    if isinstance(instance, _SCALARS):
        return (type(instance), instance)
    if (
        isinstance(instance, dict)
        and len(instance) <= 6
        and all(isinstance(v, _SCALARS) for v in instance.values())
    ):
        return tuple(sorted((k, type(v), v) for k, v in instance.items()))
    return None


def _remembered(keyword: str, check):
    def remembered(validator, value, instance, schema):
        found = _fingerprint(instance)
        if found is None:
            yield from check(validator, value, instance, schema)
            return
        key = (keyword, id(schema), found)
        if key in _HELD:
            return
        errors = list(check(validator, value, instance, schema))
        if errors:
            yield from errors
            return
        if len(_HELD) >= _HELD_MAX:
            _HELD.clear()
        _HELD.add(key)

    return remembered


_FastValidator = validators.extend(
    Draft7Validator,
    {keyword: _remembered(keyword, check) for keyword, check in Draft7Validator.VALIDATORS.items()},
)


@functools.cache
def _validator() -> Draft7Validator:
    """Draft 7 with the format checker (date-time, uri), built once per process."""
    return _FastValidator(schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


@functools.cache
def _event_validator(event_type: str | None = None) -> Draft7Validator:
    """The schema's rule for one event inside a document's event list (references resolve
    against the whole schema).

    `EPCIS-Document-Event` picks the definition of the event's type with six if/then branches
    (an extension event type gets `Extended-Event`); for the five standard types it is the same
    to validate against that type's definition directly, which saves the branches' work.
    """
    definitions = schema()["definitions"]
    if event_type in STANDARD_EVENT_TYPES:
        return _validator().evolve(schema=definitions[event_type])
    return _validator().evolve(schema=definitions["EPCIS-Document-Event"])


# Speed, again: the Rust implementation of the same Draft 7 schema with the same formats answers
# "valid or not" about 100 times faster than jsonschema; only what it refuses goes through
# jsonschema, whose errors (paths, messages) we show. tests/traceability/events/
# test_validation_engines.py checks that both agree on every conformance document, event and
# broken variant; where they ever disagree, jsonschema's verdict is the one that counts.
@functools.cache
def _rust(definition: str | None = None) -> jsonschema_rs.Draft7Validator:
    """The whole schema (a document), or one of its definitions (references resolve against
    the whole schema)."""
    root = schema()
    if definition is not None:
        root = {k: v for k, v in root.items() if k in ("$schema", "$id", "definitions")}
        root["$ref"] = f"#/definitions/{definition}"
    return jsonschema_rs.Draft7Validator(root, validate_formats=True)


def _rust_for(validator: Draft7Validator) -> jsonschema_rs.Draft7Validator:
    if validator is _validator():
        return _rust()
    definitions = schema()["definitions"]
    for name in (*STANDARD_EVENT_TYPES, "EPCIS-Document-Event"):
        if validator.schema is definitions[name]:
            return _rust(name)
    raise LookupError("no Rust validator for this schema")


def pointer(*parts) -> str:
    """A JSON pointer (RFC 6901) of path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def error(detail, instance: str, *, title=None, type: str = VALIDATION, status: int = 400) -> dict:
    return {
        "type": type,
        "title": str(title or _l("The EPCIS event is not valid.")),
        "status": status,
        "detail": str(detail),
        "instance": instance,
    }


def _short(value, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _detail(exc: ValidationError) -> str:
    """jsonschema's message, made short, with what to do."""
    kind, value = exc.validator, exc.instance
    if _names_a_property(exc):
        return str(
            _l(
                "'%(name)s' is not a field of this object: remove it, or name your own fields "
                "with a namespace prefix declared in @context (ex:field).",
                name=_short(value),
            )
        )
    if kind in ("anyOf", "oneOf") and isinstance(value, str):
        return str(
            _l(
                "'%(value)s' is not allowed here: use a CBV 2.0 word or a URI of your own "
                "(a bare word must be one of the standard's).",
                value=_short(value),
            )
        )
    if kind in ("anyOf", "oneOf") and exc.context:
        return _detail(best_match(exc.context))
    if kind == "format" and exc.validator_value == "date-time":
        return str(
            _l(
                "'%(value)s' is not a date and time: write it as RFC 3339, e.g. "
                "2026-07-22T06:45:00.000+07:00.",
                value=_short(value),
            )
        )
    if kind == "format" and exc.validator_value == "uri":
        return str(
            _l(
                "'%(value)s' is not a URI: write a full URI (with its scheme), or a name with "
                "a namespace prefix declared in @context.",
                value=_short(value),
            )
        )
    if kind == "type":
        return str(
            _l(
                "%(value)s is not of type %(type)s.",
                value=_short(value),
                type=" or ".join(exc.validator_value)
                if isinstance(exc.validator_value, list)
                else exc.validator_value,
            )
        )
    if kind == "required":
        return str(_l("%(message)s: add it.", message=exc.message))
    if kind in ("additionalProperties", "propertyNames"):
        return str(
            _l(
                "%(message)s: remove it, or name your own fields with a namespace prefix "
                "declared in @context (ex:field).",
                message=_short(exc.message, 200),
            )
        )
    return _short(exc.message, 300)


def _schema_errors(validator: Draft7Validator, instance, base: tuple, title) -> list[dict]:
    if _rust_for(validator).is_valid(instance):
        return []
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [error(_detail(e), pointer(*base, *_where(e)), title=title) for e in found]


def _names_a_property(exc: ValidationError) -> bool:
    """Whether the error is about a property's name (propertyNames), not its value."""
    return "propertyNames" in exc.relative_schema_path and isinstance(exc.instance, str)


def _where(exc: ValidationError) -> list:
    """The path of what failed: a missing property's own path, not its parent's."""
    path = list(exc.absolute_path)
    if _names_a_property(exc):
        return [*path, exc.instance]
    missing = _REQUIRED.match(exc.message) if exc.validator == "required" else None
    return [*path, missing.group(1)] if missing else path


def _event_list(doc: dict) -> tuple[tuple, list] | None:
    """(path, events) of a document whose event list is where its type keeps it."""
    node = doc
    path = EVENT_LISTS[doc["type"]]
    for name in path:
        if not isinstance(node, dict) or name not in node:
            return None
        node = node[name]
    return (path, node) if isinstance(node, list) else None


def _frame(doc: dict, path: tuple) -> dict:
    """A copy of a document with an empty event list (the frame the schema checks alone)."""
    top = dict(doc)
    node = top
    for name in path[:-1]:
        node[name] = dict(node[name])
        node = node[name]
    node[path[-1]] = []
    return top


def check_document(doc, rights: Rights | None = None) -> Checked:
    """Check an EPCISDocument or EPCISQueryDocument (parsed JSON) and each of its events."""
    checked = Checked()
    title = _l("The EPCIS document is not valid.")
    if not isinstance(doc, dict) or doc.get("type") not in DOCUMENT_TYPES:
        checked.document_errors.append(
            error(
                _l(
                    "Send an EPCISDocument (or an EPCISQueryDocument): a JSON object with "
                    '"type": "EPCISDocument". A single event goes to /events.'
                ),
                pointer("type") if isinstance(doc, dict) else "",
                title=title,
            )
        )
        return checked
    found = _event_list(doc)
    if found is None:
        checked.document_errors = _schema_errors(_validator(), doc, (), title)
        if not checked.document_errors:  # the schema allows it; capture needs the list
            checked.document_errors.append(
                error(_l("The document has no event list."), pointer(*EVENT_LISTS[doc["type"]]))
            )
        return checked
    path, events = found
    checked.document_errors = _schema_errors(_validator(), _frame(doc, path), (), title)
    for index, event in enumerate(events):
        where = pointer(*path, index)
        checked.events.append((where, event))
        problems = validate_event(event, where, rights, in_document=True)
        if problems:
            checked.event_errors[index] = problems
    return checked


def validate_document(doc, rights: Rights | None = None) -> list[dict]:
    """Every error of a document: its own and its events' (empty: valid)."""
    return check_document(doc, rights).errors


def validate_event(
    event, path: str = "", rights: Rights | None = None, *, in_document: bool = False
) -> list[dict]:
    """The errors of one event: the schema's, then (if it has none) the rules it cannot say.

    `in_document`: the event is in a document's event list (a bare event must carry its own
    `@context`). `path`: the event's JSON pointer, prefixed to every error's `instance`.
    """
    event_type = event.get("type") if isinstance(event, dict) else None
    if in_document:
        validator = _event_validator(event_type if isinstance(event_type, str) else None)
    else:
        validator = _validator()
    if not in_document and (not isinstance(event, dict) or event.get("type") in DOCUMENT_TYPES):
        return [error(_l("Send one EPCIS event (a JSON object), not a document."), path)]
    problems = _schema_errors(validator, event, (), None)
    if problems:
        for problem in problems:
            problem["instance"] = path + problem["instance"]
        return problems
    problems = [*_vocabulary(event), *_identifiers(event), *_times(event)]
    if rights is not None and not problems:
        problems = list(_rights(event, rights))
    for problem in problems:
        problem["instance"] = path + problem["instance"]
    return problems


def _vocabulary(event: dict):
    """Bare words must be CBV 2.0 words of their kind (the schema lists most, not all)."""
    values = [("BizStep", event.get("bizStep"), pointer("bizStep"))]
    values.append(("Disp", event.get("disposition"), pointer("disposition")))
    for part in ("set", "unset"):
        for i, word in enumerate((event.get("persistentDisposition") or {}).get(part) or ()):
            values.append(("Disp", word, pointer("persistentDisposition", part, i)))
    for i, item in enumerate(event.get("bizTransactionList") or ()):
        values.append(("BTT", item.get("type"), pointer("bizTransactionList", i, "type")))
    for name in ("sourceList", "destinationList"):
        for i, item in enumerate(event.get(name) or ()):
            values.append(("SDT", item.get("type"), pointer(name, i, "type")))
    reason = (event.get("errorDeclaration") or {}).get("reason")
    values.append(("ER", reason, pointer("errorDeclaration", "reason")))
    for kind, value, where in values:
        if isinstance(value, str) and ":" not in value and not vocabulary.is_standard(kind, value):
            yield error(
                _l(
                    "'%(value)s' is not a CBV 2.0 value here: use a standard word or a URI of "
                    "your own.",
                    value=_short(value),
                ),
                where,
            )


def _named(event: dict):
    """(JSON pointer, identifier) of every identifier an event names in its lists."""
    if isinstance(event.get("parentID"), str):
        yield pointer("parentID"), event["parentID"]
    for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        for i, value in enumerate(event.get(name) or ()):
            yield pointer(name, i), value
    for name in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        for i, element in enumerate(event.get(name) or ()):
            if isinstance(element, dict) and element.get("epcClass"):
                yield pointer(name, i, "epcClass"), element["epcClass"]


def _places(event: dict):
    for name in ("readPoint", "bizLocation"):
        place = event.get(name)
        if isinstance(place, dict) and isinstance(place.get("id"), str):
            yield pointer(name, "id"), place["id"]


def _identifiers(event: dict):
    """EPC URNs of GS1 keys and Digital Links must parse (check digit, lengths, escaping)."""
    for where, value in (*_named(event), *_places(event)):
        if not isinstance(value, str):
            continue
        if (_GS1_URN.match(value) or _DIGITAL_LINK.match(value)) and not identifiers.is_gs1(value):
            yield error(
                _l(
                    "'%(value)s' is not a valid EPC URN or GS1 Digital Link: check the company "
                    "prefix, the check digit, the lengths and the escaping.",
                    value=_short(value),
                ),
                where,
            )


def real_offset(text: str) -> bool:
    """Whether a ±hh:mm offset is one a clock uses (±14:00 at most, in quarter hours)."""
    found = _OFFSET.match(text)
    if not found:
        return False
    hours, minutes = int(found.group(2)), int(found.group(3))
    return minutes in (0, 30, 45) and hours * 60 + minutes <= 14 * 60


def _times(event: dict):
    offset = event.get("eventTimeZoneOffset")
    if isinstance(offset, str) and not real_offset(offset):
        yield error(
            _l(
                "'%(value)s' is not a real time zone offset: write it as ±hh:mm, e.g. +07:00.",
                value=_short(offset),
            ),
            pointer("eventTimeZoneOffset"),
        )
    times = [("eventTime", event.get("eventTime"), pointer("eventTime"))]
    times.append(("recordTime", event.get("recordTime"), pointer("recordTime")))
    declared = (event.get("errorDeclaration") or {}).get("declarationTime")
    times.append(("declarationTime", declared, pointer("errorDeclaration", "declarationTime")))
    for _name, value, where in times:
        if not isinstance(value, str):
            continue
        try:
            moment = parse_time(value.replace("t", "T"))
            written = dt_offset(value)
        except ValueError:
            moment = written = None
        if moment is None or (written is not None and not real_offset(written)):
            yield error(
                _l(
                    "'%(value)s' cannot be read as a time with a real offset: write it as "
                    "2026-07-22T06:45:00.000+07:00 or with Z.",
                    value=_short(value),
                ),
                where,
            )


def dt_offset(value: str) -> str | None:
    """The ±hh:mm a dateTime is written with (None for Z)."""
    if value[-1:] in ("Z", "z"):
        return None
    return value[-6:]


def gln_of(uri: str) -> str | None:
    """The GLN a location identifier names (SGLN URN or Digital Link, any host), if any."""
    found = re.match(r"https://id\.gs1\.org/414/(\d{13})(/|\Z)", identifiers.canonical(uri))
    return found.group(1) if found else None


def _rights(event: dict, rights: Rights):
    """A producer's token captures events about its own products, sites and GLNs only."""
    title = _l("This token may not capture this event.")
    for where, value in _named(event):
        key = identifiers.key_of(value) if isinstance(value, str) else None
        if key is not None and key.gtin not in rights.gtins:
            yield error(
                _l(
                    "GTIN %(gtin)s is not one of your products: a producer captures events "
                    "about its own products only (register the product first, or ask the "
                    "Department to import the event).",
                    gtin=key.gtin,
                ),
                where,
                title=title,
                type=SECURITY,
                status=403,
            )
    for where, value in _places(event):
        if not rights.owns_place(value):
            yield error(
                _l(
                    "'%(value)s' is not one of your sites or GLNs: name the place by your "
                    "site (urn:dongnai-trace:site:<id>) or by your GLN.",
                    value=_short(value),
                ),
                where,
                title=title,
                type=SECURITY,
                status=403,
            )


__all__ = [
    "Checked",
    "Rights",
    "check_document",
    "validate_document",
    "validate_event",
]
