"""Bearer-token authentication and the commit at the API's edge."""

from __future__ import annotations

from functools import cache

from apispec.ext.marshmallow.common import resolve_schema_instance
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select

from core import access
from core.accounts.models import Role
from core.accounts.services import user_for_token
from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from traceability.registry.models import Producer

UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="api"'}


def authenticate() -> None:
    """Require `Authorization: Bearer <token>`; the API ignores session cookies."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        abort(
            401,
            message=str(_l("Send an API token: Authorization: Bearer <token>.")),
            headers=UNAUTHORISED,
        )
    user = user_for_token(raw.strip())
    if user is None:
        abort(
            401,
            message=str(_l("This API token is unknown, revoked or expired.")),
            headers=UNAUTHORISED,
        )
    if db.session.dirty:
        db.session.commit()  # last_used_at
    g.api_user = user


def current_api_user():
    return g.api_user


# Read by core.web.select_locale on every request; not a filter of any operation.
ANY_OPERATION_QUERY = frozenset({"lang"})


@cache
def documented_query(view_class: type, method: str) -> frozenset[str]:
    """The query parameters an operation documents: its query schemas' and pagination's fields."""
    function = getattr(view_class, method, None)
    doc = getattr(function, "_apidoc", {})
    params = [p for p in doc.get("arguments", {}).get("parameters", []) if p["in"] == "query"]
    if "pagination" in doc:
        params.append(doc["pagination"]["parameters"])
    names = set(ANY_OPERATION_QUERY)
    for param in params:
        schema = resolve_schema_instance(param["schema"])
        names.update(f.data_key or n for n, f in schema.fields.items() if not f.dump_only)
    return frozenset(names)


def refuse_unknown_query() -> None:
    """One check for every operation: a query parameter it does not document is a 422.

    The schemas cannot do it themselves: webargs excludes unknown query fields because the
    pagination parameters are parsed from the same query string by a schema of their own.
    """
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is None or not request.args:
        return
    method = request.method.lower()
    if method == "head" and not hasattr(view_class, "head"):
        method = "get"
    unknown = sorted(set(request.args) - documented_query(view_class, method))
    if unknown:
        abort(
            422,
            message=str(_l("Unknown query parameter: %(names)s.", names=", ".join(unknown))),
            # marshmallow's own words for an unknown field, as in JSON bodies
            messages={"query": {name: ["Unknown field."] for name in unknown}},
        )


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    blp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    blp.before_request(authenticate)
    blp.before_request(refuse_unknown_query)
    return blp


def paginate_select(stmt, pagination_parameters):
    """Run a select for one page, telling flask-smorest the total (X-Pagination header)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    offset = (page - 1) * size
    if offset >= total:
        return []  # past the last page (which may be past what an OFFSET can hold)
    return db.session.scalars(stmt.limit(size).offset(offset)).unique().all()


def commit():
    """The single commit of a successful write request."""
    db.session.commit()


def target_producer(data: dict, user):
    """The producer a new record belongs to: a producer's own, or the one staff name."""

    producer_id = data.pop("producer_id", None)
    if user.role is Role.PRODUCER and user.producer is not None:
        if producer_id not in (None, user.producer_id):
            raise Forbidden(_l("A producer's token can only add records to its own producer."))
        return user.producer
    if not user.is_staff:
        raise Forbidden(_l("Only producers and Department staff may add records."))
    if producer_id is None:
        raise ValidationFailed({"producer_id": [_l("Staff must say which producer this is for.")]})
    return access.get_for_read(Producer, producer_id, user)
