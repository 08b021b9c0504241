"""Retail shops, assessment frameworks, assessments and the ward roll-out."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the retail models (metadata), pages and CLI commands."""
    from retail.assessments import models as assessment_models  # noqa: F401
    from retail.rollout import models as rollout_models  # noqa: F401
    from retail.shops import models as shop_models  # noqa: F401
