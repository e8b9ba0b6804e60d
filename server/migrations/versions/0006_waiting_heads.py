"""Partial indexes of waiting tickets and tickets in hand: call-next reads the head of each queue

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from server.models import TICKET_WAITING_INDEXES

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for index in TICKET_WAITING_INDEXES:
        op.create_index(
            index.name,
            "ticket",
            [c.name for c in index.columns],
            sqlite_where=index.dialect_options["sqlite"]["where"],
            postgresql_where=index.dialect_options["postgresql"]["where"],
        )


def downgrade() -> None:
    for index in TICKET_WAITING_INDEXES:
        op.drop_index(index.name, table_name="ticket")
