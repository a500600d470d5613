"""Indicators

Revision ID: 0004_indicators
Revises: 0003_audit
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0004_indicators'
down_revision = '0003_audit'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
