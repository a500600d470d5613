"""The counts per committee status kept beside the phase counts

Revision ID: 0031_committee_status_counts
Revises: 0030_sponsor_sort_name

The committee filter of the lists (« comité en retard », « dans les 45 jours », « à jour ») counted its
startups per phase at each request, every match of the filter (40 % of a portfolio that holds no committee
yet): committees.due now keeps these counts in phase_counts (scope `committee`, the status as scope id), as
startups.kept keeps the counts per incubator and sponsor. No new table: this migration counts them once for a
database that has startups, on today's date in Paris (the rule of committees.due.status_of, written here
once so that the migration does not change when the application's code does). They are read only when the
kept due dates and the cached phases are today's, and recounted by the nightly jobs, so a database migrated
on another day than its last refresh reads the counts of its startups until the jobs have run.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_committee_status_counts'
down_revision = '0030_sponsor_sort_name'
branch_labels = None
depends_on = None

DUE_SOON_DAYS = 45


def upgrade():
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    op.execute(sa.text(
        "INSERT INTO phase_counts (scope, scope_id, phase, startups) "
        "SELECT 'committee', status, phase, count(*) FROM ("
        "  SELECT CASE WHEN committee_due_on < :today THEN 'overdue' WHEN committee_due_on <= :soon THEN 'due45' "
        "  ELSE 'ok' END AS status, coalesce(cached_phase, '') AS phase FROM startups "
        "  WHERE archived_at IS NULL AND committee_due_on IS NOT NULL"
        ") AS dues GROUP BY status, phase"
    ).bindparams(sa.bindparam("today", today, type_=sa.Date),
                 sa.bindparam("soon", today + dt.timedelta(days=DUE_SOON_DAYS), type_=sa.Date)))


def downgrade():
    op.execute("DELETE FROM phase_counts WHERE scope = 'committee'")
