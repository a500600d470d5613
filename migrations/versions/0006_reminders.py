"""Committee reminders

Revision ID: 0006_reminders
Revises: 0005_committees
"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)

revision = '0006_reminders'
down_revision = '0005_committees'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
