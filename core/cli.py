"""Operator commands: `flask --app wsgi wards load`, `users create`, `tokens create` …"""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from core.accounts import services as accounts
from core.accounts.models import ApiToken, Role, User
from core.config import base_url_warning
from core.errors import DomainError
from core.extensions import db
from core.wards import services as wards

wards_cli = click.Group("wards", help="The 95 commune-level units.")
users_cli = click.Group("users", help="User accounts.")
tokens_cli = click.Group("tokens", help="API tokens.")


def fail(exc: DomainError) -> None:
    db.session.rollback()
    details = "; ".join(f"{f}: {', '.join(m)}" for f, m in exc.errors.items()) or exc.message
    raise click.ClickException(str(details))


@wards_cli.command("load")
def load_wards_command():
    """Load or refresh the wards from the project's reference list (idempotent)."""
    created, updated = wards.load_wards()
    db.session.commit()
    click.echo(f"wards: {created} added, {updated} refreshed")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role if r is not Role.PRODUCER]))
@click.option("--ward", "ward_codes", multiple=True, help="Ward code (officers; repeatable).")
@click.password_option()
def create_user_command(email, full_name, role, ward_codes, password):
    """Create a staff, officer or admin account (producers sign up on the site)."""
    try:
        user = accounts.create_user(
            email=email,
            password=password,
            full_name=full_name,
            role=Role(role),
            ward_codes=list(ward_codes),
        )
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"created {user.role.value} {user.email}")


@users_cli.command("reset-link")
@click.option("--email", required=True)
def reset_link_command(email):
    """Print a one-time password-reset link (e.g. for an admin who forgot their password)."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    try:
        token = accounts.create_reset_token(user, None)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    hours = accounts.reset_link_max_age() // 3600
    click.echo(f"{current_app.config['BASE_URL'].rstrip('/')}/reset/{token}")
    click.echo(f"valid once, for {hours} hours", err=True)


@tokens_cli.command("create")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
@click.option("--days", type=int, default=None, help="Expire after this many days.")
def create_token_command(email, name, days):
    """Create an API token and print it once."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    try:
        _token, raw = accounts.create_token(user, name, expires_in_days=days)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(raw)


@tokens_cli.command("revoke")
@click.argument("prefix")
def revoke_token_command(prefix):
    """Revoke the token whose shown prefix (first 10 characters) is PREFIX."""
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.token_prefix == prefix)).all()
    if len(tokens) != 1:
        raise click.ClickException(f"{len(tokens)} tokens match {prefix!r}; expected exactly one")
    accounts.revoke_token(tokens[0], tokens[0].user)
    db.session.commit()
    click.echo(f"revoked {prefix}")


@tokens_cli.command("list")
@click.option("--email", default=None)
def list_tokens_command(email):
    """List tokens (prefix, owner, name, state)."""
    stmt = select(ApiToken).join(User).order_by(ApiToken.id)
    if email:
        stmt = stmt.where(User.email == accounts.normalise_email(email))
    for t in db.session.scalars(stmt):
        state = "revoked" if t.revoked_at else ("usable" if t.is_usable else "expired")
        click.echo(f"{t.token_prefix}\t{t.user.email}\t{t.name}\t{state}")


@click.command("base-url")
def base_url_command():
    """Print the address QR stamps and links use; warn when phones cannot reach it."""
    click.echo(f"QR stamps and links use BASE_URL={current_app.config['BASE_URL']}")
    warning = base_url_warning(current_app.config)
    if warning:
        click.secho(warning, err=True, fg="yellow", bold=True)


def init_app(app: Flask) -> None:
    for group in (wards_cli, users_cli, tokens_cli):
        app.cli.add_command(group)
    app.cli.add_command(base_url_command)
