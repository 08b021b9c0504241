"""Indicators, targets, dashboards and exports (not built yet)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet: indicators arrive with their own issue."""
