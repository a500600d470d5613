"""Indicators

Revision ID: 0004_indicators
Revises: 0003_audit
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0004_indicators'
down_revision = '0003_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('direction', sa.Enum('higher', 'lower', name='direction', native_enum=False, length=40), nullable=False),
    sa.Column('frequency', sa.Enum('monthly', 'quarterly', 'yearly', name='frequency', native_enum=False, length=40), nullable=False),
    sa.Column('category', sa.Enum('north_star', 'acquisition', 'activation', 'retention', 'recommendation', 'revenue', 'utilisable', 'utilise', 'utile', 'impactant', 'efficient', name='category', native_enum=False, length=40), nullable=False),
    sa.Column('kind', sa.Enum('manual', 'active_users', 'cost_per_use', name='indicatorkind', native_enum=False, length=40), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('allow_negative', sa.Boolean(), nullable=False),
    sa.Column('is_north_star', sa.Boolean(), nullable=False),
    sa.Column('is_mandatory', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_indicators_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index('uq_indicators_north_star', ['startup_id'], unique=True, sqlite_where=sa.text('is_north_star'), postgresql_where=sa.text('is_north_star'))
        batch_op.create_index('uq_indicators_special_kind', ['startup_id', 'kind'], unique=True, sqlite_where=sa.text("kind <> 'manual' AND archived_at IS NULL"), postgresql_where=sa.text("kind <> 'manual' AND archived_at IS NULL"))

    op.create_table('startup_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_eur', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['people.id'], name=op.f('fk_startup_budgets_entered_by_id_people')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_startup_budgets_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_startup_budgets')),
    sa.UniqueConstraint('startup_id', 'year', name=op.f('uq_startup_budgets_startup_id'))
    )
    with op.batch_alter_table('startup_budgets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_startup_budgets_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_startup_budgets_startup_id'), ['startup_id'], unique=False)

    op.create_table('indicator_objectives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('target_value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('set_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_objectives_indicator_id_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_indicator_objectives_set_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_objectives'))
    )
    with op.batch_alter_table('indicator_objectives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_objectives_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_objectives_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_objectives_set_by_id'), ['set_by_id'], unique=False)

    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['people.id'], name=op.f('fk_indicator_values_entered_by_id_people')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_values_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values')),
    sa.UniqueConstraint('indicator_id', 'period_start', name=op.f('uq_indicator_values_indicator_id'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_values_indicator_id'), ['indicator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_values_entered_by_id'))

    op.drop_table('indicator_values')
    with op.batch_alter_table('indicator_objectives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_objectives_set_by_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_objectives_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_objectives_committee_id'))

    op.drop_table('indicator_objectives')
    with op.batch_alter_table('startup_budgets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_startup_budgets_startup_id'))
        batch_op.drop_index(batch_op.f('ix_startup_budgets_entered_by_id'))

    op.drop_table('startup_budgets')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index('uq_indicators_special_kind')
        batch_op.drop_index('uq_indicators_north_star')
        batch_op.drop_index(batch_op.f('ix_indicators_startup_id'))

    op.drop_table('indicators')
