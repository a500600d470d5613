"""The audit trail's filters read their page in order from an index, and its filter's choices from them

Revision ID: 0034_audit_event_indexes
Revises: 0033_incubator_sort_name

The whole log (/audit) grows with every write. Its filter offered the actions and kinds of object found in
the log, each a DISTINCT over every event (55 ms each at 300,000 events on PostgreSQL); they are now read one
value at a time from an index (core.db.distinct_values). A page filtered by action, kind of object, author or
startup (a startup's history) gathered every event of the filter and sorted them by date: each filter now has
an index (column, at, id), read backwards, newest first, so that a page reads its 50 events; the indexes of
the action, the author and the startup alone are replaced by them (they are their prefixes).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0034_audit_event_indexes'
down_revision = '0033_incubator_sort_name'
branch_labels = None
depends_on = None

COLUMNS = ("action", "object_type", "actor_id", "startup_id")
REPLACED = ("action", "actor_id", "startup_id")  # indexed alone since 0003_audit


def upgrade():
    for column in COLUMNS:
        op.create_index(f'ix_audit_events_{column}_at', 'audit_events', [column, 'at', 'id'])
    for column in REPLACED:
        op.drop_index(f'ix_audit_events_{column}', table_name='audit_events')


def downgrade():
    for column in REPLACED:
        op.create_index(f'ix_audit_events_{column}', 'audit_events', [column])
    for column in COLUMNS:
        op.drop_index(f'ix_audit_events_{column}_at', table_name='audit_events')
