"""The startup's sort_name copied onto its sponsorships by the database (migration 0030's triggers), whichever
way a sponsorship is written or a startup renamed: a sponsor's page reads its startups in name order from
that copy. These tests run after every migration, so they also fail if a later one dropped the triggers
(on SQLite a batch migration recreating startups or startup_sponsors would)."""

from pathlib import Path

import sqlalchemy as sa

from core.db import db
from startups.importer import import_directory
from startups.models import Startup, startup_sponsors
from startups.queries import PortfolioFilters, filtered_startups
from tests.factories import d, make_organisation, make_startup

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"
TODAY = d("2026-11-27")


def out_of_step() -> list[tuple[str, str, str]]:
    """(startup, sponsor, copied name) of every sponsorship whose copy differs from its startup's sort_name."""
    return db.session.execute(
        sa.select(startup_sponsors.c.startup_id, startup_sponsors.c.organisation_id, startup_sponsors.c.sort_name)
        .join(Startup, Startup.id == startup_sponsors.c.startup_id)
        .where(startup_sponsors.c.sort_name != Startup.sort_name)).all()


def copied(startup_id: str) -> set[str]:
    return set(db.session.scalars(sa.select(startup_sponsors.c.sort_name)
                                  .where(startup_sponsors.c.startup_id == startup_id)))


def test_a_sponsorship_written_by_the_orm_carries_its_startups_name_and_follows_a_rename():
    sponsors = [make_organisation("dinum"), make_organisation("anct")]
    startup = make_startup("zebre", name="Zèbre", sponsors=sponsors, phases=[("investigation", d("2026-01-01"))])
    assert copied("zebre") == {"zebre"}
    startup.name = "Abeille Numérique"
    db.session.flush()
    assert copied("zebre") == {"abeille numerique"}
    assert out_of_step() == []
    page = filtered_startups(PortfolioFilters(sponsor_id="anct"), TODAY)
    assert [s.name for s in db.session.execute(page).scalars()] == ["Abeille Numérique"]


def test_a_sponsorship_inserted_by_raw_sql_carries_its_startups_name():
    make_organisation("dinum")
    make_startup("ecole", name="École ouverte")
    db.session.execute(sa.text("INSERT INTO startup_sponsors (startup_id, organisation_id, position) "
                               "VALUES ('ecole', 'dinum', 0)"))
    assert copied("ecole") == {"ecole ouverte"}


def test_a_renamed_startup_by_raw_sql_renames_its_sponsorships():
    make_startup("ecole", name="École ouverte", sponsors=[make_organisation("dinum")])
    db.session.execute(sa.text("UPDATE startups SET sort_name = 'college' WHERE id = 'ecole'"))
    assert copied("ecole") == {"college"}


def test_an_imported_snapshot_has_every_copy_in_step_and_a_sponsors_page_in_name_order():
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    assert out_of_step() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(startup_sponsors)) > 400
    page = db.session.execute(filtered_startups(PortfolioFilters(sponsor_id="anct"), TODAY).limit(50)).scalars().all()
    sponsored = set(db.session.scalars(sa.select(startup_sponsors.c.startup_id)
                                       .where(startup_sponsors.c.organisation_id == "anct")))
    portfolio = db.session.execute(filtered_startups(PortfolioFilters(), TODAY)).scalars()
    assert [s.id for s in page] == [s.id for s in portfolio if s.id in sponsored][:50]  # the database's own order
