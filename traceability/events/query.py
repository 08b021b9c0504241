"""EPCIS 2.0 SimpleEventQuery: URL query parameters → one SQL select over the stored events.

What `GET /api/epcis/events` (and the pages' raw EPCIS) ask of the event table. Parameters are
AND, the values of one parameter (repeated, or separated by `|` as the OpenAPI's pipeDelimited
style says; enumerations also by `,`) are OR.

Matching of identifiers (MATCH_*): every value is compared in the canonical Digital Link form
(`identifiers.canonical`) with the identifier index, so an EPC URN and a Digital Link on any host
name the same item. EPC pattern URIs (EPC TDS §8, EPCIS §8.2.7.1.1) are supported for SGTINs:
`urn:epc:idpat:sgtin:CP.IR.*` in an instance parameter (MATCH_epc, MATCH_anyEPC, …) matches every
serial of that GTIN, and `urn:epc:idpat:sgtin:CP.*.*` every GTIN of the company prefix. In a class
parameter (MATCH_epcClass, …) a value matches exactly: `urn:epc:idpat:sgtin:CP.IR.*` is the class
of the GTIN without lot and does not match the GTIN's lots (LGTINs); `CP.*.*` matches the GTIN
classes (with or without lot) of the company prefix. Other pattern schemes are refused.

Standard parameters this repository does not evaluate (quantities, error declarations, sensor
data, `WD_` hierarchies, extension fields `EQ_{field}` …) are refused with an
ImplementationException (501), never ignored; names that are no EPCIS parameter at all are a
QueryParameterException (400).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, literal, or_, select, tuple_
from werkzeug.datastructures import MultiDict

from core import access
from core.extensions import db
from traceability.events import identifiers, vocabulary
from traceability.events.models import EventIdentifier, TraceEvent
from traceability.events.store import CLASS_ROLES, INSTANCE_ROLES, parse_time

PER_PAGE = 30
# The global upper limit of perPage (the OpenAPI lets a server set one the client cannot
# override): larger values are clamped, not refused.
MAX_PER_PAGE = 1000

EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})

# MATCH_* parameter → the identifier roles it looks in (store.EPC_LISTS / QUANTITY_LISTS).
MATCH_ROLES: dict[str, frozenset[str]] = {
    "MATCH_epc": frozenset({"epc", "child"}),
    "MATCH_parentID": frozenset({"parent"}),
    "MATCH_inputEPC": frozenset({"input"}),
    "MATCH_outputEPC": frozenset({"output"}),
    "MATCH_anyEPC": INSTANCE_ROLES,
    "MATCH_epcClass": frozenset({"quantity", "child_quantity"}),
    "MATCH_inputEPCClass": frozenset({"input_quantity"}),
    "MATCH_outputEPCClass": frozenset({"output_quantity"}),
    "MATCH_anyEPCClass": CLASS_ROLES,
}
TIME_BOUNDS = {
    "GE_eventTime": ("event_time", "ge"),
    "LT_eventTime": ("event_time", "lt"),
    "GE_recordTime": ("record_time", "ge"),
    "LT_recordTime": ("record_time", "lt"),
}
ORDER_KEYS = {"eventTime": "event_time", "recordTime": "record_time"}
PAGING = frozenset({"perPage", "nextPageToken"})
SUPPORTED = frozenset(
    {
        "eventType",
        *TIME_BOUNDS,
        "EQ_action",
        "EQ_bizStep",
        "EQ_disposition",
        "EQ_readPoint",
        "EQ_bizLocation",
        *MATCH_ROLES,
        "EQ_eventID",
        "orderBy",
        "orderDirection",
        *PAGING,
    }
)
# Standard SimpleEventQuery parameters (the EPCIS 2.0 query schema's names, and the OpenAPI's
# spelling of the error-declaration times) that are not evaluated here: refused as not
# implemented (501) rather than silently ignored.
NOT_EVALUATED = frozenset(
    {
        "EQ_persistentDisposition_set",
        "EQ_persistentDisposition_unset",
        "WD_readPoint",
        "WD_bizLocation",
        "EQ_transformationID",
        "EQ_quantity",
        "GT_quantity",
        "GE_quantity",
        "LT_quantity",
        "LE_quantity",
        "EXISTS_errorDeclaration",
        "GE_errorDeclaration_Time",
        "LT_errorDeclaration_Time",
        "GE_errorDeclarationTime",
        "LT_errorDeclarationTime",
        "EQ_errorReason",
        "EQ_correctiveEventID",
        "eventCountLimit",
        "maxEventCount",
        "EXISTS_sensorElementList",
        "GE_time",
        "LT_time",
        "GE_startTime",
        "LT_startTime",
        "GE_endTime",
        "LT_endTime",
        "EQ_type",
        "EQ_deviceID",
        "EQ_dataProcessingMethod",
        "EQ_microorganism",
        "EQ_chemicalSubstance",
        "EQ_bizRules",
        "EQ_stringValue",
        "EQ_hexBinaryValue",
        "EQ_uriValue",
        "EQ_booleanValue",
        "GT_percRank",
        "GE_percRank",
        "LT_percRank",
        "LE_percRank",
    }
)
# The standard's parameter families with a name inside (the query schema's patternProperties):
# extension fields `EQ_ex:field` (also INNER_, ILMD_, ERROR_DECLARATION_, sensor and place
# forms), typed lists `EQ_bizTransaction_po`, measures in a unit `GE_value_CEL`, attributes.
_FIELD_FORMS = re.compile(
    r"^(EQ|GT|GE|LT|LE|EXISTS|HASATTR)_(INNER_)?"
    r"(ILMD_|ERROR_DECLARATION_|SENSORELEMENT_|SENSORMETADATA_|SENSORREPORT_|readPoint_|"
    r"bizLocation_)?[A-Za-z][^:]*:.+$"
    r"|^EQ_(bizTransaction|source|destination)_[a-z][a-zA-Z0-9_]+$"
    r"|^(EQ|GT|GE|LT|LE)_(quantity|value|minValue|maxValue|meanValue|sDev|percValue)_[A-Z0-9]{2,4}$"
    r"|^EQ_ATTR_\w+_\w+$"
)

_IDPAT = re.compile(r"^urn:epc:idpat:sgtin:(\d{6,12})\.(\*|\d{1,7})\.\*$")
_ANY_IDPAT = re.compile(r"^urn:epc:idpat:", re.IGNORECASE)


class QueryError(Exception):
    """A query the repository refuses; `kind` is the EPCIS exception name of the problem JSON."""

    def __init__(self, kind: str, detail: str, status: int = 400):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


def _parameter_error(detail: str) -> QueryError:
    return QueryError("QueryParameterException", detail)


@dataclass(frozen=True)
class Order:
    """The sort of a query: a column of TraceEvent, then the id, in one direction."""

    key: str  # "event_time" or "record_time"
    descending: bool

    def columns(self):
        return getattr(TraceEvent, self.key), TraceEvent.id

    def clauses(self):
        return [c.desc() if self.descending else c.asc() for c in self.columns()]


@dataclass
class Page:
    events: list[TraceEvent]
    next_token: str | None
    per_page: int


def values(params: MultiDict, name: str, *, commas: bool = False) -> list[str]:
    """Every value of a parameter: repeated, pipe-separated (and comma-separated if `commas`)."""
    found: list[str] = []
    for raw in params.getlist(name):
        for part in re.split(r"[|,]" if commas else r"\|", raw):
            if part.strip():
                found.append(part.strip())
    if params.getlist(name) and not found:
        raise _parameter_error(_("%(name)s has no value.", name=name))
    return found


def single(params: MultiDict, name: str) -> str | None:
    given = params.getlist(name)
    if len(given) > 1:
        raise _parameter_error(_("%(name)s may be given only once.", name=name))
    return given[0].strip() if given else None


def _not_a_time(name: str, raw: str) -> QueryError:
    return _parameter_error(
        _(
            "%(name)s must be a dateTime with a time zone offset (2026-11-02T08:00:00+07:00 or "
            "…Z), not %(value)s.",
            name=name,
            value=raw,
        )
    )


def query_time(name: str, raw: str) -> dt.datetime:
    """A dateTime parameter in UTC; an offset (or Z) is required, as EPCIS times carry one."""
    # An unencoded "+07:00" in a URL arrives as " 07:00": a space is never part of a dateTime.
    text = raw.strip().replace(" ", "+")
    if "T" not in text:
        raise _not_a_time(name, raw)
    try:
        return parse_time(text)
    except ValueError:
        raise _not_a_time(name, raw) from None


def check_names(params: MultiDict) -> None:
    for name in params:
        if name in SUPPORTED:
            continue
        if name in NOT_EVALUATED or _FIELD_FORMS.match(name):
            raise QueryError(
                "ImplementationException",
                _("The query parameter %(name)s is not supported by this repository.", name=name),
                501,
            )
        raise _parameter_error(_("Unknown query parameter: %(name)s.", name=name))


def _identifier_match(name: str, raw_values: list[str]):
    """The condition on EventIdentifier for one MATCH_* parameter's values (OR)."""
    roles = MATCH_ROLES[name]
    instance = not roles <= CLASS_ROLES
    exact: set[str] = set()
    conditions = []
    for value in raw_values:
        pattern = _IDPAT.match(value)
        if pattern is not None and pattern.group(2) == "*":
            # Every GTIN of a company prefix: the prefix follows the indicator digit.
            like = "_" + pattern.group(1) + "%"
            if instance:
                conditions.append(
                    (EventIdentifier.gtin.like(like)) & EventIdentifier.serial.is_not(None)
                )
            else:
                conditions.append(
                    (EventIdentifier.gtin.like(like)) & EventIdentifier.serial.is_(None)
                )
            continue
        if pattern is not None and instance:
            # The pattern of one GTIN is also its class URI: identifiers knows its GTIN.
            key = identifiers.key_of(value)
            if key is None:
                raise _parameter_error(
                    _("%(name)s: %(value)s is not a valid SGTIN pattern.", name=name, value=value)
                )
            conditions.append(
                (EventIdentifier.gtin == key.gtin) & EventIdentifier.serial.is_not(None)
            )
            continue
        if pattern is None and _ANY_IDPAT.match(value):
            raise QueryError(
                "ImplementationException",
                _(
                    "%(name)s: only SGTIN patterns (urn:epc:idpat:sgtin:…) are supported, "
                    "not %(value)s.",
                    name=name,
                    value=value,
                ),
                501,
            )
        exact.add(identifiers.canonical(value))
    if exact:
        conditions.append(EventIdentifier.identifier.in_(sorted(exact)))
    return select(EventIdentifier.event_pk).where(
        or_(*conditions), EventIdentifier.role.in_(sorted(roles))
    )


