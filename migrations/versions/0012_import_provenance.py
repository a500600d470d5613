"""Who owns what between the beta.gouv.fr fiches and Jalons, and unique event positions

- `source` of phase periods and events: `betagouv` (brought by an import) or `jalons` (made here). Existing
  rows are `betagouv`, except those the audit trail shows were made in Jalons: the periods of phase
  changes, the events added by hand, everything of a startup created in Jalons, and the `committee`
  events of signed-off committees.
- `imported_values` of startups, organisations and incubators: the fields a fiche owns as the last import
  wrote them. Existing rows take their current values, except where an edit in Jalons is in the audit
  trail: there, the value before the first edit (what the import had written). Rows created in Jalons
  have none.
- events: duplicate positions (written by concurrent additions) are renumbered per startup, in their
  order, then (startup_id, position) is unique, as it is for phase periods.

Revision ID: 0012_import_provenance
Revises: 0011_audit_visibility
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_import_provenance'
down_revision = '0011_audit_visibility'
branch_labels = None
depends_on = None

SOURCE = sa.Enum('betagouv', 'jalons', name='source', native_enum=False, length=40)

# The fields each kind of fiche owns (startups/importer.py), as in 2026.
STARTUP_FIELDS = (
    'name', 'mission', 'incubator_id', 'legacy_owner', 'link', 'repository', 'stats', 'stats_url', 'impact_url',
    'budget_url', 'dashlord_url', 'user_types', 'themes', 'techno', 'accessibility_status', 'risk_analysis_done',
    'risk_analysis_url', 'mon_service_securise', 'fast_promotion', 'fast_amount',
)
ORGANISATION_FIELDS = ('name', 'acronym', 'kind', 'ministerial_domain')
INCUBATOR_FIELDS = ('name', 'owner_id', 'website', 'github', 'address', 'description')

audit = sa.table(
    'audit_events', sa.column('id', sa.Integer), sa.column('action', sa.String), sa.column('object_id', sa.String),
    sa.column('startup_id', sa.String), sa.column('before', sa.JSON), sa.column('after', sa.JSON),
)


def _audited(connection, actions):
    return connection.execute(
        sa.select(audit.c.object_id, audit.c.before, audit.c.after)
        .where(audit.c.action.in_(actions)).order_by(audit.c.id)
    ).all()


def _mark_jalons(connection, table, ids):
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        connection.execute(table.update().where(table.c.id.in_(ids[start:start + 500])).values(source='jalons'))


def _imported_values(connection, table, fields, kind, extra=None):
    """Current values, or the value before the first audited edit; None for rows created in Jalons."""
    created_here = {row.object_id for row in _audited(connection, [f'{kind}.created'])}
    first_before = {}
    for row in _audited(connection, [f'{kind}.updated']):
        for key, value in (row.before or {}).items():
            first_before.setdefault(row.object_id, {}).setdefault(key, value)
    columns = [table.c.id, *(table.c[name] for name in fields)]
    for row in connection.execute(sa.select(*columns)).mappings().all():
        if row['id'] in created_here:
            continue
        values = {name: row[name] for name in fields}
        if extra is not None:
            values.update(extra(row['id']))
        for key, value in first_before.get(row['id'], {}).items():
            if key in values:
                values[key] = value
        connection.execute(table.update().where(table.c.id == row['id']).values(imported_values=values))


def upgrade():
    for name in ('phase_periods', 'events'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('source', SOURCE, nullable=False, server_default='betagouv'))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('source', server_default=None, existing_type=SOURCE, existing_nullable=False)
    for name in ('startups', 'organisations', 'incubators'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('imported_values', sa.JSON(), nullable=True))

    connection = op.get_bind()
    startups = sa.table('startups', *(sa.column(n) for n in ('id', *STARTUP_FIELDS)),
                        sa.column('imported_values', sa.JSON))
    periods = sa.table('phase_periods', sa.column('id', sa.Integer), sa.column('startup_id', sa.String),
                       sa.column('source', sa.String))
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('startup_id', sa.String),
                      sa.column('position', sa.Integer), sa.column('kind', sa.String),
                      sa.column('happened_on', sa.Date), sa.column('source', sa.String))
    committees = sa.table('committees', sa.column('startup_id', sa.String), sa.column('status', sa.String),
                          sa.column('held_on', sa.Date))

    created_here = {row.object_id for row in _audited(connection, ['startup.created'])}
    period_ids = {
        int(row.after['period_id'])
        for row in _audited(connection, ['startup.phase_changed', 'startup.phase_corrected'])
        if row.after and row.after.get('period_id') is not None
    }
    event_ids = {int(row.object_id) for row in _audited(connection, ['event.created']) if row.object_id.isdigit()}
    if created_here:
        ids = sorted(created_here)
        period_ids |= set(connection.scalars(sa.select(periods.c.id).where(periods.c.startup_id.in_(ids))))
        event_ids |= set(connection.scalars(sa.select(events.c.id).where(events.c.startup_id.in_(ids))))
    event_ids |= set(connection.scalars(
        sa.select(events.c.id).where(
            events.c.kind == 'committee',
            sa.exists().where(committees.c.startup_id == events.c.startup_id,
                              committees.c.status == 'valide',
                              committees.c.held_on == events.c.happened_on),
        )
    ))
    _mark_jalons(connection, periods, period_ids)
    _mark_jalons(connection, events, event_ids)

    sponsors = sa.table('startup_sponsors', sa.column('startup_id', sa.String),
                        sa.column('organisation_id', sa.String), sa.column('position', sa.Integer))
    co_incubators = sa.table('startup_co_incubators', sa.column('startup_id', sa.String),
                             sa.column('incubator_id', sa.String))
    sponsor_ids, co_incubator_ids = {}, {}
    for row in connection.execute(sa.select(sponsors).order_by(sponsors.c.startup_id, sponsors.c.position)):
        sponsor_ids.setdefault(row.startup_id, []).append(row.organisation_id)
    for row in connection.execute(
        sa.select(co_incubators).order_by(co_incubators.c.startup_id, co_incubators.c.incubator_id)
    ):
        co_incubator_ids.setdefault(row.startup_id, []).append(row.incubator_id)
    _imported_values(connection, startups, STARTUP_FIELDS, 'startup', lambda id: {
        'sponsor_ids': sponsor_ids.get(id, []), 'co_incubator_ids': co_incubator_ids.get(id, []),
    })
    for name, fields in (('organisations', ORGANISATION_FIELDS), ('incubators', INCUBATOR_FIELDS)):
        table = sa.table(name, *(sa.column(n) for n in ('id', *fields)), sa.column('imported_values', sa.JSON))
        _imported_values(connection, table, fields, name[:-1])

    # Duplicate event positions: renumbered per startup in their order (position, then id).
    duplicated = sa.select(events.c.startup_id).group_by(events.c.startup_id, events.c.position).having(
        sa.func.count() > 1
    )
    rows = connection.execute(
        sa.select(events.c.id, events.c.startup_id, events.c.position)
        .where(events.c.startup_id.in_(duplicated)).order_by(events.c.startup_id, events.c.position, events.c.id)
    ).all()
    numbering = {}
    for row in rows:
        position = numbering[row.startup_id] = numbering.get(row.startup_id, -1) + 1
        if position != row.position:
            connection.execute(events.update().where(events.c.id == row.id).values(position=position))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_events_startup_id'), ['startup_id', 'position'])


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_events_startup_id'), type_='unique')
    for name in ('startups', 'organisations', 'incubators'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('imported_values')
    for name in ('phase_periods', 'events'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('source')
