"""The JSON API under /api/v1 (flask-smorest), OpenAPI at /api/openapi.json, docs at /api/docs."""

from flask import Flask, current_app

from core.extensions import api, csrf, limiter

# The limiter is one extension shared by every app the process creates (tests create many): a
# blueprint gets its limit once, read from whichever app serves the request.
_limited: set[str] = set()


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def init_app(app: Flask) -> None:
    from api import (
        annual_reports,
        assessments,
        batches,
        frameworks,
        indicators,
        open_data,
        portal,
        producers,
        products,
        rollout,
        shop_imports,
        shops,
        sites,
        stamps,
        trace_exports,
        ward_reports,
        wards,
    )

    api.init_app(app)
    retail = (shops, shop_imports, frameworks, assessments, rollout)
    reports = (indicators, ward_reports, annual_reports, open_data)
    for module in (
        wards,
        producers,
        products,
        sites,
        batches,
        stamps,
        trace_exports,
        portal,
        *retail,
        *reports,
    ):
        blp = module.blp
        # Token-authenticated, never cookie-authenticated: CSRF does not apply.
        csrf.exempt(blp)
        if blp.name not in _limited:
            limiter.limit(_api_limit)(blp)
            _limited.add(blp.name)
        api.register_blueprint(blp)
    # EPCIS 2.0 REST binding: tokens too, its own error shape and OpenAPI document.
    from api import epcis

    csrf.exempt(epcis.bp)
    if epcis.bp.name not in _limited:
        limiter.limit(_api_limit)(epcis.bp)
        _limited.add(epcis.bp.name)
    epcis.init_app(app)
    # The origin log's public JSON: no token, its own rate limit, CORS for anyone verifying.
    from api import ledger

    ledger.init_app(app)