def _locations(raw_values: list[str]) -> list[str]:
    """A location as given and in its canonical form (an SGLN URN and its Digital Link)."""
    found: set[str] = set()
    for value in raw_values:
        found.add(value)
        found.add(identifiers.canonical(value))
    return sorted(found)


def build(params: MultiDict, user) -> tuple[Select, Order]:
    """The select of the events the user may see that the parameters ask for, and its order."""
    check_names(params)
    stmt = access.visible(TraceEvent, user)
    if "eventType" in params:
        stmt = stmt.where(TraceEvent.event_type.in_(values(params, "eventType", commas=True)))
    for name, (column, bound) in TIME_BOUNDS.items():
        raw = single(params, name)
        if raw is None:
            continue
        moment = query_time(name, raw)
        col = getattr(TraceEvent, column)
        stmt = stmt.where(col >= moment if bound == "ge" else col < moment)
    if "EQ_action" in params:
        actions = values(params, "EQ_action", commas=True)
        if wrong := sorted(set(actions) - ACTIONS):
            raise _parameter_error(
                _("EQ_action must be ADD, OBSERVE or DELETE, not %(value)s.", value=wrong[0])
            )
        stmt = stmt.where(TraceEvent.action.in_(actions))
    for name, kind, column in (
        ("EQ_bizStep", "BizStep", TraceEvent.biz_step),
        ("EQ_disposition", "Disp", TraceEvent.disposition),
    ):
        if name in params:
            expanded = {vocabulary.expand(kind, value) for value in values(params, name)}
            stmt = stmt.where(column.in_(sorted(expanded)))
    for name, column in (
        ("EQ_readPoint", TraceEvent.read_point),
        ("EQ_bizLocation", TraceEvent.biz_location),
    ):
        if name in params:
            stmt = stmt.where(column.in_(_locations(values(params, name))))
    for name in MATCH_ROLES:
        if name in params:
            stmt = stmt.where(TraceEvent.id.in_(_identifier_match(name, values(params, name))))
    if "EQ_eventID" in params:
        stmt = stmt.where(TraceEvent.event_id.in_(values(params, "EQ_eventID")))
    return stmt, order_of(params)


