"""`flask exchange …`: send to and fetch from the other systems of `EXCHANGE_SYSTEMS`.

    flask --app wsgi exchange systems
    flask --app wsgi exchange export SYSTEM (--product GTIN | --all-unlisted)
    flask --app wsgi exchange push SYSTEM (--batch ID | --since YYYY-MM-DD)
    flask --app wsgi exchange pull SYSTEM [--product GTIN] [--as EMAIL]

Each prints one line per item (status, item, detail, reference) and a summary, in the process
locale's language (as `flask events`), commits once at the end, and exits 1 if any item failed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import PROVINCE_TZ
from core.extensions import db
from traceability.events.cli import _actor, _locale
from traceability.events.models import TraceEvent
from traceability.events.store import batch_events, not_declared_erroneous
from traceability.exchange import adapters
from traceability.exchange.adapters.base import AdapterError, ItemResult
from traceability.registry.models import Batch, Product

exchange_cli = AppGroup("exchange", help="Exchange with other systems (EXCHANGE_SYSTEMS).")


def _adapter(system: str, email: str | None = None) -> adapters.Adapter:
    try:
        adapter = adapters.get(system)
    except AdapterError as exc:
        raise click.ClickException(str(exc)) from None
    if email is not None and hasattr(adapter, "actor"):
        adapter.actor = _actor(email)
    return adapter


def _product(gtin: str) -> Product:
    product = db.session.scalars(select(Product).where(Product.gtin == gtin.strip())).first()
    if product is None:
        raise click.ClickException(_("No product has the GTIN %(gtin)s.", gtin=gtin))
    return product


def _report(adapter: adapters.Adapter, results: list[ItemResult]) -> None:
    """Print the items and the summary; commit; exit 1 if any failed."""
    for result in results:
        line = f"{result.status:<11} {result.item}"
        if result.detail:
            line += f"  {result.detail}"
        if result.reference:
            line += f"  [{result.reference}]"
        click.echo(line)
    counts = Counter(result.status for result in results)
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    click.echo(_("%(count)s items: %(summary)s.", count=len(results), summary=summary or "—"))
    db.session.commit()
    adapter.committed()
    if counts["failed"]:
        raise SystemExit(1)


def _in_context(function):
    """Run a command in the process locale, in a request context (for the links of messages)."""

    def run(*args, **kwargs):
        base_url = current_app.config.get("BASE_URL") or "http://localhost"
        with current_app.test_request_context("/", base_url=base_url), force_locale(_locale()):
            return function(*args, **kwargs)

    run.__name__, run.__doc__ = function.__name__, function.__doc__
    return run


@exchange_cli.command("systems")
@_in_context
def systems_command() -> None:
    """List the configured systems."""
    names = adapters.names()
    if not names:
        click.echo(_("No system is configured (EXCHANGE_SYSTEMS)."))
    for name in names:
        try:
            click.echo(f"{name}: {adapters.get(name).describe()}")
        except AdapterError as exc:
            click.echo(f"{name}: {exc}")


@exchange_cli.command("export")
@click.argument("system")
@click.option("--product", "gtin", help="The product's GTIN.")
@click.option("--all-unlisted", is_flag=True, help="Every published product not yet listed.")
@_in_context
def export_command(system: str, gtin: str | None, all_unlisted: bool) -> None:
    """Send products' data to a system."""
    if bool(gtin) == all_unlisted:
        raise click.UsageError(_("Give either --product GTIN or --all-unlisted."))
    adapter = _adapter(system)
    if gtin:
        products = [_product(gtin)]
    else:
        from traceability.exchange import exports

        products = list(db.session.scalars(exports.not_listed()))
    results: list[ItemResult] = []
    for product in products:
        results += adapter.export_product(product)
    _report(adapter, results)


@exchange_cli.command("push")
@click.argument("system")
@click.option("--batch", "batch_id", type=int, help="A batch's id: its events.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Our events recorded since this day."
)
@_in_context
def push_command(system: str, batch_id: int | None, since: dt.datetime | None) -> None:
    """Send trace events to a system."""
    if (batch_id is None) == (since is None):
        raise click.UsageError(_("Give either --batch ID or --since YYYY-MM-DD."))
    adapter = _adapter(system)
    if batch_id is not None:
        if db.session.get(Batch, batch_id) is None:
            raise click.ClickException(_("There is no batch %(id)s.", id=batch_id))
        events = list(db.session.scalars(batch_events(batch_id, declarations=True)))
    else:
        start = dt.datetime.combine(since.date(), dt.time(), tzinfo=PROVINCE_TZ)
        events = list(
            db.session.scalars(
                select(TraceEvent)
                .where(
                    TraceEvent.record_time >= start.astimezone(dt.UTC),
                    TraceEvent.source != "remote",  # what others sent us is theirs to send
                    not_declared_erroneous(),
                )
                .order_by(TraceEvent.record_time, TraceEvent.id)
            )
        )
    _report(adapter, adapter.push_events(events))


@exchange_cli.command("pull")
@click.argument("system")
@click.option("--product", "gtin", help="Only this product's GTIN (default: every product).")
@click.option("--as", "email", help="Act as this staff account (listing results).")
@_in_context
def pull_command(system: str, gtin: str | None, email: str | None) -> None:
    """Fetch what a system says about our products."""
    adapter = _adapter(system, email)
    if gtin:
        products = [_product(gtin)]
    else:
        products = list(db.session.scalars(select(Product).order_by(Product.gtin)))
    _report(adapter, adapter.pull_status(products))


def init_app(app: Flask) -> None:
    app.cli.add_command(exchange_cli)
