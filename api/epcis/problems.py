"""EPCIS 2.0 REST binding: errors as RFC 7807 problem JSON, authentication and the version headers.

Everything here covers the whole blueprint (capture and query routes alike):

- `problem(...)` builds an `application/problem+json` answer whose `type` is one of the EPCIS
  exception types the OpenAPI document names (`epcisException:ValidationException`, …) and whose
  `instance` is the JSON path of what failed (`/epcisBody/eventList/2/bizStep`).
- Error handlers turn every HTTP error and domain error raised under /api/epcis into a problem,
  and the routing errors (an unknown path under /api/epcis, a method a route does not take), which
  Flask never gives to a blueprint's handlers, are caught at the app and answered the same way
  when they are ours (any other path goes on to the app's usual handler).
- `authenticate` (before every request): the API's Bearer tokens, as `api.auth.authenticate`,
  but answering problems; field officers are refused (the registry is not theirs).
- Every answer carries `GS1-EPCIS-Version` and `GS1-CBV-Version`.
"""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from api.epcis import bp
from core.accounts.models import Role
from core.accounts.services import user_for_token
from core.errors import DomainError
from core.extensions import db

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
VERSION_HEADERS = {"GS1-EPCIS-Version": EPCIS_VERSION, "GS1-CBV-Version": CBV_VERSION}
UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="epcis"'}

# The exception types of the EPCIS 2.0 OpenAPI document (components/responses).
VALIDATION = "epcisException:ValidationException"
CAPTURE_LIMIT = "epcisException:CaptureLimitExceededException"
IMPLEMENTATION = "epcisException:ImplementationException"
NO_SUCH_RESOURCE = "epcisException:NoSuchResourceException"
SECURITY = "epcisException:SecurityException"
QUERY_PARAMETER = "epcisException:QueryParameterException"
QUERY_TOO_LARGE = "epcisException:QueryTooLargeException"
NOT_ACCEPTABLE = "epcisException:NotAcceptableException"
UNSUPPORTED_MEDIA_TYPE = "epcisException:UnsupportedMediaTypeException"
METHOD_NOT_ALLOWED = "epcisException:MethodNotAllowedException"
ALREADY_EXISTS = "epcisException:ResourceAlreadyExistsException"
URI_TOO_LONG = "epcisException:URITooLongException"

# What an HTTP status is, when nothing more precise was said.
TYPE_OF_STATUS = {
    400: VALIDATION,
    401: SECURITY,
    403: SECURITY,
    404: NO_SUCH_RESOURCE,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    409: ALREADY_EXISTS,
    413: CAPTURE_LIMIT,
    414: URI_TOO_LONG,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: VALIDATION,
    500: IMPLEMENTATION,
    501: IMPLEMENTATION,
}

TITLE_OF_STATUS = {
    400: _l("The request is not valid."),
    401: _l("Send an API token: Authorization: Bearer <token>."),
    403: _l("This token may not do this."),
    404: _l("There is no such resource."),
    405: _l("This method is not allowed here."),
    406: _l("The server cannot answer in the format asked for."),
    409: _l("This resource exists already."),
    413: _l("The request is too large."),
    414: _l("The URL is too long."),
    415: _l("Send EPCIS documents as application/json or application/ld+json."),
    422: _l("The request is not valid."),
    429: _l("Too many requests. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    501: _l("This server does not offer this."),
}


def problem(
    status: int,
    type: str | None = None,
    title=None,
    detail=None,
    instance: str | None = None,
    headers: dict | None = None,
    **extra,
):
    """An RFC 7807 problem answer (`extra`: further members, e.g. `errors`, `captureID`)."""
    body = {
        "type": type or TYPE_OF_STATUS.get(status, "about:blank"),
        "title": str(title or TITLE_OF_STATUS.get(status) or HTTP_STATUS_CODES.get(status, "")),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    response.headers.update(VERSION_HEADERS)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class EpcisProblem(Exception):
    """Raised by the binding's routes to answer a problem (caught by the handler below)."""

    def __init__(self, status: int, type: str | None = None, title=None, detail=None, **kw):
        super().__init__(str(detail or title or status))
        self.status, self.type, self.title, self.detail, self.kw = status, type, title, detail, kw


def ours() -> bool:
    prefix = bp.url_prefix or ""
    return request.path == prefix or request.path.startswith(prefix + "/")


def _error_headers(status: int) -> dict:
    return dict(UNAUTHORISED) if status == 401 else {}


@bp.errorhandler(EpcisProblem)
def _handle_problem(exc: EpcisProblem):
    db.session.rollback()
    headers = _error_headers(exc.status) | exc.kw.pop("headers", {})
    return problem(exc.status, exc.type, exc.title, exc.detail, headers=headers, **exc.kw)


@bp.errorhandler(DomainError)
def _handle_domain_error(exc: DomainError):
    db.session.rollback()
    status = exc.status
    extra = {"errors": exc.errors} if exc.errors else {}
    return problem(status, detail=exc.message, headers=_error_headers(status), **extra)


def http_problem(exc: HTTPException):
    """Any HTTP error (raised by werkzeug, the edge, the rate limiter…) as a problem."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    detail = data.get("message") or (
        exc.description if exc.description != type(exc).description else None
    )
    headers = _error_headers(status)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return problem(status, detail=detail, headers=headers)


@bp.errorhandler(HTTPException)
def _handle_http_exception(exc: HTTPException):
    if (exc.code or 500) >= 500:
        db.session.rollback()
    return http_problem(exc)


@bp.errorhandler(500)
def _handle_server_error(exc):
    db.session.rollback()
    log.exception("EPCIS request failed: %s %s", request.method, request.path)
    return problem(500)


def _routing_error(exc: HTTPException):
    """Unknown paths and methods under /api/epcis are problems too; any other path is answered
    by the app's own HTTPException handler, as if this one were not there."""
    if ours():
        return http_problem(exc)
    handler = current_app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)
    return handler(exc) if handler is not None else exc


bp.app_errorhandler(NotFound)(_routing_error)
bp.app_errorhandler(MethodNotAllowed)(_routing_error)


@bp.before_request
def authenticate():
    """Require `Authorization: Bearer <token>` (session cookies are ignored); refuse officers."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise EpcisProblem(401, SECURITY, _l("Send an API token: Authorization: Bearer <token>."))
    user = user_for_token(raw.strip())
    if user is None:
        raise EpcisProblem(401, SECURITY, _l("This API token is unknown, revoked or expired."))
    if db.session.dirty:
        db.session.commit()  # last_used_at
    if user.role is Role.OFFICER or not (user.is_staff or user.producer_id is not None):
        raise EpcisProblem(
            403,
            SECURITY,
            _l("Only producers and Department staff may use the EPCIS repository."),
        )
    g.api_user = user


@bp.after_request
def version_headers(response):
    for name, value in VERSION_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
