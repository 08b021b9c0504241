"""`flask --app wsgi retail shops import FILE [--only-valid]`."""

import click

shops_cli = click.Group("shops", help="Retail shops.")
