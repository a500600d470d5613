"""The tokens of the forms already sent, so that a form sent twice is recorded once (core/once.py)

Revision ID: 0036_sent_forms
Revises: 0035_money_visibility
"""
from alembic import op
import sqlalchemy as sa

from core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0036_sent_forms'
down_revision = '0035_money_visibility'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sent_forms',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_sent_forms')),
    )
    op.create_index(op.f('ix_sent_forms_sent_at'), 'sent_forms', ['sent_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sent_forms_sent_at'), table_name='sent_forms')
    op.drop_table('sent_forms')
