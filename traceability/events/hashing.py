"""The EPCIS event hash (GS1 CBV 2.0, `ni:///sha-256;…?ver=CBV2.0`). Pure functions.

Two repositories that receive the same event, in JSON-LD or XML, with EPC URNs or Digital Links,
bare CBV words or URIs, any time zone, must compute the same ID for it: the hash is the SHA-256
of a "pre-hash" string that writes the event's content in one canonical way (CBV 2.0 §8.9 and
the reference implementation RalphTro/epcis-event-hash-generator, whose test vectors are in
`shared/conformance/epcis/hash/`):

- `eventType=…`, then the standard fields in a fixed order (`_ORDER`), each as `name=value`,
  lists as their name followed by their sorted elements; user extensions of a standard structure
  (readPoint, sensorMetadata, …) right after it;
- then everything else, sorted as strings: bizTransactionList, sourceList, destinationList (each
  element `type=…` then the value), ilmd and the event's user extensions, written
  `{namespace}name=value` with the namespace of the prefix in the document's `@context`;
- left out: eventID, recordTime, errorDeclaration, comments, the event's own `@context`;
- values: times in UTC with milliseconds, numbers without superfluous zeros, CBV values as full
  URIs (`vocabulary.expand`), GS1 identifiers in their canonical Digital Link form
  (`identifiers.canonical`).

The reference implementation has quirks the vectors show and which are kept, or our IDs would
differ from other systems' (the sorted position of bizTransactionList, sourceList and
destinationList; numbers read as binary floats); where it depends on chance (a bare word
anywhere in the document that happens to equal a CBV word, the machine's time zone for a time
without an offset) we do the well-defined thing instead.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta

from traceability.events import identifiers, vocabulary

# A node of the event tree: (name, value, children); mappings and lists become children, as in
# the XML form of an event, so the JSON-LD and XML forms give the same tree.
Node = tuple[str, str, list]


def _fields(names: str) -> tuple:
    return tuple((name, None) for name in names.split())


# Property order of the standard fields; a field with sub-fields gives their order.
_QUANTITY = (("epcClass", None), ("quantity", None), ("uom", None))
_ORDER: tuple = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", (("epc", None),)),
    ("inputEPCList", (("epc", None),)),
    ("childEPCs", (("epc", None),)),
    ("quantityList", (("quantityElement", _QUANTITY),)),
    ("childQuantityList", (("quantityElement", _QUANTITY),)),
    ("inputQuantityList", (("quantityElement", _QUANTITY),)),
    ("outputEPCList", (("epc", None),)),
    ("outputQuantityList", (("quantityElement", _QUANTITY),)),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (
                    (
                        "sensorMetadata",
                        _fields(
                            "time startTime endTime deviceID deviceMetadata rawData"
                            " dataProcessingMethod bizRules"
                        ),
                    ),
                    (
                        "sensorReport",
                        _fields(
                            "type exception deviceID deviceMetadata rawData"
                            " dataProcessingMethod time microorganism chemicalSubstance"
                            " value component stringValue booleanValue hexBinaryValue"
                            " uriValue minValue maxValue meanValue sDev percRank percValue"
                            " uom coordinateReferenceSystem"
                        ),
                    ),
                ),
            ),
        ),
    ),
)
# Fields that never enter the hash (CBV 2.0 §8.9.1), at the event's top level.
_EXCLUDED = frozenset({"eventID", "recordTime", "errorDeclaration", "type", "@context"})
# Comments are left out at every level.
_COMMENTS = frozenset({"comment", "rdfs:comment", "http://www.w3.org/2000/01/rdf-schema#comment"})
# JSON lists whose elements have their own name in the XML form.
_ELEMENT_NAMES = {
    "epcList": "epc",
    "inputEPCList": "epc",
    "outputEPCList": "epc",
    "childEPCs": "epc",
    "quantityList": "quantityElement",
    "childQuantityList": "quantityElement",
    "inputQuantityList": "quantityElement",
    "outputQuantityList": "quantityElement",
    "sensorElementList": "sensorElement",
}
# Lists of (type, value) pairs: the element keeps `type` first and is not sorted inside.
_PAIR_LISTS = {
    "bizTransactionList": ("bizTransaction", "BTT"),
    "sourceList": ("source", "SDT"),
    "destinationList": ("destination", "SDT"),
}
# Fields whose values are CBV (or GS1 Web Vocabulary) words: (parent field, field) → kind.
_VOCABULARY = {
    (None, "bizStep"): "BizStep",
    (None, "disposition"): "Disp",
    ("persistentDisposition", "set"): "Disp",
    ("persistentDisposition", "unset"): "Disp",
    ("sensorReport", "type"): "MeasurementType",
    ("sensorReport", "exception"): "SensorAlertType",
    ("sensorReport", "component"): "Comp",
}
_TIME_FIELDS = frozenset({"eventTime", "time", "startTime", "endTime"})
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_TIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\Z"
)
_NUMBER_START = frozenset("0123456789+-.")
_CBV_URN = "urn:epcglobal:cbv:"
_CBV_URN_KINDS = {"bizstep": "BizStep-", "disp": "Disp-", "btt": "BTT-", "sdt": "SDT-", "er": "ER-"}


# --- namespaces -------------------------------------------------------------------------------


def namespaces(*contexts: object) -> dict[str, str]:
    """The prefix → namespace map of one or more JSON-LD `@context` values (remote contexts,
    given as URL strings, declare nothing we need: the standard prefixes are known)."""
    found: dict[str, str] = {}
    for context in contexts:
        items = context if isinstance(context, list) else [context]
        for item in items:
            if not isinstance(item, dict):
                continue
            for prefix, definition in item.items():
                # A term is a prefix as a string, or as an expanded definition {"@id": …}.
                uri = definition.get("@id") if isinstance(definition, dict) else definition
                if isinstance(uri, str) and not prefix.startswith("@"):
                    found[prefix] = uri
    return found


def _key(name: str, ns: dict[str, str]) -> str:
    """A field name as the hash writes it: `{namespace}local` for an extension."""
    if name.startswith("{"):
        return name  # already {namespace}name (the XML reader's extension elements)
    prefix, colon, local = name.partition(":")
    if not colon:
        return name
    if prefix in ns:
        return "{" + ns[prefix] + "}" + local
    if local.startswith("//") or prefix == "urn":
        # A full IRI as the name: split it at its last '/', '#' or ':' like a namespace.
        cut = max(name.rfind("/"), name.rfind("#"), name.rfind(":"))
        return "{" + name[: cut + 1] + "}" + name[cut + 1 :]
    return name


def _curie(value: str, ns: dict[str, str]) -> str:
    prefix, colon, local = value.partition(":")
    if colon and prefix in ns and not local.startswith("//"):
        return ns[prefix] + local
    return value


# --- values -----------------------------------------------------------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def _number(text: str) -> str | None:
    """A number as the reference writes it (`05.50` → `5.5`, `+3` → `3`), else None.

    The reference reads every numeric-looking value as a binary float, so a long digit string
    loses precision (`111100001111000011110000` → `111100001111000003641344`, a vector shows
    it); we do the same, or our hash IDs would differ from every other system's."""
    if not _NUMBER_RE.match(text):
        return None
    number = float(text)
    if math.isinf(number):
        return None
    return str(int(number)) if number.is_integer() else str(number)


