"""A commitment's evidence address out to the beta.gouv.fr fiche: code ouvert → `repository`, statistiques →
`stats_url`; exported, re-imported, in sync, and the statements never touched by the import."""

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from commitments import queries, services
from commitments.models import Kind, State, Statement
from core.db import db
from startups import fiche_out, fiches
from startups.importer import IMPORT_ACTOR, import_directory
from tests.factories import d, make_person
from tests.startups.test_import_ownership import lieu, write

TODAY = d("2026-11-27")
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)
ODD = "https://stats.exemple.fr/index.php?module=CoreHome&q='a'&r=\"b\":c#?period=day&x=[1]"


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    clock_on(TODAY)


@pytest.fixture
def upstream(tmp_path) -> Path:
    """A checkout of beta.gouv.fr whose fiche lieu.md has a repository and no stats_url, imported."""
    folder = tmp_path / "beta.gouv.fr" / "content" / "_startups"
    folder.mkdir(parents=True)
    write(folder, more="repository: https://github.com/betagouv/lieu-ancien # avant la refonte\nstats: false\n")
    import_directory(folder, TODAY)
    db.session.commit()
    return folder


def state(kind: Kind, url: str | None, *, actor, state=State.MET, why=None, now=NOW) -> Statement:
    return services.state(lieu(), kind, state=state, why=why, evidence_url=url, evidence_note=None, evidence_on=None,
                          actor=actor, now=now)


def export(app, upstream: Path):
    result = app.test_cli_runner().invoke(args=["export-fiches", str(upstream.parents[1])])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_commitments_new_address_is_exported_reimported_and_then_in_sync(upstream, app, client):
    original = (upstream / "lieu.md").read_text(encoding="utf-8")
    coach = make_person("Camille Coach")
    assert not fiche_out.needs_update(lieu())

    state(Kind.OPEN_SOURCE, "https://gitlab.com/lieu/lieu", actor=coach)
    state(Kind.STATS, ODD, actor=coach, state=State.PARTLY, why="Pas encore de suivi des usages")
    db.session.commit()

    startup = lieu()
    assert (startup.repository, startup.stats_url) == ("https://gitlab.com/lieu/lieu", ODD)
    assert fiche_out.link_changes(startup) == {"repository": ("https://github.com/betagouv/lieu-ancien",
                                                              "https://gitlab.com/lieu/lieu"),
                                               "stats_url": (None, ODD)}
    change = fiche_out.diff(startup)
    assert "-repository: https://github.com/betagouv/lieu-ancien\n" in change
    assert "+repository: https://gitlab.com/lieu/lieu\n" in change and "+stats_url: " in change
    page = client.get("/startups/lieu").get_data(as_text=True)
    assert "Fiche beta.gouv.fr à mettre à jour" in page and "+repository: https://gitlab.com/lieu/lieu" in page
    facts = {fact.text for item in queries.checklist(startup, TODAY) for fact in item.facts}
    assert "Dépôt de code (Jalons, fiche beta.gouv.fr à mettre à jour)" in facts

    # Audited: the statement, and the startup's link with the statement as reason, by the same person.
    changes = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "startup.updated")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.before, e.after, e.reason) for e in changes] == [
        (coach.id, {"repository": "https://github.com/betagouv/lieu-ancien"}, {"repository": "https://gitlab.com/lieu/lieu"},
         "Engagement « Code source ouvert » : preuve déclarée"),
        (coach.id, {"stats_url": None}, {"stats_url": ODD}, "Engagement « Page de statistiques publique » : preuve déclarée"),
    ]

    assert "lieu.md" in export(app, upstream)
    exported = (upstream / "lieu.md").read_text(encoding="utf-8")
    assert exported == original.replace(
        "repository: https://github.com/betagouv/lieu-ancien # avant la refonte\n",
        "repository: https://gitlab.com/lieu/lieu\n",
    ).replace("stats: false\n---", f"stats: false\nstats_url: {ODD}\n---")
    data = fiches.load_startup(upstream / "lieu.md")
    assert (data.repository, data.stats_url) == ("https://gitlab.com/lieu/lieu", ODD)

    statements = [(s.kind, s.state, s.evidence_url, s.stated_at) for s in db.session.scalars(
        sa.select(Statement).order_by(Statement.id))]
    report = import_directory(upstream, TODAY)  # the daily import sees the change upstream
    db.session.commit()
    assert report.rejected == [] and report.conflicts == [] and report.kept == []
    startup = lieu()
    assert not fiche_out.needs_update(startup)
    assert (startup.imported_values["repository"], startup.imported_values["stats_url"]) == (
        "https://gitlab.com/lieu/lieu", ODD)
    assert "Fiche beta.gouv.fr à mettre à jour" not in client.get("/startups/lieu").get_data(as_text=True)
    facts = {fact.text for item in queries.checklist(startup, TODAY) for fact in item.facts}
    assert {"Dépôt de code (fiche beta.gouv.fr)", "Page de statistiques (fiche beta.gouv.fr)"} <= facts
    assert "rien d'écrit" in export(app, upstream)
    assert (upstream / "lieu.md").read_text(encoding="utf-8") == exported
    # The import wrote nothing of its own: the startup already held those addresses.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_label == IMPORT_ACTOR, AuditEvent.action == "startup.updated")) == 0

    # Upstream changes the repository again: the fiche's value is applied, the statements stay as they were.
    text = (upstream / "lieu.md").read_text(encoding="utf-8")
    (upstream / "lieu.md").write_text(text.replace("gitlab.com/lieu/lieu", "gitlab.com/lieu/lieu-v2"), encoding="utf-8")
    report = import_directory(upstream, TODAY)
    db.session.commit()
    assert report.conflicts == [] and lieu().repository == "https://gitlab.com/lieu/lieu-v2"
    assert not fiche_out.needs_update(lieu())
    assert [(s.kind, s.state, s.evidence_url, s.stated_at) for s in db.session.scalars(
        sa.select(Statement).order_by(Statement.id))] == statements


