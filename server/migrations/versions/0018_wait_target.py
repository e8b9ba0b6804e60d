"""The center's wait target for the staffing advice (90% of citizens should wait less)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_target_minutes", sa.Integer(), nullable=False, server_default="15"))


def downgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.drop_column("wait_target_minutes")
