"""Print jobs as rows: a restart loses none, and "printed" is what the printer confirmed

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNFINISHED = sa.text("state IN ('queued', 'printing', 'retrying')")


def upgrade() -> None:
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("printer", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued", "printing", "retrying", "printed", "sent", "expired", "failed", "replaced",
                name="printjobstate",
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.JSON(), nullable=True),
        sa.Column("public_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_print_job_printer_state", "print_job", ["printer", "state", "id"])
    op.create_index("ix_print_job_center_created", "print_job", ["center_id", "created_at"])
    op.create_index(
        "ux_print_job_unfinished",
        "print_job",
        ["ticket_id"],
        unique=True,
        sqlite_where=UNFINISHED,
        postgresql_where=UNFINISHED,
    )


def downgrade() -> None:
    op.drop_index("ux_print_job_unfinished", table_name="print_job")
    op.drop_index("ix_print_job_center_created", table_name="print_job")
    op.drop_index("ix_print_job_printer_state", table_name="print_job")
    op.drop_table("print_job")
    sa.Enum(name="printjobstate").drop(op.get_bind(), checkfirst=True)
