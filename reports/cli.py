"""The `flask --app wsgi reports …` commands: snapshot (the month-end run), backfill, show."""

from __future__ import annotations

import click
from flask import Flask

reports_cli = click.Group("reports", help="Indicators, snapshots and reports.")


def _period(text: str):
    from reports.indicators.periods import BadPeriod, Period

    try:
        return Period.parse(text)
    except BadPeriod as exc:
        raise click.BadParameter(str(exc)) from None


@reports_cli.command("snapshot")
@click.option("--period", "period_text", help="Only this period (2026-11, 2026-Q4, 2026).")
def snapshot_command(period_text: str | None) -> None:
    """Close every finished month, quarter and year that has no closing snapshot, and refresh the
    running ones (run it from cron after midnight on the 1st, or hourly)."""
    from core.errors import Conflict
    from core.extensions import db
    from reports.indicators import snapshots

    try:
        if period_text:
            taken = [snapshots.take(_period(period_text))]
        else:
            taken = snapshots.close_finished()
    except Conflict as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for item in taken:
        click.echo(f"{item.period_key:8} {item.kind:8} as of {item.as_of}  ({item.seconds} s)")


@reports_cli.command("backfill")
@click.option("--from", "first", required=True, help="First month, e.g. 2026-01.")
@click.option("--to", "last", required=True, help="Last month, e.g. 2026-10.")
def backfill_command(first: str, last: str) -> None:
    """Rebuild past months (and the quarters and years they end) from the records' own dates.
    Closing snapshots are kept: a report already sent reads what it read then."""
    from core.errors import Conflict
    from core.extensions import db
    from reports.indicators import snapshots

    try:
        taken = snapshots.backfill(_period(first), _period(last))
    except Conflict as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{len(taken)} snapshots rebuilt ({first} → {last}).")


demo_cli = click.Group("demo", help="Reports demo data (after the registry and retail demos).")


@demo_cli.command("load")
def demo_load() -> None:
    """Give the demo months of history and take their snapshots (a second run changes nothing)."""
    from core.extensions import db
    from reports.demo import load_demo

    try:
        added = load_demo()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        "Reports demo loaded." if added else "Reports demo already present: nothing changed."
    )


def init_app(app: Flask) -> None:
    reports_cli.add_command(demo_cli)
    app.cli.add_command(reports_cli)
