"""The JSON API under /api/v1 (flask-smorest), OpenAPI at /api/openapi.json, docs at /api/docs."""

from flask import Flask

from core.extensions import api, csrf, limiter


def init_app(app: Flask) -> None:
    from api import batches, producers, products, sites, stamps, wards

    api.init_app(app)
    for module in (wards, producers, products, sites, batches, stamps):
        blp = module.blp
        # Token-authenticated, never cookie-authenticated: CSRF does not apply.
        csrf.exempt(blp)
        limiter.limit(lambda: app.config["RATELIMIT_API"])(blp)
        api.register_blueprint(blp)