def order_of(params: MultiDict) -> Order:
    """orderBy (eventTime by default) and orderDirection (DESC by default, as EPCIS says)."""
    by = single(params, "orderBy") or "eventTime"
    if by not in ORDER_KEYS:
        if ":" in by:  # an extension field's qualified name: standard, not supported here
            raise QueryError(
                "ImplementationException",
                _("orderBy %(value)s: only eventTime and recordTime are supported.", value=by),
                501,
            )
        raise _parameter_error(
            _("orderBy must be eventTime or recordTime, not %(value)s.", value=by)
        )
    direction = single(params, "orderDirection") or "DESC"
    if direction not in ("ASC", "DESC"):
        raise _parameter_error(
            _("orderDirection must be ASC or DESC, not %(value)s.", value=direction)
        )
    return Order(ORDER_KEYS[by], direction == "DESC")


def per_page(params: MultiDict) -> int:
    raw = single(params, "perPage")
    if raw is None:
        return PER_PAGE
    if not raw.isdigit() or int(raw) < 1:
        raise _parameter_error(
            _("perPage must be a positive whole number, not %(value)s.", value=raw)
        )
    return min(int(raw), MAX_PER_PAGE)


def fingerprint(params: MultiDict) -> str:
    """A hash of the query's parameters (all but the paging ones), order-independent."""
    pairs = sorted((k, v) for k in params if k not in PAGING for v in params.getlist(k))
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="epcis-next-page")


