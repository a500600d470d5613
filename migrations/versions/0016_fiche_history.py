"""The history each startup's fiche had when last imported, to tell which fiches Jalons must update

Revision ID: 0016_fiche_history
Revises: 0015_indicator_requests

For the startups already imported (those with `imported_values`), the history is derived from the phase
periods and events the fiches brought (source `betagouv`); the next import replaces it with the fiche's own.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_fiche_history'
down_revision = '0015_indicator_requests'
branch_labels = None
depends_on = None


def _day(value):
    return value.isoformat() if hasattr(value, 'isoformat') else value


def upgrade():
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fiche_history', sa.JSON(), nullable=True))

    connection = op.get_bind()
    startups = sa.table('startups', sa.column('id', sa.String), sa.column('imported_values', sa.JSON),
                        sa.column('fiche_history', sa.JSON))
    periods = sa.table('phase_periods', sa.column('startup_id', sa.String), sa.column('position', sa.Integer),
                       sa.column('phase', sa.String), sa.column('source_name', sa.String),
                       sa.column('start_on', sa.Date), sa.column('end_on', sa.Date), sa.column('comment', sa.Text),
                       sa.column('source', sa.String))
    events = sa.table('events', sa.column('startup_id', sa.String), sa.column('position', sa.Integer),
                      sa.column('kind', sa.String), sa.column('happened_on', sa.Date), sa.column('comment', sa.Text),
                      sa.column('source', sa.String))
    history = {
        row.id: {'phases': [], 'events': []}
        for row in connection.execute(sa.select(startups.c.id).where(startups.c.imported_values.is_not(None)))
    }
    for row in connection.execute(sa.select(periods).where(periods.c.source == 'betagouv').order_by(periods.c.position)):
        if row.startup_id in history:
            history[row.startup_id]['phases'].append({
                'name': row.source_name or row.phase, 'start': _day(row.start_on), 'end': _day(row.end_on),
                'comment': row.comment})
    for row in connection.execute(sa.select(events).where(events.c.source == 'betagouv').order_by(events.c.position)):
        if row.startup_id in history:
            history[row.startup_id]['events'].append({
                'name': row.kind, 'date': _day(row.happened_on), 'comment': row.comment})
    for id, value in history.items():
        connection.execute(startups.update().where(startups.c.id == id).values(fiche_history=value))


def downgrade():
    with op.batch_alter_table('startups', schema=None) as batch_op:
        batch_op.drop_column('fiche_history')
