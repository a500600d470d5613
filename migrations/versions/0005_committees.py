"""Committees

Revision ID: 0005_committees
Revises: 0004_indicators
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0005_committees'
down_revision = '0004_indicators'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
