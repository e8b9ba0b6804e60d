"""Citizens' ratings of a ticket's service, and the rating screen as a kind of device

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A native enum there; SQLite keeps the kind as text (no CHECK), nothing to change.
        op.execute("ALTER TYPE devicekind ADD VALUE IF NOT EXISTS 'rating'")
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column(
            "level",
            sa.Enum("very_satisfied", "satisfied", "neutral", "dissatisfied", name="ratinglevel"),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source", sa.Enum("counter", "phone", name="ratingsource"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["counter_id"], ["counter.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index("ix_rating_center_day", "rating", ["center_id", "service_day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rating_center_day", table_name="rating")
    op.drop_table("rating")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS ratinglevel")
        op.execute("DROP TYPE IF EXISTS ratingsource")
