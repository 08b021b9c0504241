"""boolean server defaults

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (table, column, server default): the models' bool_true / bool_false columns (core.db).
BOOLEANS = (
    ('stamp_orders', 'activation_required', sa.false()),
    ('stamps', 'flagged', sa.false()),
    ('users', 'is_active', sa.true()),
)


def upgrade():
    for table, column, default in BOOLEANS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.Boolean(), existing_nullable=False, server_default=default
            )


def downgrade():
    for table, column, _default in reversed(BOOLEANS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.Boolean(), existing_nullable=False, server_default=None
            )
