"""Grids: what the ends of a version's scale mean

Revision ID: 0020_grid_scale_labels
Revises: 0019_quotes_documents_fast

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_grid_scale_labels'
down_revision = '0019_quotes_documents_fast'
branch_labels = None
depends_on = None

# The meanings of the official grids' scales (indicators/data/official-grids.json), given to the versions
# already seeded, and to the later versions an admin published from them (same scale).
OFFICIAL = {
    'lancement': (0, 10, "Critère non rempli", "Critère pleinement rempli"),
    'acceleration': (0, 10, "Critère non rempli", "Critère pleinement rempli"),
    'arbitrage_sponsor': (0, 5, "Pas du tout", "Tout à fait"),
}


def upgrade():
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scale_min_label', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('scale_max_label', sa.String(length=200), nullable=True))
    versions = sa.table('grid_versions', sa.column('template_id', sa.Integer), sa.column('scale_min', sa.Integer),
                        sa.column('scale_max', sa.Integer), sa.column('scale_min_label', sa.String),
                        sa.column('scale_max_label', sa.String))
    templates = sa.table('grid_templates', sa.column('id', sa.Integer), sa.column('code', sa.String))
    for code, (low, high, low_label, high_label) in OFFICIAL.items():
        op.execute(
            versions.update()
            .where(versions.c.template_id.in_(sa.select(templates.c.id).where(templates.c.code == code)),
                   versions.c.scale_min == low, versions.c.scale_max == high)
            .values(scale_min_label=low_label, scale_max_label=high_label)
        )


def downgrade():
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.drop_column('scale_max_label')
        batch_op.drop_column('scale_min_label')
