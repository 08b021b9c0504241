"""EPCIS 2.0 REST binding: discovery (`GET`/`OPTIONS /api/epcis`) and queries (`/events`,
`/events/{eventID}`, `/eventTypes`, `/eventTypes/{eventType}/events`, `/epcs/{epc}/events`).

Authentication, the version headers and problem JSON for every error are `problems.py`'s, for the
whole blueprint. Answers are `application/json` or, when asked, `application/ld+json`; any other
`Accept` is a 406 NotAcceptableException. Named queries and subscriptions (`/queries…`) are not
offered: `GET /api/epcis/queries` answers 501 ImplementationException.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, g, json, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from api.epcis import bp
from api.epcis.problems import (
    CBV_VERSION,
    EPCIS_VERSION,
    IMPLEMENTATION,
    NO_SUCH_RESOURCE,
    NOT_ACCEPTABLE,
    EpcisProblem,
)
from core import access
from core.extensions import db
from traceability.events import documents, query, vocabulary
from traceability.events.models import TraceEvent

JSON = "application/json"
JSON_LD = "application/ld+json"
# The top-level resources this repository serves (OpenAPI TopLevelResources).
RESOURCES = ("capture", "events", "eventTypes", "epcs")
DISCOVERY = {
    "GS1-EPCIS-Min": EPCIS_VERSION,
    "GS1-EPCIS-Max": EPCIS_VERSION,
    "GS1-CBV-Min": CBV_VERSION,
    "GS1-CBV-Max": CBV_VERSION,
    # Either form is taken; answers are as captured unless Digital Links are asked for.
    "GS1-EPC-Format": "No_Preference",
    "GS1-Vendor-Version": "dongnai-trace-1",
    "GS1-Extensions": f"{vocabulary.DNT_PREFIX}={vocabulary.DNT_NS}",
}


EPC_FORMATS = {False: "Never_Translates", True: "Always_GS1_Digital_Link"}


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        raise EpcisProblem(
            406, NOT_ACCEPTABLE, detail=_("%(value)s is not a version (2.0.0).", value=text)
        ) from None


def negotiate() -> str:
    """The media type to answer in, by `Accept` and the GS1 version headers, or a 406."""
    ours = _version(EPCIS_VERSION)
    low, high = request.headers.get("GS1-EPCIS-Min"), request.headers.get("GS1-EPCIS-Max")
    if (low and _version(low) > ours) or (high and _version(high) < ours):
        raise EpcisProblem(
            406,
            NOT_ACCEPTABLE,
            detail=_("This repository speaks EPCIS %(version)s only.", version=EPCIS_VERSION),
        )
    if not request.accept_mimetypes:
        return JSON
    best = request.accept_mimetypes.best_match([JSON, JSON_LD])
    if best is None:
        raise EpcisProblem(
            406,
            NOT_ACCEPTABLE,
            detail=_(
                "Answers are %(json)s or %(json_ld)s (ask for one in Accept).",
                json=JSON,
                json_ld=JSON_LD,
            ),
        )
    return best


def epc_format() -> bool:
    """Should EPCs be answered as Digital Links (`GS1-EPC-Format`)? Without the header, or with
    No_Preference / Never_Translates, events come back as captured; URNs cannot be made."""
    wanted = request.headers.get("GS1-EPC-Format", "").strip()
    if wanted == "Always_EPC_URN":
        raise EpcisProblem(
            406,
            NOT_ACCEPTABLE,
            detail=_("Identifiers can be given as captured or as GS1 Digital Links, not as URNs."),
        )
    return wanted == "Always_GS1_Digital_Link"


def answer(body: dict, media_type: str, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=200, mimetype=media_type, headers=headers
    )


def user():
    return g.api_user


def run_query(params: MultiDict) -> Response:
    """One page of a SimpleEventQuery as an EPCISQueryDocument, with `Link rel="next"`."""
    media_type, digital_links = negotiate(), epc_format()
    try:
        found = query.page(params, user())
    except query.QueryError as exc:
        raise EpcisProblem(exc.status, f"epcisException:{exc.kind}", detail=exc.detail) from None
    headers = {"GS1-EPC-Format": EPC_FORMATS[digital_links]}
    if found.next_token is not None:
        following = MultiDict(params)
        following.setlist("nextPageToken", [found.next_token])
        following.setlist("perPage", [str(found.per_page)])
        link = f"{request.base_url}?{urlencode(list(following.items(multi=True)))}"
        headers["Link"] = f'<{link}>; rel="next"'
    body = documents.query_document(found.events, digital_links=digital_links)
    return answer(body, media_type, headers)


@bp.after_request
def discovery_headers(response: Response) -> Response:
    """OPTIONS on any resource of the binding: 204 with `Allow` (Flask's, from every route of
    the path, capture's included) and the versions and extensions this repository speaks."""
    if request.method == "OPTIONS" and response.status_code == 200 and not response.data:
        response.status_code = 204
    if request.method == "OPTIONS" and response.status_code == 204:
        for name, value in DISCOVERY.items():
            response.headers.setdefault(name, value)
    return response


@bp.route("", methods=["GET"], strict_slashes=False)
def discovery():
    """The top-level resources of this repository."""
    media_type = negotiate()
    body = {"@context": documents.EPCIS_CONTEXT, "type": "Collection", "member": list(RESOURCES)}
    return answer(body, media_type, DISCOVERY)


@bp.route("/events", methods=["GET"])
def events():
    """The SimpleEventQuery over the events the caller may see."""
    return run_query(request.args)


@bp.route("/events/<path:event_id>", methods=["GET"], merge_slashes=False)
def event(event_id: str):
    """The event(s) with this eventID (an error declaration repeats the ID it declares)."""
    media_type, digital_links = negotiate(), epc_format()
    if request.args:
        raise EpcisProblem(
            400,
            "epcisException:QueryParameterException",
            detail=_("This resource takes no query parameters."),
        )
    stmt = access.visible(TraceEvent, user()).where(TraceEvent.event_id == event_id)
    found = list(db.session.scalars(stmt.order_by(TraceEvent.record_time, TraceEvent.id)))
    if not found:
        raise EpcisProblem(
            404, NO_SUCH_RESOURCE, detail=_("No event %(id)s is visible here.", id=event_id)
        )
    body = documents.query_document(found, digital_links=digital_links)
    return answer(body, media_type, {"GS1-EPC-Format": EPC_FORMATS[digital_links]})


@bp.route("/eventTypes", methods=["GET"])
def event_types():
    """The event types a query may name (the five of EPCIS 2.0)."""
    media_type = negotiate()
    body = {
        "@context": documents.EPCIS_CONTEXT,
        "type": "Collection",
        "member": sorted(query.EVENT_TYPES),
    }
    return answer(body, media_type)


@bp.route("/eventTypes/<event_type>/events", methods=["GET"])
def events_of_type(event_type: str):
    """The query, restricted to one event type."""
    if event_type not in query.EVENT_TYPES:
        raise EpcisProblem(
            404, NO_SUCH_RESOURCE, detail=_("There is no event type %(type)s.", type=event_type)
        )
    if "eventType" in request.args:
        raise EpcisProblem(
            400,
            "epcisException:QueryParameterException",
            detail=_("The path names the event type already."),
        )
    params = MultiDict(request.args)
    params.add("eventType", event_type)
    return run_query(params)


@bp.route("/epcs/<path:epc>/events", methods=["GET"], merge_slashes=False)
def events_of_epc(epc: str):
    """The query, restricted to events naming one EPC in any list (MATCH_anyEPC)."""
    if "MATCH_anyEPC" in request.args:
        raise EpcisProblem(
            400,
            "epcisException:QueryParameterException",
            detail=_("The path names the EPC already."),
        )
    params = MultiDict(request.args)
    params.add("MATCH_anyEPC", epc)
    return run_query(params)


@bp.route("/queries", methods=["GET"])
def queries():
    """Named queries and subscriptions are not offered by this repository."""
    raise EpcisProblem(
        501,
        IMPLEMENTATION,
        detail=_("Named queries and subscriptions are not offered; use GET /api/epcis/events."),
    )
