"""Domain errors and how they are answered: one JSON shape for the API, HTML pages for people."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES


class DomainError(Exception):
    """An operation refused for a reason the user can act on."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict:
        return {self.field: [str(self.message)]} if self.field else {}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ValidationFailed(DomainError):
    """One or more fields are invalid; `errors` maps each field to its messages."""

    status = 422

    def __init__(self, errors: dict[str, list]):
        self.field_errors = {k: [str(m) for m in v] for k, v in errors.items()}
        first = next(iter(self.field_errors.items()))
        super().__init__(f"{first[0]}: {first[1][0]}")

    @property
    def errors(self) -> dict:
        return self.field_errors


class FieldError(ValueError):
    """A single field's value is not acceptable (raised by field rules, collected per field)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class FieldErrors:
    """Collects per-field messages during validation, then raises them all at once."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def wants_json() -> bool:
    """API paths and clients that prefer JSON get the JSON error shape."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    """The API's single error shape."""
    return {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Error"),
        "message": message,
        "errors": errors or {},
    }


def _page_message(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find this page."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }.get(status, _("Something went wrong."))


def _retry_after(response: Response, exc: HTTPException) -> Response:
    """A refusal that says when to come back (429 from core.ratelimit, 503) keeps saying it."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error in the API's JSON shape or as a page in the user's language."""

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        from core.extensions import db

        db.session.rollback()
        if wants_json():
            errors = {"json": exc.errors} if exc.errors else {}
            return jsonify(error_body(exc.status, str(exc.message), errors)), exc.status
        return (
            render_template("errors/error.html", status=exc.status, message=exc.message),
            exc.status,
        )

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        if wants_json():
            data = getattr(exc, "data", None) or {}
            message = data.get("message") or exc.description or HTTP_STATUS_CODES.get(exc.code)
            body = error_body(exc.code, message, data.get("messages") or data.get("errors"))
            response = jsonify(body)
            response.status_code = exc.code
            # flask-smorest's abort() keeps headers (WWW-Authenticate…) in exc.data.
            for name, value in (data.get("headers") or {}).items():
                response.headers[name] = value
            return _retry_after(response, exc)
        message = _page_message(exc.code)
        if isinstance(exc, CSRFError):
            message = _("This form has expired. Go back, reload the page and submit it again.")
        page = render_template("errors/error.html", status=exc.code, message=message)
        return _retry_after(Response(page, status=exc.code, mimetype="text/html"), exc)

    @app.errorhandler(500)
    def handle_server_error(exc):
        from core.extensions import db

        db.session.rollback()
        if wants_json():
            return jsonify(error_body(500, "Internal server error.")), 500
        return render_template("errors/error.html", status=500, message=_page_message(500)), 500
