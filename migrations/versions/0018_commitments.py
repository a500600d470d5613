"""The partner's commitments per startup: statements with evidence, risk workshops and their reminders

Revision ID: 0018_commitments
Revises: 0017_sync_runs

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0018_commitments'
down_revision = '0017_sync_runs'
branch_labels = None
depends_on = None

KINDS = ('fiche', 'code_ouvert', 'donnees_personnelles', 'statistiques', 'analyse_risques', 'proconnect',
         'observatoire', 'je_donne_mon_avis', 'accessibilite')


def upgrade():
    op.create_table('commitment_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('tenu', 'en_partie', 'non_tenu', 'sans_objet', name='state', native_enum=False, length=40), nullable=False),
    sa.Column('why', sa.Text(), nullable=True),
    sa.Column('evidence_url', sa.String(length=1000), nullable=True),
    sa.Column('evidence_note', sa.Text(), nullable=True),
    sa.Column('evidence_on', sa.Date(), nullable=True),
    sa.Column('stated_by_id', sa.Integer(), nullable=True),
    sa.Column('stated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_commitment_statements_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stated_by_id'], ['people.id'], name=op.f('fk_commitment_statements_stated_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_statements'))
    )
    with op.batch_alter_table('commitment_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_statements_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_statements_stated_by_id'), ['stated_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_statements_stated_at'), ['stated_at'], unique=False)

    op.create_table('risk_workshops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('residual_risks', sa.Text(), nullable=True),
    sa.Column('next_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_risk_workshops_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_risk_workshops_recorded_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_workshops'))
    )
    with op.batch_alter_table('risk_workshops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_workshops_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_workshops_held_on'), ['held_on'], unique=False)

    op.create_table('risk_workshop_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_risk_workshop_reminders_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_risk_workshop_reminders_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_workshop_reminders')),
    sa.UniqueConstraint('startup_id', 'person_id', 'due_on', name=op.f('uq_risk_workshop_reminders_startup_id'))
    )
    with op.batch_alter_table('risk_workshop_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_workshop_reminders_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_workshop_reminders_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_workshop_reminders_status'), ['status'], unique=False)


def downgrade():
    op.drop_table('risk_workshop_reminders')
    op.drop_table('risk_workshops')
    op.drop_table('commitment_statements')
