"""`flask events …`: trace events from the command line (demo journeys, CSV imports)."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

events_cli = AppGroup("events", help="Trace events (EPCIS 2.0).")


def init_app(app: Flask) -> None:
    app.cli.add_command(events_cli)
