"""Province accounts: the role, the account's province, centers found by province

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ROLE = sa.Enum("admin", "leader", "staff", name="role")
_NEW_ROLE = sa.Enum("admin", "leader", "staff", "province", name="role")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # a native enum there
        op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'province'")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        if not postgresql:  # elsewhere text as long as the longest role (no CHECK)
            batch_op.alter_column("role", existing_type=_ROLE, type_=_NEW_ROLE, existing_nullable=False)
    op.create_index(op.f("ix_center_province_code"), "center", ["province_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_center_province_code"), table_name="center")
    with op.batch_alter_table("user", schema=None) as batch_op:
        if op.get_bind().dialect.name != "postgresql":
            batch_op.alter_column("role", existing_type=_NEW_ROLE, type_=_ROLE, existing_nullable=False)
        batch_op.drop_column("province_code")
