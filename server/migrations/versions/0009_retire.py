"""Counters and procedures can be retired (hidden, kept for history), as categories can

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("counter", "procedure"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    for table in ("procedure", "counter"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("active")
