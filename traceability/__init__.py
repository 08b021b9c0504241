"""Producers, products, sites, batches and (later) events, stamps, scans and the GS1 resolver."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the registry's models, pages, media route and CLI commands."""
    from traceability import cli, models, views  # noqa: F401  (models: metadata registration)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    app.register_blueprint(views.media_bp)
    cli.init_app(app)
