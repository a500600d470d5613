"""Operators' commands: create, login-link, archive, seed-demo."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, Visibility
from core.db import db
from tests.factories import make_incubator, make_organisation, make_person, make_startup
from startups.demo import seed_demo_personas
from users.forms import DEMO_PERSONAS
from users.models import Membership, Person, StartupRole


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_create_an_admin(runner):
    organisation = make_organisation(id="dinum", name="DINUM")
    result = runner.invoke(args=["users", "create", " Chef.Programme@Example.gouv.fr ", "--name", "Cheffe Programme",
                                 "--role", "admin", "--organisation", "dinum"])
    assert result.exit_code == 0, result.output
    person = db.session.scalar(sa.select(Person).where(Person.email == "chef.programme@example.gouv.fr"))
    assert person.is_admin and person.organisation_id == organisation.id
    # Audited as from Administration › Personnes: the account, then the admin role (an admin made by the
    # command line is as visible in the log as one made by an admin).
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == str(person.id))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_type, e.actor_id, e.visibility) for e in events] == [
        ("person.created", "person", None, Visibility.PERSONAL), ("person.admin_granted", "person", None, Visibility.PERSONAL)]
    assert events[0].after["organisation_id"] == "dinum" and events[1].after["is_admin"] is True


def test_create_refuses_a_duplicate_whatever_its_case(runner):
    make_person(email="double@example.gouv.fr")
    result = runner.invoke(args=["users", "create", "DOUBLE@example.gouv.fr", "--name", "Double"])
    assert result.exit_code != 0
    assert "utilise déjà l'adresse double@example.gouv.fr" in result.output


def test_create_refuses_a_bad_address_or_organisation(runner):
    assert "n'est pas valide" in runner.invoke(args=["users", "create", "nope", "--name", "X"]).output
    result = runner.invoke(args=["users", "create", "x@example.gouv.fr", "--name", "X", "--organisation", "inconnue"])
    assert "L'organisation « inconnue » n'existe pas" in result.output


def test_login_link_prints_a_working_one_time_link(app, runner, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example")
    person = make_person("Opératrice", email="ops@example.gouv.fr")
    result = runner.invoke(args=["users", "login-link", "OPS@example.gouv.fr"])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://jalons.example/users/login/")
    response = client.post(urlsplit(link).path)
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session["person_id"] == person.id
    assert client.post(urlsplit(link).path).status_code == 410
    # Whoever ran the command could open the account: the log says so, without the link's secret.
    [issued] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "person.login_link_issued")).all()
    assert issued.object_id == str(person.id) and issued.actor_id is None and issued.visibility == Visibility.PERSONAL
    assert urlsplit(link).path.rsplit("/", 1)[1] not in str((issued.before, issued.after))


def test_login_link_needs_base_url_and_an_account(app, runner, monkeypatch):
    make_person(email="ops@example.gouv.fr")
    monkeypatch.setitem(app.config, "BASE_URL", None)
    assert "BASE_URL" in runner.invoke(args=["users", "login-link", "ops@example.gouv.fr"]).output
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example")
    assert "Aucun compte" in runner.invoke(args=["users", "login-link", "personne@example.gouv.fr"]).output


def test_archive_stops_login(app, runner, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example")
    make_person(email="depart@example.gouv.fr")
    link = runner.invoke(args=["users", "login-link", "depart@example.gouv.fr"]).output.strip()
    assert runner.invoke(args=["users", "archive", "depart@example.gouv.fr"]).exit_code == 0
    assert client.post(urlsplit(link).path).status_code == 410


def test_seed_demo_gives_real_roles_and_is_idempotent(runner):
    ministry = make_organisation(name="Ministère des Essais")
    incubator = make_incubator(name="Incubateur des Essais")
    today = dt.date(2026, 11, 27)
    make_startup("active-a", name="Active A", incubator_id=incubator.id, sponsors=[ministry],
                 phases=[("investigation", dt.date(2025, 1, 6)), ("construction", dt.date(2025, 7, 1))])
    make_startup("active-b", name="Active B", incubator_id=incubator.id,
                 phases=[("acceleration", dt.date(2024, 3, 1))])
    make_startup("stopped", name="Arrêtée", incubator_id=incubator.id, sponsors=[ministry],
                 phases=[("abandon", dt.date(2024, 3, 1))])

    seed_demo_personas(today=today, now=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc))
    seed_demo_personas(today=today, now=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc))

    people = {key: db.session.scalar(sa.select(Person).where(Person.email == email))
              for key, (email, _, _) in DEMO_PERSONAS.items()}
    assert all(people.values()) and people["admin"].is_admin
    roles = {(m.person.email, m.startup_id, m.role) for m in db.session.scalars(sa.select(Membership))}
    assert roles == {
        (people["intrapreneur"].email, "active-a", StartupRole.INTRAPRENEUR),
        (people["sponsor"].email, "active-a", StartupRole.SPONSOR),
        (people["coach"].email, "active-a", StartupRole.COACH),
        (people["coach"].email, "active-b", StartupRole.COACH),
    }
    assert people["sponsor"].organisation_id == ministry.id
    # Through the command too, still idempotent.
    result = runner.invoke(args=["users", "seed-demo"])
    assert result.exit_code == 0 and "déjà en place" in result.output
