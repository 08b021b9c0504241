"""Trace events (EPCIS 2.0): recording on the batch pages and by CSV, the identifier index, event
hashes, the batch's journey; the EPCIS REST binding is `api/epcis/`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from traceability.events import cli, models, views  # noqa: F401

    app.register_blueprint(views.bp)
    cli.init_app(app)
