"""Committees

Revision ID: 0005_committees
Revises: 0004_indicators
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0005_committees'
down_revision = '0004_indicators'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('committees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('fin_investigation', 'semestriel', 'fin_construction', 'fin_acceleration', 'extraordinaire', name='committeekind', native_enum=False, length=40), nullable=False),
    sa.Column('status', sa.Enum('a_planifier', 'planifie', 'tenu', 'decide', 'valide', 'annule', name='committeestatus', native_enum=False, length=40), nullable=False),
    sa.Column('scheduled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_link', sa.String(length=1000), nullable=True),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chair_id'], ['people.id'], name=op.f('fk_committees_chair_id_people')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_committees_startup_id_startups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committees'))
    )
    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committees_chair_id'), ['chair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committees_scheduled_at'), ['scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_committees_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committees_status'), ['status'], unique=False)

    op.create_table('committee_action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('carried_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carried_into_id'], ['committees.id'], name=op.f('fk_committee_action_items_carried_into_id_committees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_action_items_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_committee_action_items_owner_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_action_items'))
    )
    with op.batch_alter_table('committee_action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_action_items_carried_into_id'), ['carried_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_action_items_committee_id'), ['committee_id'], unique=False)

    op.create_table('committee_calendar_tokens',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_committee_calendar_tokens_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_committee_calendar_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_committee_calendar_tokens_token'))
    )

    op.create_table('committee_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('poursuite', 'poursuite_budget_reduit', 'renouvellement_provisoire', 'pivot', 'maintenance', 'arret', 'phase_suivante', 'dormance', 'reorientation', name='decisionkind', native_enum=False, length=40), nullable=False),
    sa.Column('next_phase', sa.Enum('investigation', 'construction', 'acceleration', 'consolidation', 'opere', 'transfere', 'abandon-investigation', 'abandon', name='phase', native_enum=False, length=40), nullable=True),
    sa.Column('envelope_eur', sa.Integer(), nullable=True),
    sa.Column('team_size', sa.Integer(), nullable=True),
    sa.Column('hypotheses', sa.Text(), nullable=True),
    sa.Column('success_criteria', sa.Text(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('next_committee_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sign_off', sa.Enum('en_attente', 'valide', 'conteste', name='signoff', native_enum=False, length=40), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contest_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_decisions_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_committee_decisions_decided_by_id_people')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['people.id'], name=op.f('fk_committee_decisions_signed_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_decisions')),
    sa.UniqueConstraint('committee_id', name=op.f('uq_committee_decisions_committee_id'))
    )
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_decisions_sign_off'), ['sign_off'], unique=False)

    op.create_table('committee_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('intrapreneur', 'sponsor', 'responsable_incubateur', 'coach', 'responsable_portefeuille', 'membre_equipe', 'autre', name='participantrole', native_enum=False, length=40), nullable=False),
    sa.Column('attendance', sa.Enum('present', 'excuse', 'absent', name='attendance', native_enum=False, length=40), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_participants_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_committee_participants_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_participants')),
    sa.UniqueConstraint('committee_id', 'person_id', name=op.f('uq_committee_participants_committee_id'))
    )
    with op.batch_alter_table('committee_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_participants_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_participants_person_id'), ['person_id'], unique=False)


def downgrade():
    op.drop_table('committee_calendar_tokens')
    with op.batch_alter_table('committee_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_participants_person_id'))
        batch_op.drop_index(batch_op.f('ix_committee_participants_committee_id'))

    op.drop_table('committee_participants')
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_decisions_sign_off'))

    op.drop_table('committee_decisions')
    with op.batch_alter_table('committee_action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_action_items_committee_id'))
        batch_op.drop_index(batch_op.f('ix_committee_action_items_carried_into_id'))

    op.drop_table('committee_action_items')
    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committees_status'))
        batch_op.drop_index(batch_op.f('ix_committees_startup_id'))
        batch_op.drop_index(batch_op.f('ix_committees_scheduled_at'))
        batch_op.drop_index(batch_op.f('ix_committees_chair_id'))

    op.drop_table('committees')