def utc_millis(text: str) -> str:
    """An xsd:dateTime in UTC with milliseconds (`2023-02-02T12:04:03.1415+01:00` →
    `2023-02-02T11:04:03.142Z`); microseconds are rounded half to even as the reference does."""
    found = _TIME_RE.match(text.strip())
    if not found:
        return text
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    millis = round(micro, -3)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return text
    moment += timedelta(microseconds=millis)
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    # (No offset: taken as UTC, where the reference would use the machine's time zone.)
    moment = moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _canonical_value(text: str) -> str:
    """A value in its canonical form: CBV URN → URI, number normalised, GS1 key → Digital Link."""
    text = text.strip()
    first = text[:1]
    if first == "u" and text.startswith(_CBV_URN):
        kind, _, word = text[len(_CBV_URN) :].partition(":")
        if kind in _CBV_URN_KINDS and word:
            return vocabulary.CBV + _CBV_URN_KINDS[kind] + word
    if first in _NUMBER_START:
        number = _number(text)
        if number is not None:
            return number
    return identifiers.canonical(text)


# --- the event tree ---------------------------------------------------------------------------


def _nodes(name: str, value: object, parent: str | None, ns: dict, ignore: Collection[str]):
    """The nodes one JSON member gives (a list gives one node per element)."""
    if isinstance(value, list):
        if name in _PAIR_LISTS:
            pairs = (_pair(name, item, ns) for item in value if isinstance(item, dict))
            yield (name, "", [pair for pair in pairs if pair])
            return
        element = _ELEMENT_NAMES.get(name)
        if element is not None:
            children = [n for item in value for n in _nodes(element, item, name, ns, ignore)]
            yield (name, "", children)
            return
        for item in value:
            yield from _nodes(name, item, parent, ns, ignore)
        return
    if isinstance(value, dict):
        yield (name, "", _children(value, name, ns, ignore))
        return
    text = _scalar(value)
    kind = _VOCABULARY.get((parent, name))
    text = _curie(text, ns)
    yield (name, vocabulary.expand(kind, text) or "" if kind else text, [])


