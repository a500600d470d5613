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
    pass


def downgrade():
    pass
