"""Evaluation grids

Revision ID: 0007_grids
Revises: 0006_reminders
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0007_grids'
down_revision = '0006_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_templates_code'))
    )
    op.create_table('grid_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('intro', sa.Text(), nullable=True),
    sa.Column('header_fields', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.Column('published_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_grid_versions_number')),
    sa.CheckConstraint('scale_min < scale_max', name=op.f('ck_grid_versions_scale')),
    sa.ForeignKeyConstraint(['published_by_id'], ['people.id'], name=op.f('fk_grid_versions_published_by_id_people')),
    sa.ForeignKeyConstraint(['template_id'], ['grid_templates.id'], name=op.f('fk_grid_versions_template_id_grid_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_versions')),
    sa.UniqueConstraint('template_id', 'number', name='uq_grid_versions_template_number')
    )
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_versions_template_id'), ['template_id'], unique=False)

    op.create_table('grid_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.Column('section', sa.String(length=200), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('kind', sa.Enum('note', 'qualitatif', 'conclusion', name='criterionkind', native_enum=False, length=40), nullable=False),
    sa.Column('field_type', sa.Enum('texte', 'montant_eur', 'choix', name='fieldtype', native_enum=False, length=40), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('weight > 0', name=op.f('ck_grid_criteria_weight')),
    sa.ForeignKeyConstraint(['version_id'], ['grid_versions.id'], name=op.f('fk_grid_criteria_version_id_grid_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_criteria')),
    sa.UniqueConstraint('version_id', 'code', name='uq_grid_criteria_version_code')
    )
    with op.batch_alter_table('grid_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_criteria_version_id'), ['version_id'], unique=False)

    op.create_table('filled_grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('brouillon', 'soumise', name='filledstatus', native_enum=False, length=40), nullable=False),
    sa.Column('abstained', sa.Boolean(), nullable=False),
    sa.Column('conflict_of_interest', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_filled_grids_committee_id_committees')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_filled_grids_person_id_people')),
    sa.ForeignKeyConstraint(['template_id'], ['grid_templates.id'], name=op.f('fk_filled_grids_template_id_grid_templates')),
    sa.ForeignKeyConstraint(['version_id'], ['grid_versions.id'], name=op.f('fk_filled_grids_version_id_grid_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filled_grids')),
    sa.UniqueConstraint('committee_id', 'person_id', 'template_id', name='uq_filled_grids_committee_person_template'),
    sa.UniqueConstraint('committee_id', 'person_id', 'version_id', name='uq_filled_grids_committee_person_version')
    )
    with op.batch_alter_table('filled_grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filled_grids_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filled_grids_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filled_grids_version_id'), ['version_id'], unique=False)

    op.create_table('grid_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filled_grid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['grid_criteria.id'], name=op.f('fk_grid_answers_criterion_id_grid_criteria')),
    sa.ForeignKeyConstraint(['filled_grid_id'], ['filled_grids.id'], name=op.f('fk_grid_answers_filled_grid_id_filled_grids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_answers')),
    sa.UniqueConstraint('filled_grid_id', 'criterion_id', name='uq_grid_answers_grid_criterion')
    )
    with op.batch_alter_table('grid_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_answers_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_answers_filled_grid_id'), ['filled_grid_id'], unique=False)


def downgrade():
    with op.batch_alter_table('grid_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_answers_filled_grid_id'))
        batch_op.drop_index(batch_op.f('ix_grid_answers_criterion_id'))

    op.drop_table('grid_answers')
    with op.batch_alter_table('filled_grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filled_grids_version_id'))
        batch_op.drop_index(batch_op.f('ix_filled_grids_person_id'))
        batch_op.drop_index(batch_op.f('ix_filled_grids_committee_id'))

    op.drop_table('filled_grids')
    with op.batch_alter_table('grid_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_criteria_version_id'))

    op.drop_table('grid_criteria')
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_versions_template_id'))

    op.drop_table('grid_versions')
    op.drop_table('grid_templates')
