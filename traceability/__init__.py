"""Producers, products, sites, batches; stamps, scans and the GS1 resolver; trace events."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the registry's and the stamps' models, pages, resolver and CLI commands."""
    # models: imported for the metadata (the migrations and the tests' schema check)
    from traceability import events, exchange, ledger
    from traceability.registry import cli, media, models, staff_views, views  # noqa: F401
    from traceability.stamps import cli as stamp_cli
    from traceability.stamps import jobs, resolver
    from traceability.stamps import models as stamp_models  # noqa: F401
    from traceability.stamps import views as stamp_views

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.staff_bp)
    app.register_blueprint(media.media_bp)
    app.register_blueprint(stamp_views.bp)
    app.register_blueprint(stamp_views.staff_bp)
    resolver.init_app(app)
    jobs.init_app(app)
    cli.init_app(app)
    stamp_cli.init_app(app)
    events.init_app(app)
    ledger.init_app(app)
    exchange.init_app(app)