def make_token(params: MultiDict, last: TraceEvent, order: Order) -> str:
    """An opaque, signed token: the last event's sort key and the query it belongs to."""
    moment = getattr(last, order.key).astimezone(dt.UTC).isoformat()
    return _serializer().dumps({"q": fingerprint(params), "k": [moment, last.id]})


def read_token(params: MultiDict, token: str) -> tuple[dt.datetime, int]:
    try:
        data = _serializer().loads(token)
        moment, last_id = data["k"]
        query = data["q"]
        after = (dt.datetime.fromisoformat(moment), int(last_id))
    except (BadData, KeyError, TypeError, ValueError):
        raise _parameter_error(_("nextPageToken is not a token this repository gave.")) from None
    if query != fingerprint(params):
        raise _parameter_error(
            _(
                "nextPageToken belongs to another query: send the same parameters as for the "
                "first page."
            )
        )
    return after


def page(params: MultiDict, user) -> Page:
    """One page of the query's results, and the token of the next page if there is one."""
    stmt, order = build(params, user)
    size = per_page(params)
    token = single(params, "nextPageToken")
    if token is not None:
        moment, last_id = read_token(params, token)
        key = tuple_(*order.columns())
        after = tuple_(literal(moment, getattr(TraceEvent, order.key).type), literal(last_id))
        stmt = stmt.where(key < after if order.descending else key > after)
    rows = db.session.scalars(stmt.order_by(*order.clauses()).limit(size + 1)).all()
    events, more = rows[:size], len(rows) > size
    return Page(events, make_token(params, events[-1], order) if more else None, size)
