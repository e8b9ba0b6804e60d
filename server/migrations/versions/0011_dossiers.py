"""Dossiers received at a counter, and the center's settings for their return dates

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DOSSIER_STATE = sa.Enum("received", "processing", "needs_more", "ready", "returned", "rejected", name="dossierstate")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_data_retention_days", sa.Integer(), nullable=False, server_default="30"))
        batch_op.add_column(sa.Column("afternoon_cutoff", _text(5), nullable=True))
        batch_op.add_column(sa.Column("days_off", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("working_saturdays", sa.JSON(), server_default="[]", nullable=False))
    op.create_table(
        "dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("officer_name", _text(64), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(40), nullable=False),
        sa.Column("token", _text(64), nullable=False),
        sa.Column("citizen_name", _text(120), nullable=True),
        sa.Column("citizen_phone", _text(20), nullable=True),
        sa.Column("state", DOSSIER_STATE, nullable=False),
        sa.Column("missing_documents", _text(1000), nullable=False),
        sa.Column("reject_reason", _text(1000), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_from", sa.Date(), nullable=False),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.Column("stood_still_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("processing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs_more_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["counter_id"], ["counter.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedure.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "code"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_center_state_due", ["center_id", "state", "due_date"], unique=False)
        batch_op.create_index("ix_dossier_purge", ["purge_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("dossier")
    DOSSIER_STATE.drop(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("center", schema=None) as batch_op:
        for column in ("working_saturdays", "days_off", "afternoon_cutoff", "personal_data_retention_days"):
            batch_op.drop_column(column)
