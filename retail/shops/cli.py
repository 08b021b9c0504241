"""`flask --app wsgi retail shops import FILE [--only-valid] [--as EMAIL]`.

The command acts as the account given with --as (staff or admin: any ward; an officer: its
wards only), or else as "the system", with staff's rights; the import and its shops then name no
creator. It checks every row, prints the row report (in the language of the process locale:
English when LC_ALL, LC_MESSAGES or LANG starts with "en", Vietnamese otherwise) and saves in
one transaction. Exit 0 when imported (with --only-valid, also when bad rows were left out),
1 when refused: bad rows without --only-valid, or a file that cannot be read.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from core import access
from core.accounts.models import Role, User
from core.errors import DomainError
from core.extensions import db
from retail.shops import imports
from retail.shops.models import ImportState, ShopImport

shops_cli = click.Group("shops", help="Retail shops.")


def cli_locale() -> str:
    """The process locale's language: en for English, vi for anything else (the default)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def system_actor() -> User:
    """Staff's rights without an account: never saved, so rows it makes name no creator."""
    return User(role=Role.STAFF, full_name="system", email="", is_active=True)


def _actor(email: str | None) -> User:
    if not email:
        return system_actor()
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()
    if user is None or not user.is_active:
        raise click.ClickException(_("No active account has the email %(email)s.", email=email))
    try:
        access.require_retail_role(user)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    return user


def _echo_report(record: ShopImport) -> None:
    report = record.report or {}
    for item in report.get("errors", []):
        click.echo(_("Row %(row)s, %(column)s: %(reason)s", column=item["field"] or "—", **item))
    for item in report.get("warnings", []):
        click.echo(_("Warning, row %(row)s, %(column)s: %(reason)s", column=item["field"], **item))
    for item in report.get("skipped", []):
        click.echo(_("Row %(row)s: already registered (shop #%(shop_id)s), skipped.", **item))
    click.echo(
        _(
            "%(file)s: %(rows)s rows, %(created)s shops added, %(skipped)s already registered, "
            "%(bad)s rows with problems.",
            file=record.filename,
            rows=record.total_rows,
            created=record.created_shops,
            skipped=record.skipped_rows,
            bad=report.get("bad_rows", 0),
        )
    )
    if record.state is ImportState.REFUSED:
        click.echo(
            _(
                "Nothing was imported: fix the rows above and run the command again, or add "
                "--only-valid to import only the good rows."
            )
        )


def _progress(total: int):
    def report(done: int) -> None:
        if done % 1000 == 0:
            click.echo(_("%(done)s of %(n)s rows checked…", done=done, n=total), err=True)

    return report


@shops_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--only-valid",
    is_flag=True,
    help="Import the good rows and leave out the bad ones (default: any bad row saves nothing).",
)
@click.option(
    "--as",
    "email",
    metavar="EMAIL",
    help="Act as this staff, admin or officer account (default: the system, with staff's rights).",
)
def import_command(path: Path, only_valid: bool, email: str | None):
    """Import shops from a CSV or XLSX file (columns as in the page's template)."""
    locale = cli_locale()
    with force_locale(locale):
        actor = _actor(email)
        try:
            rows = imports.read_file(path.read_bytes())
            record = imports.import_now(
                rows,
                actor,
                filename=path.name,
                only_valid=only_valid,
                locale=locale,
                progress=_progress(len(rows)),
            )
        except DomainError as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    click.echo(message, err=True)
            if not exc.errors:
                click.echo(str(exc.message), err=True)
            click.get_current_context().exit(1)
        db.session.commit()
        _echo_report(record)
    click.get_current_context().exit(0 if record.state is ImportState.DONE else 1)
