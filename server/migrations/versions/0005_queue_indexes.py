"""Indexes for the issue path: people ahead and open counters are counted from indexes alone

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_queue", table_name="ticket")
    op.create_index(
        "ix_ticket_queue",
        "ticket",
        ["center_id", "service_day", "state", "category_id", "priority_group", "queued_at"],
    )
    op.create_index("ix_counter_category_category_id", "counter_category", ["category_id"])


def downgrade() -> None:
    op.drop_index("ix_counter_category_category_id", table_name="counter_category")
    op.drop_index("ix_ticket_queue", table_name="ticket")
    op.create_index("ix_ticket_queue", "ticket", ["center_id", "service_day", "state", "category_id"])
