"""Each startup's earliest planned committee kept on the startup, next to its due date (committees/due.py)

Revision ID: 0029_committee_planned_at
Revises: 0028_search_sqlite_trigrams

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_committee_planned_at'
down_revision = '0028_search_sqlite_trigrams'
branch_labels = None
depends_on = None

# committees.status of a planned committee, written here once so that the migration does not change when the
# application's code does.
PLANNED = 'planifie'


def upgrade():
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies the table, and the copy would lose the text
    # search's triggers (0028).
    op.add_column('startups', sa.Column('committee_planned_at', sa.DateTime(timezone=True), nullable=True))
    # Filled for the startups whose due date is kept, as committees.due.refresh_committee_dues keeps it; the
    # others are written by the next refresh.
    op.execute(sa.text(
        "UPDATE startups SET committee_planned_at = (SELECT min(committees.scheduled_at) FROM committees "
        "WHERE committees.startup_id = startups.id AND committees.status = :planned AND committees.archived_at IS NULL) "
        "WHERE committee_due_on IS NOT NULL").bindparams(planned=PLANNED))


def downgrade():
    op.drop_column('startups', 'committee_planned_at')
