"""`flask portal …`: the national-portal exchange from the command line.

`flask --app wsgi portal export [--out DIR]` writes the bulk export (every published product not
yet listed: `products.csv` and `products.json` in a ZIP) into DIR (default: the current
directory) and says how many products it holds and which lack items.
`flask --app wsgi portal import FILE [--only-valid] [--as EMAIL]` imports the portal's listing
results with the staff page's rules (`traceability.exchange.imports`), as the staff account
given with --as, or else as "the system" with staff's rights. It prints the row report and saves
in one transaction. Exit 0 when imported, 1 when refused or unreadable.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from core.errors import DomainError
from core.extensions import db
from traceability.events.cli import _actor, _locale
from traceability.exchange import exports, imports

portal_cli = AppGroup("portal", help="The national traceability portal (Circular 02/2024).")


@portal_cli.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="The directory to write the ZIP into.",
)
def export_command(out: Path) -> None:
    """Write the export of every published product not yet listed on the portal."""
    with force_locale(_locale()):
        bulk = exports.bulk_export()
        out.mkdir(parents=True, exist_ok=True)
        target = out / bulk.filename
        target.write_bytes(bulk.content)
        click.echo(
            ngettext(
                "%(num)s product exported to %(path)s.",
                "%(num)s products exported to %(path)s.",
                bulk.count,
                path=str(target),
            )
        )
        if bulk.incomplete:
            click.echo(
                ngettext(
                    "%(num)s product lacks items the portal needs:",
                    "%(num)s products lack items the portal needs:",
                    len(bulk.incomplete),
                )
            )
            for entry in bulk.incomplete:
                click.echo(f"  {entry['gtin']} {entry['name']}: {', '.join(entry['missing'])}")


@portal_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--only-valid", is_flag=True, help="Import the good rows, leave out the bad ones.")
@click.option("--as", "email", help="Act as this staff account.")
def import_command(path: Path, only_valid: bool, email: str | None) -> None:
    """Import the portal's listing results (CSV: GTIN, state, reference, date)."""
    with force_locale(_locale()):
        actor = _actor(email)
        try:
            report = imports.import_listing(path.read_bytes(), actor, only_valid=only_valid)
        except DomainError as exc:
            db.session.rollback()
            for messages in (exc.errors or {"": [exc.message]}).values():
                for message in messages:
                    click.echo(str(message), err=True)
            raise SystemExit(1) from None
        for row in report.rows:
            if row.errors:
                for error in row.errors:
                    click.echo(
                        _("Row %(row)s (%(field)s): %(reason)s", row=row.line, **error), err=True
                    )
        if report.refused:
            db.session.rollback()
            click.echo(
                ngettext(
                    "Nothing was imported: %(num)s row has a problem.",
                    "Nothing was imported: %(num)s rows have problems.",
                    report.bad_rows,
                ),
                err=True,
            )
            raise SystemExit(1)
        db.session.commit()
        click.echo(
            _(
                "%(saved)s products changed, %(same)s unchanged, %(bad)s rows left out.",
                saved=report.saved,
                same=report.unchanged,
                bad=report.bad_rows,
            )
        )


def init_app(app: Flask) -> None:
    app.cli.add_command(portal_cli)
