"""A counter has one officer, a pause has a reason, a ticket records who called and ended it

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PAUSE_REASON = sa.Enum("lunch", "meeting", "system_fault", "other", name="pausereason")


def _add_user_reference(table: str, column: str) -> None:
    """A nullable column referring to a user, added in place: no copy of the table (the
    ticket table is the big one, with its partial indexes)."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one ALTER; alembic would copy the table.
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES "user" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(None, table, "user", [column], ["id"])


def upgrade() -> None:
    # PostgreSQL's enums are types of their own, made before a column of theirs is added
    # (create_table makes them itself); SQLite has none, and this does nothing there.
    PAUSE_REASON.create(op.get_bind(), checkfirst=True)
    op.add_column("counter", sa.Column("pause_reason", PAUSE_REASON, nullable=True))
    _add_user_reference("counter", "officer_id")
    op.add_column("counter", sa.Column("officer_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column("counter", sa.Column("officer_since", sa.DateTime(timezone=True), nullable=True))
    _add_user_reference("ticket", "called_by")
    _add_user_reference("ticket", "ended_by")


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("ended_by")
        batch_op.drop_column("called_by")
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_column("officer_since")
        batch_op.drop_column("officer_name")
        batch_op.drop_column("officer_id")
        batch_op.drop_column("pause_reason")
    PAUSE_REASON.drop(op.get_bind(), checkfirst=True)
