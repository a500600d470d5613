"""KPI presentations and their attachments

Revision ID: 0008_presentations
Revises: 0007_grids
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0008_presentations'
down_revision = '0007_grids'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('presentations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('brouillon', 'soumise', 'a_modifier', 'acceptee', name='presentationstatus', native_enum=False, length=40), nullable=False),
    sa.Column('done_and_learned', sa.Text(), nullable=True),
    sa.Column('difficulties', sa.Text(), nullable=True),
    sa.Column('team_size', sa.Integer(), nullable=True),
    sa.Column('team_profile', sa.Text(), nullable=True),
    sa.Column('envelope_eur', sa.Integer(), nullable=True),
    sa.Column('hypotheses', sa.Text(), nullable=True),
    sa.Column('success_criteria', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('frozen_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_presentations_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_presentations_created_by_id_people')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['people.id'], name=op.f('fk_presentations_reviewed_by_id_people')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['people.id'], name=op.f('fk_presentations_submitted_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentations')),
    sa.UniqueConstraint('committee_id', name=op.f('uq_presentations_committee_id'))
    )
    with op.batch_alter_table('presentations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presentations_status'), ['status'], unique=False)

    op.create_table('presentation_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presentation_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['presentation_id'], ['presentations.id'], name=op.f('fk_presentation_attachments_presentation_id_presentations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['people.id'], name=op.f('fk_presentation_attachments_uploaded_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentation_attachments'))
    )
    with op.batch_alter_table('presentation_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presentation_attachments_presentation_id'), ['presentation_id'], unique=False)

    op.create_table('presentation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presentation_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('previous_objective_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('previous_objective_on', sa.Date(), nullable=True),
    sa.Column('previous_objective_committee_id', sa.Integer(), nullable=True),
    sa.Column('reached_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('reached_period', sa.Date(), nullable=True),
    sa.Column('new_objective_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('new_objective_on', sa.Date(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_presentation_lines_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['presentation_id'], ['presentations.id'], name=op.f('fk_presentation_lines_presentation_id_presentations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentation_lines')),
    sa.UniqueConstraint('presentation_id', 'indicator_id', name='uq_presentation_lines_presentation_indicator')
    )
    with op.batch_alter_table('presentation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presentation_lines_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presentation_lines_presentation_id'), ['presentation_id'], unique=False)

    op.create_table('presentation_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presentation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('six_months_ago', sa.Text(), nullable=True),
    sa.Column('today', sa.Text(), nullable=True),
    sa.Column('in_six_months', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['presentation_id'], ['presentations.id'], name=op.f('fk_presentation_standards_presentation_id_presentations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentation_standards')),
    sa.UniqueConstraint('presentation_id', 'code', name='uq_presentation_standards_presentation_code')
    )
    with op.batch_alter_table('presentation_standards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presentation_standards_presentation_id'), ['presentation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('presentation_standards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presentation_standards_presentation_id'))

    op.drop_table('presentation_standards')
    with op.batch_alter_table('presentation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presentation_lines_presentation_id'))
        batch_op.drop_index(batch_op.f('ix_presentation_lines_indicator_id'))

    op.drop_table('presentation_lines')
    with op.batch_alter_table('presentation_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presentation_attachments_presentation_id'))

    op.drop_table('presentation_attachments')
    with op.batch_alter_table('presentations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presentations_status'))

    op.drop_table('presentations')
