"""Retail shops, assessment frameworks, assessments and the ward roll-out."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the retail models (metadata), pages and CLI commands."""
    from retail import cli
    from retail.assessments import framework_views, result_views
    from retail.assessments import models as assessment_models  # noqa: F401
    from retail.assessments import views as assessment_views
    from retail.rollout import models as rollout_models  # noqa: F401
    from retail.rollout import views as rollout_views
    from retail.shops import import_views
    from retail.shops import models as shop_models  # noqa: F401
    from retail.shops import views as shop_views

    for module in (
        shop_views,
        import_views,
        framework_views,
        assessment_views,
        result_views,
        rollout_views,
    ):
        app.register_blueprint(module.bp)
    cli.init_app(app)
