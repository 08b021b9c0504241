"""Indicators, targets, snapshots, the dashboard, exports, the annual and quarterly reports and
open data. `reports` reads the other domains; nothing imports `reports`."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the reports' models (metadata), pages and CLI commands."""
    from reports import cli
    from reports.indicators import models as indicator_models  # noqa: F401
    from reports.quarterly import models as quarterly_models  # noqa: F401

    for module in _page_modules():
        app.register_blueprint(module.bp)
    cli.init_app(app)


def _page_modules() -> list:
    """The blueprints of the reports' pages."""
    from reports.annual import views as annual_views
    from reports.dashboard import views as dashboard_views
    from reports.indicators import views as target_views
    from reports.opendata import views as open_data_views
    from reports.quarterly import views as quarterly_views

    return [dashboard_views, target_views, annual_views, quarterly_views, open_data_views]
