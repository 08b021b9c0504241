"""The `flask --app wsgi retail …` commands: shops import, framework check/publish, score."""

import click
from flask import Flask

retail_cli = click.Group("retail", help="The retail digital transformation programme.")


def init_app(app: Flask) -> None:
    from retail.assessments.cli import framework_cli, score_command
    from retail.shops.cli import shops_cli

    retail_cli.add_command(shops_cli)
    retail_cli.add_command(framework_cli)
    retail_cli.add_command(score_command)
    app.cli.add_command(retail_cli)
