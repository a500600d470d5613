"""The incubator's name copied onto its startups by the database (migration 0033's triggers), whichever way a
startup is written or an incubator renamed: a list sorted by incubator reads its page in that order from an
index. These tests run after every migration, so they also fail if a later one dropped the triggers (on SQLite
a batch migration recreating startups or incubators would)."""

from pathlib import Path

import sqlalchemy as sa

from core import clock
from core.db import db, insert_rows
from startups.importer import import_directory
from startups.models import Incubator, Startup
from startups.queries import PortfolioFilters, filtered_startups
from tests.factories import d, make_incubator, make_startup

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"
TODAY = d("2026-11-27")


def out_of_step() -> list[tuple[str, str | None, str | None]]:
    """(startup, copied name, incubator's name) of every startup whose copy is not its incubator's name in lower case."""
    incubator_name = sa.select(sa.func.lower(Incubator.name)).where(Incubator.id == Startup.incubator_id).scalar_subquery()
    return db.session.execute(
        sa.select(Startup.id, Startup.incubator_sort_name, incubator_name)
        .where(Startup.incubator_sort_name.is_distinct_from(incubator_name))).all()


def copied(startup_id: str) -> str | None:
    return db.session.scalar(sa.select(Startup.incubator_sort_name).where(Startup.id == startup_id))


def by_incubator(descending: bool = False) -> list[str]:
    query = filtered_startups(PortfolioFilters(sort="incubator", descending=descending), TODAY, columns=(Startup.id,))
    return db.session.execute(query).scalars().all()


def test_a_startup_written_by_the_orm_carries_its_incubators_name_and_follows_a_change_of_incubator_or_a_rename():
    zebre, abeille = make_incubator("zebre", name="Zebre Lab"), make_incubator("abeille", name="Abeille")
    make_startup("un", name="Un", incubator=zebre)
    deux = make_startup("deux", name="Deux", incubator=abeille)
    make_startup("sans", name="Sans incubateur")
    assert (copied("un"), copied("deux"), copied("sans")) == ("zebre lab", "abeille", None)
    assert by_incubator() == ["deux", "un", "sans"] and by_incubator(descending=True) == ["un", "deux", "sans"]
    deux.incubator = zebre
    db.session.flush()
    assert copied("deux") == copied("un")
    zebre.name = "Aardvark"
    db.session.flush()
    assert copied("un") == copied("deux") == "aardvark"
    assert out_of_step() == []
    assert by_incubator() == ["deux", "un", "sans"]  # the same incubator: by name


def test_startups_inserted_in_bulk_or_by_raw_sql_carry_their_incubators_name():
    make_incubator("dinum-lab", name="DINUM Lab")
    insert_rows(db.session.connection(), Startup.__table__, [  # COPY on PostgreSQL
        {"id": "lot", "name": "Lot", "incubator_id": "dinum-lab", "user_types": [], "themes": [], "techno": []}])
    db.session.execute(sa.text("INSERT INTO startups (id, name, incubator_id, user_types, themes, techno, created_at, updated_at) "
                               "VALUES ('brut', 'Brut', 'dinum-lab', '[]', '[]', '[]', :now, :now)"), {"now": clock.now()})
    db.session.execute(sa.text("UPDATE incubators SET name = 'Lab de la DINUM' WHERE id = 'dinum-lab'"))
    assert copied("lot") == copied("brut") == "lab de la dinum"
    db.session.execute(sa.text("UPDATE startups SET incubator_id = NULL WHERE id = 'brut'"))
    assert copied("brut") is None


def test_an_imported_snapshot_has_every_copy_in_step_and_its_list_by_incubator_in_the_incubators_order():
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    assert out_of_step() == []
    joined = (sa.select(Startup.id).outerjoin(Incubator, Incubator.id == Startup.incubator_id)
              .where(Startup.archived_at.is_(None)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(joined.where(Incubator.id.is_not(None)).subquery())) > 400
    for descending in (False, True):
        name = sa.func.lower(Incubator.name)
        # The order the list had, joining every startup to its incubator: the same rows in the same order.
        expected = joined.order_by(Incubator.name.is_(None), name.desc() if descending else name, Startup.sort_name, Startup.id)
        assert by_incubator(descending) == db.session.execute(expected).scalars().all()
