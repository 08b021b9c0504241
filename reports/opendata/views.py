"""The public open-data page and its files (no login; cacheable; rate-limited like the resolver)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.http import is_resource_modified

from core.extensions import limiter
from reports.indicators.values import PRIVACY_MINIMUM
from reports.opendata import datapackage, services
from traceability.stamps.resolver import resolver_limit

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

# The newest body of each file, by its ETag: rebuilt only when a published snapshot changes.
_bodies: dict[str, tuple[tuple, bytes]] = {}


def cacheable(response: Response, tag: str, items: list[services.Published]) -> Response:
    """Public caching headers: ETag (from the snapshots' ids), Last-Modified, max-age; open CORS."""
    response.set_etag(tag)
    response.last_modified = services.last_modified(items)
    response.cache_control.public = True
    response.cache_control.max_age = services.max_age()
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _file(name: str, mimetype: str, build: Callable[[list[services.Published]], bytes]):
    items = services.published()
    tag = f"{name}-{services.etag(items)}"
    modified = services.last_modified(items)
    if not is_resource_modified(request.environ, etag=tag, last_modified=modified):
        return cacheable(Response(status=304), tag, items)
    key = (tag, current_app.config["BASE_URL"])
    held = _bodies.get(name)
    if held is None or held[0] != key:
        held = (key, build(items))
        _bodies[name] = held
    return cacheable(Response(held[1], mimetype=mimetype), tag, items)


@bp.get("/")
@limiter.limit(resolver_limit, methods=["GET"])
def index():
    """What is published, under which licence and rule, and the links to the files."""
    items = services.published()
    return render_template(
        "reports/opendata/index.html",
        items=items,
        fields=services.FIELDS,
        licence=datapackage.LICENCE,
        minimum=PRIVACY_MINIMUM,
    )


@bp.get("/indicators.csv")
@limiter.limit(resolver_limit, methods=["GET"])
def indicators_csv():
    return _file("csv", "text/csv; charset=utf-8", datapackage.csv_bytes)


@bp.get("/indicators.json")
@limiter.limit(resolver_limit, methods=["GET"])
def indicators_json():
    return _file("json", "application/json", datapackage.json_bytes)


@bp.get("/datapackage.json")
@limiter.limit(resolver_limit, methods=["GET"])
def package():
    base = current_app.config["BASE_URL"] or request.host_url
    return _file(
        "package", "application/json", lambda items: datapackage.package_bytes(base, items)
    )
