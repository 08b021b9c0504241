"""card version: one counter row, bumped by every change to what a consumer page shows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:05:00

The stamp page's hot path compares it inside its UPDATE (traceability.stamps.cards), instead of
reading a version first (a Redis GET or a query per page before).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "card_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_version")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])


def downgrade():
    op.drop_table("card_version")
