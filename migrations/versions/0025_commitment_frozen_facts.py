"""What Jalons checked of the commitments when a committee was held, frozen for its pack

Revision ID: 0025_commitment_frozen_facts
Revises: 0024_committee_convention

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0025_commitment_frozen_facts'
down_revision = '0024_committee_convention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commitment_frozen_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('frozen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_commitment_frozen_facts_committee_id_committees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_frozen_facts')),
    sa.UniqueConstraint('committee_id', name=op.f('uq_commitment_frozen_facts_committee_id'))
    )


def downgrade():
    op.drop_table('commitment_frozen_facts')
