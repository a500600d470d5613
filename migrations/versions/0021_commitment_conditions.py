"""A decision's conditions tied to the partner's commitments

Revision ID: 0021_commitment_conditions
Revises: 0020_grid_scale_labels

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0021_commitment_conditions'
down_revision = '0020_grid_scale_labels'
branch_labels = None
depends_on = None

KINDS = ('fiche', 'code_ouvert', 'donnees_personnelles', 'statistiques', 'analyse_risques', 'proconnect',
         'observatoire', 'je_donne_mon_avis', 'accessibilite')


def upgrade():
    op.create_table('commitment_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, length=40), nullable=False),
    sa.Column('tied_by_id', sa.Integer(), nullable=True),
    sa.Column('tied_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_item_id'], ['committee_action_items.id'], name=op.f('fk_commitment_conditions_action_item_id_committee_action_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tied_by_id'], ['people.id'], name=op.f('fk_commitment_conditions_tied_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_conditions')),
    sa.UniqueConstraint('action_item_id', name=op.f('uq_commitment_conditions_action_item_id'))
    )


def downgrade():
    op.drop_table('commitment_conditions')
