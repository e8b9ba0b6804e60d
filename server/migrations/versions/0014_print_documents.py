"""Print jobs that print a document other than a ticket (a dossier's appointment slip)

Revision ID: 0014
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

UNFINISHED = "state IN ('queued', 'printing', 'retrying')"


def upgrade() -> None:
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="ticket"))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("document", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # One unfinished job per ticket now means per ticket job: a slip of that ticket's dossier
    # may print meanwhile.
    op.drop_index("ux_print_job_unfinished", table_name="print_job")
    ticket_jobs = sa.text(f"{UNFINISHED} AND kind = 'ticket'")
    op.create_index(
        "ux_print_job_unfinished", "print_job", ["ticket_id"], unique=True,
        sqlite_where=ticket_jobs, postgresql_where=ticket_jobs,
    )  # fmt: skip
    documents = sa.text(f"{UNFINISHED} AND kind <> 'ticket'")
    op.create_index(
        "ux_print_job_unfinished_document", "print_job", ["center_id", "kind", "document"], unique=True,
        sqlite_where=documents, postgresql_where=documents,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ux_print_job_unfinished_document", table_name="print_job")
    op.drop_index("ux_print_job_unfinished", table_name="print_job")
    op.execute("DELETE FROM print_job WHERE kind <> 'ticket'")
    unfinished = sa.text(UNFINISHED)
    op.create_index(
        "ux_print_job_unfinished", "print_job", ["ticket_id"], unique=True,
        sqlite_where=unfinished, postgresql_where=unfinished,
    )  # fmt: skip
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_column("document")
        batch_op.drop_column("payload")
        batch_op.drop_column("kind")
