"""Committees held otherwise than the convention says: the stated reason

Revision ID: 0024_committee_convention
Revises: 0023_committee_due

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_committee_convention'
down_revision = '0023_committee_due'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('committees') as batch_op:
        batch_op.add_column(sa.Column('convention_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('committees') as batch_op:
        batch_op.drop_column('convention_reason')
