"""The data version: one token that every committed write replaces (core/cache.py)

Revision ID: 0009_data_version
Revises: 0008_presentations
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_data_version'
down_revision = '0008_presentations'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': 'initial'}])


def downgrade():
    op.drop_table('data_version')
