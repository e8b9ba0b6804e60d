"""Centers close on Vietnam's public holidays unless told otherwise

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observe_public_holidays", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.drop_column("observe_public_holidays")
