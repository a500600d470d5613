"""The published files of the open datasets, refreshed each night

Revision ID: 0026_open_files
Revises: 0025_commitment_frozen_facts

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0026_open_files'
down_revision = '0025_commitment_frozen_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open_files',
    sa.Column('dataset', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('generated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'kind', name=op.f('pk_open_files'))
    )


def downgrade():
    op.drop_table('open_files')
