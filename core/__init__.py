"""Application factory and the pieces every domain shares."""

from __future__ import annotations

import importlib

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import PROJECT_ROOT


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application; nothing touches the database here."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from core import cli, config, edge, web
    from core.accounts import views as account_views
    from core.errors import register_error_handlers
    from core.extensions import babel, csrf, db, limiter, login_manager, migrate
    from core.wards import views as ward_views

    # Before any route is added: every <int:…> is bounded by the database's INTEGER.
    app.url_map.converters["int"] = edge.BoundedIntConverter
    config.load(app, test_config)
    if app.config["PROXY_COUNT"]:
        # Behind PROXY_COUNT reverse proxies: the client's address (rate limits, scan identity),
        # scheme and host come from the headers they set; without proxies those headers are
        # whatever the client sent, so they are ignored.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    # The limiter counts requests before CSRF refuses them, so forged floods are limited too.
    limiter.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)

    web.init_app(app)
    edge.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(account_views.admin_bp)
    app.register_blueprint(ward_views.bp)
    cli.init_app(app)

    # core never imports a domain package by name: the domains plug themselves in.
    for name in app.config["DOMAINS"]:
        importlib.import_module(name).init_app(app)
    return app
