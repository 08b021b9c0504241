"""Operator commands."""

from sqlalchemy import func, select

from core.accounts.models import ApiToken, Role, User
from core.extensions import db
from traceability.registry.models import Producer, Product


def test_wards_load_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["wards", "load"])
    assert result.exit_code == 0
    assert "0 added, 95 refreshed" in result.output


def test_demo_load_adds_every_role_once(app, app_ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    producers = db.session.scalar(select(func.count()).select_from(Producer))
    products = db.session.scalar(select(func.count()).select_from(Product))
    assert producers >= 5 and products >= 6
    wards = set(db.session.scalars(select(Producer.ward_code)))
    assert len(wards) >= 5
    second = runner.invoke(args=["demo", "load"])
    assert "already present" in second.output
    assert db.session.scalar(select(func.count()).select_from(Product)) == products


def test_users_and_tokens_from_the_command_line(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "canbo@so.vn",
            "--name",
            "Cán bộ Sở",
            "--role",
            "staff",
            "--password",
            "mat-khau-so-1",
        ]
    )
    assert result.exit_code == 0, result.output
    token = runner.invoke(
        args=["tokens", "create", "--email", "canbo@so.vn", "--name", "kho dữ liệu"]
    )
    raw = token.output.strip()
    assert raw.startswith("dnt_")
    stored = db.session.scalar(select(ApiToken).join(User).where(User.email == "canbo@so.vn"))
    assert raw not in stored.token_hash
    listed = runner.invoke(args=["tokens", "list"])
    assert stored.token_prefix in listed.output and "usable" in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", stored.token_prefix])
    assert revoked.exit_code == 0
    db.session.refresh(stored)
    assert stored.revoked_at is not None


def test_cli_errors_say_what_is_wrong(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x",
            "--name",
            "",
            "--role",
            "officer",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "email" in result.output and "password" in result.output and "wards" in result.output
