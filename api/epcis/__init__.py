"""The EPCIS 2.0 REST binding under /api/epcis (GS1 EPCIS 2.0 OpenAPI, `../shared/conformance/
epcis/rest/openapi.dev-2.0.0.json`): capture (`capture.py`), queries and discovery (`query.py`).

A plain Flask blueprint, not flask-smorest: the binding has its own OpenAPI document, headers and
error shape (RFC 7807 problem JSON with the EPCIS exception types, `problems.py`). It takes the
API's Bearer tokens, like /api/v1.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("epcis", __name__, url_prefix="/api/epcis")


def init_app(app: Flask) -> None:
    from api.epcis import capture, problems, query  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