def test_a_statement_not_met_without_address_or_of_another_commitment_leaves_the_fiche_alone(upstream):
    coach = make_person("Camille Coach")
    state(Kind.OPEN_SOURCE, "https://exemple.fr/pourquoi-pas-ouvert", actor=coach, state=State.NOT_MET)
    state(Kind.STATS, "https://exemple.fr/sans-objet", actor=coach, state=State.NOT_APPLICABLE, why="Pas d'usagers")
    state(Kind.OPEN_SOURCE, None, actor=coach)
    state(Kind.ACCESSIBILITY, "https://lieu.beta.gouv.fr/accessibilite", actor=coach)
    state(Kind.FICHE, "https://beta.gouv.fr/startups/lieu.html", actor=coach)
    db.session.commit()

    startup = lieu()
    assert (startup.repository, startup.stats_url) == ("https://github.com/betagouv/lieu-ancien", None)
    assert not fiche_out.needs_update(startup)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "startup.updated", AuditEvent.actor_label.is_(None))) == 0


def test_the_same_address_as_the_fiche_in_another_spelling_changes_nothing(upstream):
    coach = make_person("Camille Coach")
    state(Kind.OPEN_SOURCE, "https://github.com/betagouv/lieu-ancien", actor=coach)
    db.session.commit()
    assert not fiche_out.needs_update(lieu())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "startup.updated", AuditEvent.actor_label.is_(None))) == 0


def test_the_commitments_form_says_where_the_address_goes(client):
    from tests.committees.lifecycle import cast
    from tests.factories import login
    c = cast(phases=(("construction", d("2026-01-05")),))
    login(client, c.coach)
    page = client.get(f"/startups/{c.startup.id}/engagements").get_data(as_text=True)
    assert "devient le dépôt ou la page de statistiques" in page
    response = client.post(f"/startups/{c.startup.id}/engagements",
                           data={"kind": "statistiques", "state": "tenu", "evidence_url": "https://lieu.fr/stats"})
    assert response.status_code == 303
    db.session.expire_all()
    assert c.startup.stats_url == "https://lieu.fr/stats"


def test_a_startup_changed_meanwhile_refuses_the_statement_as_a_conflict(upstream):
    from startups.models import Startup
    coach = make_person("Camille Coach")
    startup = lieu()
    # Someone else saves the startup after it was loaded (its version moves on).
    db.session.execute(Startup.__table__.update().where(Startup.__table__.c.id == "lieu")
                       .values(version=Startup.__table__.c.version + 1))
    with pytest.raises(services.CommitmentConflict, match="modifiée"):
        services.state(startup, Kind.OPEN_SOURCE, state=State.MET, why=None, evidence_url="https://gitlab.com/lieu/lieu",
                       evidence_note=None, evidence_on=None, actor=coach, now=NOW)