def _children(obj: dict, parent: str | None, ns: dict, ignore: Collection[str]) -> list[Node]:
    children: list[Node] = []
    for name, value in obj.items():
        if name in _COMMENTS:
            continue
        key = _key(name, ns)
        if key in ignore:
            continue
        children.extend(_nodes(key, value, parent, ns, ignore))
    return children


def _pair(list_name: str, item: dict, ns: dict) -> tuple[Node, ...]:
    """One bizTransaction/source/destination: its type node first, then its value node."""
    field, kind = _PAIR_LISTS[list_name]
    pair: list[Node] = []
    if "type" in item:
        pair.append(("type", vocabulary.expand(kind, _curie(_scalar(item["type"]), ns)) or "", []))
    if field in item:
        pair.append((field, _curie(_scalar(item[field]), ns), []))
    return tuple(pair)


# --- the pre-hash string ----------------------------------------------------------------------


def _ordered(children: list, order: tuple, *, top: bool = False) -> str:
    """The standard fields of `children` in `order`; what it writes is removed from `children`
    (what is left goes to the generic, sorted part). Extensions of a structure follow it."""
    gather = not top and len(children) > 1
    extensions = [child for child in children if child[0][:1] == "{"] if gather else []
    names = {name for name, _ in order}
    named: dict[str, list] = {}
    left: list = []
    for child in children:
        if extensions and child[0][:1] == "{":
            continue
        if child[0] in names:
            named.setdefault(child[0], []).append(child)
        else:
            left.append(child)
    parts: list[str] = []
    for name, sub_order in order:
        values = []
        for child in named.get(name, ()):
            text = _node_text(child, sub_order)
            if text:
                values.append(text)
            if child[2]:
                left.append(child)  # what it holds beyond the order goes to the generic part
        values.sort()
        parts.extend(values)
    children[:] = left
    if extensions:
        parts.append(_generic(extensions))
    return "".join(parts)


def _node_text(node: Node, sub_order: tuple | None) -> str:
    name, value, children = node
    below = _ordered(children, sub_order) if sub_order else ""
    text = value.strip()
    if text:
        text = "=" + (utc_millis(text) if name in _TIME_FIELDS else _canonical_value(text))
    return name + text + below if (text or below) else ""


def _generic(children: Iterable) -> str:
    """Fields outside the standard order: each `name=value` followed by its own children,
    all sorted as strings (a bizTransaction/source/destination keeps its type first)."""
    texts = []
    pair_members = False
    for child in children:
        if isinstance(child, tuple) and child and isinstance(child[0], tuple):
            texts.append(_generic(child))
            continue
        name, value, grandchildren = child
        pair_members = pair_members or name in ("bizTransaction", "source", "destination")
        text = value.strip()
        texts.append(
            name + ("=" + _canonical_value(text) if text else "") + _generic(grandchildren)
        )
    if not pair_members:
        texts.sort()
    return "".join(texts)


def prehash(
    event: dict, context: list | dict | str | None = None, *, ignore: Iterable[str] = ()
) -> str:
    """The pre-hash string whose SHA-256 is the event hash. `ignore` names fields left out
    (CURIEs or `{namespace}name`): only for the reference tool's "ignore fields" option, which
    repositories use for fields they add themselves (their own hash, capture ID)."""
    ns = namespaces(context, event.get("@context"))
    ignored = {_key(name, ns) for name in ignore}
    children = _children(event, None, ns, ignored)
    ordered = _ordered(children, _ORDER, top=True)
    rest = [child for child in children if child[0] not in _EXCLUDED]
    return "eventType=" + _scalar(event.get("type")) + ordered + _generic(rest)


def hash_of_prehash(text: str) -> str:
    return "ni:///sha-256;" + hashlib.sha256(text.encode("utf-8")).hexdigest() + "?ver=CBV2.0"


def event_hash(
    event: dict, context: list | dict | str | None = None, *, ignore: Iterable[str] = ()
) -> str:
    """The hash ID of one EPCIS 2.0 JSON-LD event; `context` is its document's `@context`
    (namespace prefixes of CURIEs and extensions)."""
    return hash_of_prehash(prehash(event, context, ignore=ignore))
