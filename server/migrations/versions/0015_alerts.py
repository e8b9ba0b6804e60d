"""Alerts for the leader and the consoles: a category's wait limit, a center's pause limit,
and since when a counter is paused

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_alert_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_alert_minutes", sa.Integer(), nullable=False, server_default="30"))
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_column("paused_at")
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.drop_column("pause_alert_minutes")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("wait_alert_minutes")
