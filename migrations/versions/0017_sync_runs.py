"""The runs of the daily synchronisation from beta.gouv.fr

Revision ID: 0017_sync_runs
Revises: 0016_fiche_history

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0017_sync_runs'
down_revision = '0016_fiche_history'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.Enum('ok', 'a_regler', 'echec', name='syncstatus', native_enum=False, length=40), nullable=False),
    sa.Column('revision', sa.String(length=100), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('archived', sa.JSON(), nullable=False),
    sa.Column('restored', sa.JSON(), nullable=False),
    sa.Column('alerted_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_runs_started_at'))
    op.drop_table('sync_runs')
