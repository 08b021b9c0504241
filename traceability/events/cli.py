"""`flask events …`: trace events from the command line (demo journeys, CSV imports).

`flask --app wsgi events import FILE --batch ID [--only-valid] [--as EMAIL]` records a batch's
steps from a CSV file with the batch page's rules (`traceability.events.imports`), as the
account given with --as (the batch's producer or staff), or else as "the system" with staff's
rights (the events then name no recorder). It prints the row report in the process locale's
language (English when LC_ALL, LC_MESSAGES or LANG starts with "en", Vietnamese otherwise) and
saves in one transaction. Exit 0 when imported, 1 when refused or unreadable.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from core import access
from core.accounts.models import Role, User
from core.errors import DomainError
from core.extensions import db
from traceability.events import imports
from traceability.registry.models import Batch

events_cli = AppGroup("events", help="Trace events (EPCIS 2.0).")


def _locale() -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def _actor(email: str | None) -> User:
    if not email:
        # Staff's rights without an account: never saved, so its events name no recorder.
        return User(role=Role.STAFF, full_name="system", email="", is_active=True)
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()
    if user is None or not user.is_active:
        raise click.ClickException(_("No active account has the email %(email)s.", email=email))
    return user


@events_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", "batch_id", type=int, required=True, help="The batch's id.")
@click.option("--only-valid", is_flag=True, help="Import the good rows, leave out the bad ones.")
@click.option("--as", "email", help="Act as this account (the batch's producer or staff).")
def import_command(path: Path, batch_id: int, only_valid: bool, email: str | None) -> None:
    """Record a batch's steps from a CSV file (the batch page's template)."""
    with force_locale(_locale()):
        actor = _actor(email)
        batch = db.session.get(Batch, batch_id)
        if batch is None or not access.can_write(actor, batch):
            raise click.ClickException(
                _("No batch %(id)s that this account may change.", id=batch_id)
            )
        try:
            report = imports.import_csv(path.read_bytes(), batch, actor, only_valid=only_valid)
        except DomainError as exc:
            db.session.rollback()
            for messages in (exc.errors or {"": [exc.message]}).values():
                for message in messages:
                    click.echo(str(message), err=True)
            raise SystemExit(1) from None
        for item in report.errors:
            click.echo(
                _("Row %(row)s, %(column)s: %(reason)s", column=item["field"] or "—", **item)
            )
        click.echo(
            _(
                "%(file)s: %(rows)s rows, %(stored)s steps recorded, %(skipped)s already "
                "recorded, %(bad)s rows with problems.",
                file=path.name,
                rows=report.total,
                stored=report.stored,
                skipped=len(report.skipped),
                bad=report.bad_rows,
            )
        )
        if report.refused:
            db.session.rollback()
            click.echo(_("Nothing was imported: fix the rows above, or use --only-valid."))
            raise SystemExit(1)
        db.session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(events_cli)
