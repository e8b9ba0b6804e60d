"""Center's commune or ward (official post-2025 codes) and notices for the display

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('text_vi', sa.String(length=500), nullable=False),
    sa.Column('text_en', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['center_id'], ['center.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_center_id'), ['center_id'], unique=False)

    with op.batch_alter_table('center', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ward_code', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('province_code', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('center', schema=None) as batch_op:
        batch_op.drop_column('province_code')
        batch_op.drop_column('ward_code')

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_center_id'))

    op.drop_table('notice')
