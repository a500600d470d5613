"""The list pages' phase counts kept per incubator and sponsor, indexes for their sorted pages; the page cache's data version dropped

Revision ID: 0022_phase_counts
Revises: 0021_commitment_conditions

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_phase_counts'
down_revision = '0021_commitment_conditions'
branch_labels = None
depends_on = None

# The counts as startups.kept.refresh_phase_counts writes them, from the cached current phases.
COUNT = """
INSERT INTO phase_counts (scope, scope_id, phase, startups)
SELECT 'incubator', coalesce(incubator_id, ''), coalesce(cached_phase, ''), count(*)
FROM startups WHERE archived_at IS NULL GROUP BY incubator_id, cached_phase
UNION ALL
SELECT 'sponsor', startup_sponsors.organisation_id, coalesce(startups.cached_phase, ''), count(*)
FROM startup_sponsors JOIN startups ON startups.id = startup_sponsors.startup_id
WHERE startups.archived_at IS NULL GROUP BY startup_sponsors.organisation_id, startups.cached_phase
"""


def upgrade():
    op.create_table('phase_counts',
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_id', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=False),
    sa.Column('startups', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'scope_id', 'phase', name=op.f('pk_phase_counts'))
    )
    op.execute(COUNT)
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.create_index('ix_startups_cached_phase_sort_name', ['cached_phase', 'sort_name'], unique=False)
        batch_op.create_index('ix_startups_incubator_id_sort_name', ['incubator_id', 'sort_name'], unique=False)
    op.drop_table('data_version')


def downgrade():
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': 'initial'}])
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.drop_index('ix_startups_incubator_id_sort_name')
        batch_op.drop_index('ix_startups_cached_phase_sort_name')
    op.drop_table('phase_counts')
