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
    pass


def downgrade():
    pass
