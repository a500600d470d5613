"""Audit trail

Revision ID: 0003_audit
Revises: 0002_users
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0003_audit'
down_revision = '0002_users'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
