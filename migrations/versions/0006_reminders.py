"""Committee reminders

Revision ID: 0006_reminders
Revises: 0005_committees
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0006_reminders'
down_revision = '0005_committees'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('committee_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('comite_a_planifier', 'presentation_a_preparer', 'dossier_a_lire', 'decision_a_saisir', 'decision_a_valider', name='reminderkind', native_enum=False, length=40), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('a_envoyer', 'envoye', 'echec', name='reminderstatus', native_enum=False, length=40), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_reminders_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_committee_reminders_person_id_people')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_committee_reminders_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_reminders'))
    )
    with op.batch_alter_table('committee_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_reminders_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_reminders_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_reminders_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_reminders_status'), ['status'], unique=False)
        batch_op.create_index('ux_committee_reminders_committee_key', ['kind', 'committee_id', 'person_id', 'target_on'], unique=True, sqlite_where=sa.text('committee_id IS NOT NULL'), postgresql_where=sa.text('committee_id IS NOT NULL'))
        batch_op.create_index('ux_committee_reminders_startup_key', ['kind', 'startup_id', 'person_id', 'target_on'], unique=True, sqlite_where=sa.text('committee_id IS NULL'), postgresql_where=sa.text('committee_id IS NULL'))



def downgrade():
    with op.batch_alter_table('committee_reminders', schema=None) as batch_op:
        batch_op.drop_index('ux_committee_reminders_startup_key', sqlite_where=sa.text('committee_id IS NULL'), postgresql_where=sa.text('committee_id IS NULL'))
        batch_op.drop_index('ux_committee_reminders_committee_key', sqlite_where=sa.text('committee_id IS NOT NULL'), postgresql_where=sa.text('committee_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_committee_reminders_status'))
        batch_op.drop_index(batch_op.f('ix_committee_reminders_startup_id'))
        batch_op.drop_index(batch_op.f('ix_committee_reminders_person_id'))
        batch_op.drop_index(batch_op.f('ix_committee_reminders_committee_id'))

    op.drop_table('committee_reminders')
