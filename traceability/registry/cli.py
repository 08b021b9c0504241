"""Registry commands: `flask --app wsgi demo load`."""

import click
from flask import Flask

from core.extensions import db

demo_cli = click.Group("demo", help="Demo data for trying the service.")


@demo_cli.command("load")
def load_demo_command():
    """Load demo producers, products and one account per role (idempotent)."""
    from traceability.registry.demo import DEMO_PASSWORD, demo_stamp_urls, load_demo

    try:
        added = load_demo()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if added:
        click.echo(f"demo data loaded; every demo account's password is {DEMO_PASSWORD}")
    else:
        click.echo("demo data already present: nothing changed")
    for what, url in demo_stamp_urls():
        click.echo(f"a demo stamp to scan ({what}): {url}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
