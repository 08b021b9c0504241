"""The `flask --app wsgi retail …` commands: shops import, framework check/publish, score, demo."""

import click
from flask import Flask

retail_cli = click.Group("retail", help="The retail digital transformation programme.")
demo_cli = click.Group("demo", help="Retail demo data (after `flask --app wsgi demo load`).")


@demo_cli.command("load")
def demo_load() -> None:
    """Load demo shops and assessments into the demo pilot wards (a second run changes nothing)."""
    from core.extensions import db
    from retail.demo import load_demo

    try:
        added = load_demo()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo("Retail demo loaded." if added else "Retail demo already present: nothing changed.")


def init_app(app: Flask) -> None:
    from retail.assessments.cli import framework_cli, score_command
    from retail.shops.cli import shops_cli

    retail_cli.add_command(shops_cli)
    retail_cli.add_command(framework_cli)
    retail_cli.add_command(score_command)
    retail_cli.add_command(demo_cli)
    app.cli.add_command(retail_cli)
