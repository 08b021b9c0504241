"""Retail shops, assessment frameworks, assessments and the ward roll-out (not built yet)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet: the retail programme arrives with its own issue."""
