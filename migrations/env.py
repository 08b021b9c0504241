"""Alembic environment, run through Flask-Migrate (`flask --app wsgi db upgrade`)."""

import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db


def _skip_empty(context_, revision, directives):
    """Do not write an empty migration when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def _configure_args() -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", _skip_empty)
    # SQLite alters tables by copying them; batch mode does that for every ALTER.
    args.setdefault("render_as_batch", True)
    args.setdefault("compare_type", True)
    args.setdefault("on_version_apply", [_check_sqlite_references])
    return args


def run_migrations_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        **_configure_args(),
    )
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """Let batch mode copy a table that others refer to, without losing the rows referring to it.

    Batch mode on SQLite drops the old table; with foreign keys enforced (core.db turns them on),
    that drop deletes every row referring to it (ON DELETE CASCADE: a user's API tokens) or empties
    their column (SET NULL). The pragma is ignored inside a transaction, so it is switched on the
    driver's connection (autocommit, see core.db) before Alembic begins one; each migration's
    references are checked before it commits (_check_sqlite_references), and the connection goes
    back to the pool with enforcement on, or not at all.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        driver.execute("PRAGMA foreign_keys=ON")
        if driver.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            connection.invalidate()


def _check_sqlite_references(ctx, step, heads, run_args) -> None:
    """After each migration, inside its transaction: no row may point at a missing row."""
    if ctx.dialect.name == "sqlite":
        broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(
                f"{step}: rows with broken references (table, rowid, …): {broken[:10]}"
            )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # A caller (the tests) lends an open connection.
        context.configure(connection=connection, target_metadata=db.metadata, **_configure_args())
        with context.begin_transaction():
            context.run_migrations()
        return
    with db.engine.connect() as connection, _sqlite_foreign_keys_off(connection):
        context.configure(connection=connection, target_metadata=db.metadata, **_configure_args())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
