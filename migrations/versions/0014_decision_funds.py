"""What the conventions still held for the startup when a committee's decision was recorded

`committee_decisions.funds_available_eur`: in whole euros (as the envelope), the AE released and not yet
delivered on the startup's open conventions that year (the committee pack's « encore disponible »), stored
when the decision is recorded and kept on sign-off; NULL when the startup had no convention, and for the
decisions recorded before.

Revision ID: 0014_decision_funds
Revises: 0013_conventions
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_decision_funds'
down_revision = '0013_conventions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('committee_decisions') as batch:
        batch.add_column(sa.Column('funds_available_eur', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('committee_decisions') as batch:
        batch.drop_column('funds_available_eur')
