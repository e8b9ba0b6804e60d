"""The wall displays' sound (muted, volume) is a center setting staff change while they run

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_muted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("display_volume", sa.Integer(), nullable=False, server_default="100"))


def downgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.drop_column("display_volume")
        batch_op.drop_column("display_muted")
