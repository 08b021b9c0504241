"""EPCIS 2.0 REST binding: capture (`/capture`, `/capture/{captureID}`, `POST /events`).

- `POST /capture` takes an EPCISDocument or EPCISQueryDocument (`application/json` or
  `application/ld+json`) and runs the capture job inside the request (`traceability.events.
  capture`): the answer is 202 with `Location: /api/epcis/capture/{captureID}` and the finished
  job. A document the schema or our rules refuse is answered 400 (ValidationException) or, when
  only a producer's right is missing, 403 (SecurityException), with the first error's path as
  `instance`, every error under `errors` and the job's `captureID`: with `rollback` nothing is
  stored. With `GS1-Capture-Error-Behaviour: proceed` the good events are stored, the answer is
  202 and the job lists the bad ones.
- `POST /events` captures one bare event: 201 with its `Location` (409 if it is stored already).
- Limits: `EPCIS_CAPTURE_LIMIT` events per document and `EPCIS_CAPTURE_FILE_SIZE_LIMIT` bytes per
  body, announced on every answer of these routes (and on OPTIONS /capture); above them 413
  CaptureLimitExceededException, the size before the body is read (the edge honours the view's
  `json_body_limit`).
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import quote

from flask import current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from api.auth import commit
from api.epcis import bp
from api.epcis.problems import (
    ALREADY_EXISTS,
    CAPTURE_LIMIT,
    NO_SUCH_RESOURCE,
    QUERY_PARAMETER,
    SECURITY,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION,
    EpcisProblem,
    problem,
)
from core.extensions import db
from traceability.events import capture as service
from traceability.events import validation
from traceability.events.models import Capture

MEDIA_TYPES = ("application/json", "application/ld+json")
BEHAVIOUR_HEADER = "GS1-Capture-Error-Behaviour"
CAPTURE_ENDPOINTS = frozenset(
    {"epcis.capture_post", "epcis.capture_list", "epcis.capture_options", "epcis.capture_job"}
)
# The jobs list: perPage as in the query interface.
PER_PAGE_DEFAULT = 30
PER_PAGE_MAX = 1000


def limit_headers() -> dict:
    config = current_app.config
    return {
        "GS1-EPCIS-Capture-Limit": str(config["EPCIS_CAPTURE_LIMIT"]),
        "GS1-EPCIS-Capture-File-Size-Limit": str(config["EPCIS_CAPTURE_FILE_SIZE_LIMIT"]),
    }


@bp.after_request
def _capture_headers(response):
    if request.endpoint in CAPTURE_ENDPOINTS or request.endpoint == "epcis.events_post":
        response.headers.update(limit_headers())
    return response


def _body():
    """The request's JSON (only the two JSON media types; size checked by the edge)."""
    if request.mimetype not in MEDIA_TYPES:
        raise EpcisProblem(
            415,
            UNSUPPORTED_MEDIA_TYPE,
            detail=_l("Send the body as application/json or application/ld+json."),
        )
    limit = current_app.config["EPCIS_CAPTURE_FILE_SIZE_LIMIT"]
    if request.content_length is not None and request.content_length > limit:
        raise EpcisProblem(413, CAPTURE_LIMIT, detail=_size_detail(limit))
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise EpcisProblem(413, CAPTURE_LIMIT, detail=_size_detail(limit))
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise EpcisProblem(
            400,
            VALIDATION,
            _l("The body is not JSON."),
            detail=_l("The body cannot be read as JSON: %(reason)s.", reason=str(exc)),
        ) from None


def _size_detail(limit: int):
    return _l(
        "The body is larger than %(limit)s bytes: split the document into several captures.",
        limit=limit,
    )


def _behaviour() -> str:
    value = request.headers.get(BEHAVIOUR_HEADER, "rollback").strip().lower()
    if value not in service.BEHAVIOURS:
        raise EpcisProblem(
            400,
            VALIDATION,
            detail=_l(
                "GS1-Capture-Error-Behaviour must be rollback or proceed, not '%(value)s'.",
                value=value[:40],
            ),
        )
    return value


def _check_count(doc) -> None:
    limit = current_app.config["EPCIS_CAPTURE_LIMIT"]
    if not isinstance(doc, dict) or doc.get("type") not in validation.EVENT_LISTS:
        return
    node = doc
    for name in validation.EVENT_LISTS[doc["type"]]:
        node = node.get(name) if isinstance(node, dict) else None
    if isinstance(node, list) and len(node) > limit:
        raise EpcisProblem(
            413,
            CAPTURE_LIMIT,
            detail=_l(
                "The document has %(count)s events; at most %(limit)s are captured at once: "
                "split it into several captures.",
                count=len(node),
                limit=limit,
            ),
        )


