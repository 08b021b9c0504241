"""Migrations are the schema: they build it, take it down, and match the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from core.extensions import db
from tests.conftest import make_test_app

TABLES = {
    "users",
    "api_tokens",
    "wards",
    "ward_statuses",
    "officer_wards",
    "audit_log",
    "producers",
    "products",
    "product_images",
    "sites",
    "batches",
}


def test_upgrade_downgrade_upgrade_on_a_fresh_database(fresh_database, tmp_path):
    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) >= TABLES
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) >= TABLES
        db.engine.dispose()


def _same_server_default(
    context, inspected_column, metadata_column, inspected_default, metadata_default, rendered
):
    """Alembic's SQLite comparison reads `server_default=""` back as ('') and reports a change."""
    empty = context.dialect.name == "sqlite" and rendered in ("", "''")
    if empty and inspected_default in ("''", "('')"):
        return False
    return None  # Alembic's own comparison


# Its own connection: the per-test transaction would hold SQLite's write lock.
@pytest.mark.no_db_isolation
def test_the_models_match_the_migrations(app):
    """A model change without a migration shows up here as a difference (types and defaults)."""
    options = {"compare_type": True, "compare_server_default": _same_server_default}
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_booleans_have_their_default_in_the_database(fresh_database, tmp_path):
    """Rows written without the ORM (a migration, psql) get the models' defaults."""
    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, full_name, password_hash, role)"
                    " VALUES ('a@example.vn', 'A', 'x', 'admin')"
                )
            )
            active = connection.execute(sa.text("SELECT is_active FROM users")).scalar_one()
        assert active is True or active == 1
        db.engine.dispose()


def test_copying_a_table_keeps_the_rows_that_refer_to_it(fresh_database, tmp_path):
    """0004 copies `users` on SQLite (batch mode): its API tokens must not be cascaded away."""
    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, full_name, password_hash, role, is_active)"
                    " VALUES (1, 'a@example.vn', 'A', 'x', 'admin', true)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO api_tokens (user_id, name, token_prefix, token_hash)"
                    " VALUES (1, 'scanner', 'dnt_abc', 'h')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            tokens = connection.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar_one()
            if connection.dialect.name == "sqlite":
                enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
                assert enforced == 1, "foreign keys are enforced again after a migration"
        assert tokens == 1
        db.engine.dispose()
