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


# Its own connection: the per-test transaction would hold SQLite's write lock.
@pytest.mark.no_db_isolation
def test_the_models_match_the_migrations(app):
    """A model change without a migration shows up here as a difference."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