def _refused(job: Capture):
    """The answer to a capture the schema or our rules refused (the job is committed)."""
    errors = job.errors
    security = all(e["type"] == SECURITY for e in errors)
    first = errors[0]
    return problem(
        403 if security else 400,
        SECURITY if security else VALIDATION,
        first["title"],
        first.get("detail"),
        first.get("instance"),
        errors=errors,
        captureID=job.capture_id,
    )


def _location(job: Capture) -> str:
    return url_for("epcis.capture_job", capture_id=job.capture_id)


def capture_post():
    doc = _body()
    _check_count(doc)
    behaviour = _behaviour()
    captured = service.capture_document(doc, g.api_user, behaviour)
    commit()
    job = captured.job
    if not job.success and (behaviour == "rollback" or not captured.stored):
        return _refused(job)
    response = jsonify(service.job_document(job))
    response.status_code = 202
    response.headers["Location"] = _location(job)
    return response


capture_post.json_body_limit = "EPCIS_CAPTURE_FILE_SIZE_LIMIT"
bp.add_url_rule(
    "/capture", "capture_post", capture_post, methods=["POST"], provide_automatic_options=False
)


@bp.route("/capture", methods=["GET"], provide_automatic_options=False)
def capture_list():
    """The caller's capture jobs (a producer's: its producer's; staff: all), newest first."""
    unknown = sorted(set(request.args) - {"perPage", "nextPageToken", "lang"})
    if unknown:
        raise EpcisProblem(
            400,
            QUERY_PARAMETER,
            detail=_l("Unknown query parameter: %(names)s.", names=", ".join(unknown)),
        )
    per_page = _per_page()
    stmt = service.visible_jobs(g.api_user)
    token = request.args.get("nextPageToken")
    if token is not None:
        stmt = stmt.where(Capture.id < _token_id(token))
    jobs = db.session.scalars(stmt.limit(per_page + 1)).all()
    response = jsonify([service.job_document(job) for job in jobs[:per_page]])
    if len(jobs) > per_page:
        following = url_for(
            "epcis.capture_list", perPage=per_page, nextPageToken=_token(jobs[per_page - 1].id)
        )
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


def _per_page() -> int:
    raw = request.args.get("perPage", str(PER_PAGE_DEFAULT))
    if not raw.isdigit() or not 1 <= int(raw) <= PER_PAGE_MAX:
        raise EpcisProblem(
            400,
            QUERY_PARAMETER,
            detail=_l("perPage must be a whole number from 1 to %(max)s.", max=PER_PAGE_MAX),
        )
    return int(raw)


def _token(job_id: int) -> str:
    return base64.urlsafe_b64encode(f"capture:{job_id}".encode()).decode().rstrip("=")


def _token_id(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "capture" and number.isdigit() and len(number) < 19:
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise EpcisProblem(400, QUERY_PARAMETER, detail=_l("This nextPageToken is not valid."))


@bp.route("/capture", methods=["OPTIONS"])
def capture_options():
    response = current_app.response_class(status=204)
    response.headers["Allow"] = "OPTIONS, GET, POST"
    response.headers[BEHAVIOUR_HEADER] = "all"  # both rollback and proceed are supported
    return response


@bp.route("/capture/<capture_id>", methods=["GET"])
def capture_job(capture_id: str):
    job = service.job_for(capture_id, g.api_user)
    if job is None:
        raise EpcisProblem(
            404, NO_SUCH_RESOURCE, detail=_l("There is no capture job %(id)s.", id=capture_id[:40])
        )
    return jsonify(service.job_document(job))


def events_post():
    """One bare event (synchronous): 201 with its Location."""
    event = _body()
    captured = service.capture_event(event, g.api_user)
    commit()
    job = captured.job
    if not job.success:
        return _refused(job)
    stored = captured.stored[0]
    location = bp.url_prefix + "/events/" + quote(stored.event.event_id, safe="")
    if not stored.created:
        return problem(
            409,
            ALREADY_EXISTS,
            detail=_l("This event is stored already (the same event hash)."),
            headers={"Location": location},
            captureID=job.capture_id,
        )
    response = jsonify(stored.event.document)
    response.status_code = 201
    response.headers["Location"] = location
    return response


events_post.json_body_limit = "EPCIS_CAPTURE_FILE_SIZE_LIMIT"
bp.add_url_rule(
    "/events", "events_post", events_post, methods=["POST"], provide_automatic_options=False
)
