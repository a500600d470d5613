"""A sponsor's startups in name order from an index: the startup's sort_name copied onto its sponsorships

Revision ID: 0030_sponsor_sort_name
Revises: 0029_committee_planned_at

A sponsor's page shows the first 50 of its startups by name. The sponsorships' index gave the sponsor's
startups in no order: the database gathered and sorted all of them (2,225 for the largest sponsor at thirty
times the portfolio), or read the whole portfolio in name order until the page was full. With the name on
the sponsorship and an index (organisation_id, sort_name, startup_id), a page reads its 50 rows.

The copy is the database's own, in the transaction of every write, whichever way it comes (the ORM, an
import's COPY, raw SQL): a trigger fills it when a sponsorship is inserted, another follows a change of the
startup's sort_name. On SQLite, a later migration that recreates startups or startup_sponsors in batch mode
would drop these triggers: tests/startups/test_sponsor_sort_name.py checks them after all migrations.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_sponsor_sort_name'
down_revision = '0029_committee_planned_at'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "startup_sponsors_sort_name_insert": """AFTER INSERT ON startup_sponsors BEGIN
        UPDATE startup_sponsors SET sort_name = coalesce((SELECT sort_name FROM startups WHERE id = new.startup_id), '')
        WHERE startup_id = new.startup_id AND organisation_id = new.organisation_id;
    END""",
    "startups_sort_name_to_sponsors": """AFTER UPDATE OF sort_name ON startups BEGIN
        UPDATE startup_sponsors SET sort_name = new.sort_name WHERE startup_id = new.id;
    END""",
}

POSTGRESQL_FUNCTIONS = {
    "startup_sponsors_sort_name": """BEGIN
        NEW.sort_name := coalesce((SELECT sort_name FROM startups WHERE id = NEW.startup_id), '');
        RETURN NEW;
    END""",
    "startups_sort_name_to_sponsors": """BEGIN
        UPDATE startup_sponsors SET sort_name = NEW.sort_name WHERE startup_id = NEW.id;
        RETURN NULL;
    END""",
}
POSTGRESQL_TRIGGERS = {
    "startup_sponsors_sort_name": "BEFORE INSERT OR UPDATE OF startup_id ON startup_sponsors FOR EACH ROW",
    "startups_sort_name_to_sponsors": "AFTER UPDATE OF sort_name ON startups FOR EACH ROW "
                                      "WHEN (OLD.sort_name IS DISTINCT FROM NEW.sort_name)",
}


def upgrade():
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies the table and would lose triggers.
    op.add_column('startup_sponsors', sa.Column('sort_name', sa.String(300), nullable=False, server_default=''))
    op.execute("UPDATE startup_sponsors SET sort_name = coalesce("
               "(SELECT sort_name FROM startups WHERE startups.id = startup_sponsors.startup_id), '')")
    op.create_index('ix_startup_sponsors_organisation_id_sort_name', 'startup_sponsors',
                    ['organisation_id', 'sort_name', 'startup_id'])
    op.drop_index('ix_startup_sponsors_organisation_id', table_name='startup_sponsors')
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, body in POSTGRESQL_FUNCTIONS.items():
            bind.exec_driver_sql(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$")
            bind.exec_driver_sql(f"CREATE TRIGGER {name} {POSTGRESQL_TRIGGERS[name]} EXECUTE FUNCTION {name}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            bind.exec_driver_sql(f"CREATE TRIGGER {name} {body}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS startup_sponsors_sort_name ON startup_sponsors")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS startups_sort_name_to_sponsors ON startups")
        for name in POSTGRESQL_FUNCTIONS:
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    op.create_index('ix_startup_sponsors_organisation_id', 'startup_sponsors', ['organisation_id'])
    op.drop_index('ix_startup_sponsors_organisation_id_sort_name', table_name='startup_sponsors')
    op.drop_column('startup_sponsors', 'sort_name')
