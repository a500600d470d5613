"""Indicators asked for every month: each startup's reporting frequency

Revision ID: 0015_indicator_requests
Revises: 0014_decision_funds

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0015_indicator_requests'
down_revision = '0014_decision_funds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('indicator_reporting',
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('frequency', sa.Enum('mensuelle', 'trimestrielle', 'aucune', name='reporting', native_enum=False, length=40), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_indicator_reporting_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_indicator_reporting_updated_by_id_people')),
    sa.PrimaryKeyConstraint('startup_id', name=op.f('pk_indicator_reporting'))
    )
    with op.batch_alter_table('indicator_reporting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_reporting_updated_by_id'), ['updated_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('indicator_reporting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_reporting_updated_by_id'))
    op.drop_table('indicator_reporting')
