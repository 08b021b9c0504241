"""Bearer-token authentication and the commit at the API's edge."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select

from core import access
from core.accounts.models import Role
from core.accounts.services import user_for_token
from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from traceability.models import Producer

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


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    blp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    blp.before_request(authenticate)
    return blp


def paginate_select(stmt, pagination_parameters):
    """Run a select for one page, telling flask-smorest the total (X-Pagination header)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    return db.session.scalars(stmt.limit(size).offset((page - 1) * size)).unique().all()


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
