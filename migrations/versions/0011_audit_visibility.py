"""Audit events' visibility: confidential values (grid scores, personal data) are masked from who may not see them

Revision ID: 0011_audit_visibility
Revises: 0010_security

The events recorded before this migration are marked from their action: a submitted grid carries its
scores (visibility_ref: the filled grid), an anonymisation or a calendar link is about one person
(visibility_ref: that person). The log stays append-only: only these two new columns are written.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_audit_visibility'
down_revision = '0010_security'
branch_labels = None
depends_on = None

VISIBILITIES = ('standard', 'notes_grille', 'personnel')


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.Enum(*VISIBILITIES, name='visibility', native_enum=False,
                                                            length=40),
                                      server_default='standard', nullable=False))
        batch_op.add_column(sa.Column('visibility_ref', sa.Integer(), nullable=True))
    events = sa.table('audit_events', sa.column('action', sa.String), sa.column('object_type', sa.String),
                      sa.column('object_id', sa.String), sa.column('visibility', sa.String),
                      sa.column('visibility_ref', sa.Integer))
    marks = (
        ('notes_grille', sa.and_(events.c.action == 'grid.submitted', events.c.object_type == 'filled_grid')),
        ('personnel', sa.and_(events.c.action.in_(('person.anonymised', 'calendar_token.created',
                                                   'calendar_token.regenerated')),
                              events.c.object_type == 'person')),
    )
    for visibility, which in marks:
        op.execute(events.update().where(which).values(
            visibility=visibility, visibility_ref=sa.cast(events.c.object_id, sa.Integer)))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('visibility_ref')
        batch_op.drop_column('visibility')
