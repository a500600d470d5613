"""Each startup's next committee due date kept on the startup (committees/due.py), filled for existing rows

Revision ID: 0023_committee_due
Revises: 0022_phase_counts

"""
import calendar
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_committee_due'
down_revision = '0022_phase_counts'
branch_labels = None
depends_on = None

# The rule as committees/due.py states it on the day of each startup's cached phase (cached_phase_on),
# written here once so that the migration does not change when the application's code does.
TERMINAL = ('transfere', 'abandon-investigation', 'abandon')


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_date(value):
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def fill():
    connection = op.get_bind()
    held = {}
    for startup_id, day in connection.execute(sa.text(
            "SELECT startup_id, held_on FROM committees WHERE archived_at IS NULL AND held_on IS NOT NULL "
            "AND status IN ('tenu', 'decide', 'valide') "
            "UNION ALL SELECT startup_id, happened_on FROM events WHERE kind = 'committee'")):
        held.setdefault(startup_id, []).append(as_date(day))
    rows = []
    for startup_id, phase, start_on, phase_on, archived_at in connection.execute(sa.text(
            "SELECT id, cached_phase, cached_phase_start_on, cached_phase_on, archived_at FROM startups")):
        start_on, phase_on = as_date(start_on), as_date(phase_on)
        due = None
        if archived_at is None and phase is not None and phase not in TERMINAL and start_on is not None:
            last = max((day for day in held.get(startup_id, ()) if phase_on is None or day <= phase_on), default=None)
            due = add_months(start_on if last is None or last < start_on else last, 6)
        # A startup whose cached phase is not today's stays stale: the nightly job dates it again.
        rows.append({'id': startup_id, 'due': due, 'checked': phase_on})
    if rows:
        connection.execute(sa.text(
            "UPDATE startups SET committee_due_on = :due, committee_due_checked_on = :checked WHERE id = :id"), rows)


def upgrade():
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('committee_due_checked_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_startups_committee_due_on', ['committee_due_on', 'cached_phase', 'archived_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_startups_committee_due_checked_on'), ['committee_due_checked_on'],
                              unique=False)
    fill()


def downgrade():
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_startups_committee_due_checked_on'))
        batch_op.drop_index('ix_startups_committee_due_on')
        batch_op.drop_column('committee_due_checked_on')
        batch_op.drop_column('committee_due_on')
