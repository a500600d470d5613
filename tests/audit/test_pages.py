"""The audit pages: a startup's history on its page (for who may see it), its full history, the whole log
for admins with its filters and pagination; no route edits the log."""

import datetime as dt

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import record
from core.db import db
from tests.factories import d, login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup

TODAY = d("2026-11-27")


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    clock_on(TODAY)


@pytest.fixture
def world():
    incubator = make_incubator("incub-audit", name="Incubateur du journal")
    startup = make_startup("registre", name="Registre", incubator_id=incubator.id,
                           phases=[("investigation", d("2026-01-05")), ("construction", d("2026-06-01"))])
    other = make_startup("autre", name="Autre", phases=[("investigation", d("2026-01-05"))])
    people = {
        "admin": make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True),
        "coach": make_person("Camille Coach", email="camille@example.gouv.fr"),
        "member": make_person("Théo Team", email="theo@example.gouv.fr"),
        "sponsor": make_person("Simon Sponsor", email="simon@example.gouv.fr"),
        "staff": make_person("Sam Staff", email="sam@example.gouv.fr"),
        "outsider": make_person("Oscar Ailleurs", email="oscar@example.gouv.fr"),
    }
    make_membership(people["coach"], startup, "coach")
    make_membership(people["member"], startup, "team_member")
    make_membership(people["sponsor"], startup, "sponsor")
    make_membership(people["outsider"], other, "intrapreneur")
    make_incubator_staff(people["staff"], incubator)
    db.session.commit()
    return {"startup": startup, "other": other, **people}


def change_phase_through_the_page(client, reason="Comité du 20 novembre"):
    page = client.get("/startups/registre/phase").text
    periods = page.split('name="periods" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/startups/registre/phase", data={
        "phase": "acceleration", "starts_on": "2026-11-20", "reason": reason, "periods": periods})
    assert response.status_code == 303


def test_a_phase_change_shows_in_the_history_on_the_startup_page(client, world):
    login(client, world["coach"])
    change_phase_through_the_page(client)
    page = client.get("/startups/registre").text
    assert "Historique des modifications" in page
    history = page.split("Historique des modifications", 1)[1]
    assert "Changement de phase" in history and "Camille Coach" in history
    # The phase left with the day it began, the phase entered with its first day; no internal period id.
    assert "Construction (depuis le 1er juin 2026) → Accélération (à partir du 20 novembre 2026)" in history
    assert "Période" not in history and "Début :" not in history
    assert "Comité du 20 novembre" in history
    assert "2026" in history  # the date, in French


@pytest.mark.parametrize("role", ["coach", "member", "sponsor", "staff", "admin"])
def test_the_team_the_staff_and_admins_see_the_history(client, world, role):
    record("startup.updated", "startup", "registre", actor=world["coach"], startup_id="registre",
           before={"name": "Registre"}, after={"name": "Registre national"})
    login(client, world[role])
    page = client.get("/startups/registre").text
    assert "Historique des modifications" in page and "Registre national" in page
    assert client.get("/audit/startups/registre").status_code == 200


def test_anonymous_visitors_and_other_startups_do_not_see_the_history(client, world):
    record("startup.updated", "startup", "registre", actor=world["coach"], startup_id="registre",
           before={"name": "Registre"}, after={"name": "Registre secret"})
    page = client.get("/startups/registre")
    assert page.status_code == 200 and "Historique des modifications" not in page.text
    assert "Registre secret" not in page.text
    response = client.get("/audit/startups/registre")
    assert response.status_code == 303 and "/users/login" in response.headers["Location"]
    login(client, world["outsider"])
    assert "Historique des modifications" not in client.get("/startups/registre").text
    assert client.get("/audit/startups/registre").status_code == 403


def test_the_page_shows_the_latest_events_and_links_to_the_full_history(client, world):
    for n in range(25):
        record("event.created", "event", n, actor=world["coach"], startup_id="registre",
               after={"kind": "other", "happened_on": "2026-11-01", "comment": f"Note {n:02d}"})
    login(client, world["member"])
    page = client.get("/startups/registre").text
    assert "Note 24" in page and "Note 04" not in page
    assert "/audit/startups/registre" in page
    full = client.get("/audit/startups/registre").text
    assert "Note 00" in full and "Note 24" in full


def test_the_whole_log_is_for_admins_only(client, world):
    assert client.get("/audit").status_code == 303
    for role in ("coach", "staff", "sponsor", "outsider"):
        login(client, world[role])
        assert client.get("/audit").status_code == 403, role
    login(client, world["admin"])
    assert client.get("/audit").status_code == 200


@pytest.fixture
def log(world):
    """A few events by different people, on different objects and days."""
    def at(text):
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)

    rows = [
        ("startup.updated", "startup", "registre", world["coach"], "registre", at("2026-11-02T10:00")),
        ("startup.phase_changed", "startup", "registre", world["coach"], "registre", at("2026-11-10T10:00")),
        ("organisation.created", "organisation", "org-x", world["admin"], None, at("2026-11-12T10:00")),
        ("event.created", "event", "7", world["admin"], "autre", at("2026-11-20T10:00")),
    ]
    for action, kind, object_id, actor, startup_id, when in rows:
        event = record(action, kind, object_id, actor=actor, startup_id=startup_id, after={"comment": action})
        db.session.execute(sa.update(AuditEvent.__table__).where(AuditEvent.__table__.c.id == event.id)
                           .values(at=when))
    db.session.commit()
    db.session.expire_all()


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in body.split("<tr>")[1:]]


@pytest.mark.parametrize(("query", "expected"), [
    ("", 4),
    ("?personne=camille", 2),
    ("?personne=ADA%40example", 2),
    ("?action=organisation.created", 1),
    ("?objet=startup", 2),
    ("?startup=autre", 1),
    ("?du=2026-11-10&au=2026-11-12", 2),
    ("?du=2026-11-21", 0),
    ("?personne=camille&action=startup.phase_changed", 1),
])
def test_admins_filter_the_log(client, world, log, query, expected):
    login(client, world["admin"])
    response = client.get("/audit" + query)
    assert response.status_code == 200
    rows = rows_of(response.text)
    if expected == 0:
        assert "Aucune modification enregistrée" in response.text
    else:
        assert len(rows) == expected, query


def test_bad_filters_are_ignored_with_a_warning_never_a_500(client, world, log):
    login(client, world["admin"])
    response = client.get("/audit?du=hier&action=inventee&page=abc&auteur=99999999999999&au=9999-12-31")
    assert response.status_code == 200
    assert "Ce filtre est ignoré" in response.text
    assert len(rows_of(response.text)) == 4
    backwards = client.get("/audit?du=2026-11-20&au=2026-11-01")
    assert "précède son début" in backwards.text


def test_the_log_is_paginated_with_a_fixed_number_of_queries(client, world, count_queries):
    for n in range(120):
        record("event.created", "event", n, actor=world["coach"] if n % 2 else world["admin"], startup_id="registre",
               after={"comment": f"n{n}"})
    db.session.commit()
    login(client, world["admin"])
    first = client.get("/audit")
    assert first.status_code == 200 and len(rows_of(first.text)) == 50
    assert "Page suivante" in first.text
    last = client.get("/audit?page=3")
    assert len(rows_of(last.text)) == 20
    db.session.expire_all()
    with count_queries() as few:
        client.get("/audit?page=2")
    for n in range(120, 400):
        record("event.created", "event", n, actor=world["coach"], startup_id="registre", after={"comment": f"n{n}"})
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        client.get("/audit?page=2")
    assert len(few) == len(many) <= 10


def test_a_long_log_is_counted_only_so_far_and_says_plus_de(client, world, monkeypatch):
    """The whole log grows with every write: its page counts the events up to audit.views.COUNTED, or ten pages
    past the one asked, and says « plus de » beyond (no last page then); far enough, it counts them all."""
    import audit.views

    monkeypatch.setattr(audit.views, "COUNTED", 100)
    now = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)
    db.session.execute(sa.insert(AuditEvent), [
        {"at": now - dt.timedelta(minutes=n), "action": "event.created", "object_type": "event", "object_id": str(n),
         "startup_id": "registre", "visibility": "standard"} for n in range(700)])
    db.session.commit()
    login(client, world["admin"])
    first = client.get("/audit")
    assert "Plus de 550 modifications, les plus récentes d&#39;abord (page 1)<" in first.text  # 11 pages of 50
    assert len(rows_of(first.text)) == 50 and "Dernière page" not in first.text and "?page=12" in first.text
    far = client.get("/audit?page=12")  # 22 pages of 50: every event counted
    assert ">700 modifications, les plus récentes d&#39;abord (page 12 sur 14)<" in far.text
    assert len(rows_of(far.text)) == 50 and "Dernière page" in far.text
    filtered = client.get("/audit?action=event.created")
    assert "Plus de 550 modifications" in filtered.text


def test_people_named_in_values_are_shown_by_their_current_name(client, world):
    login(client, world["coach"])
    response = client.post("/startups/registre/members/invite", data={
        "email": "nina@example.gouv.fr", "name": "Nina Nouvelle", "role": "team_member", "starts_on": "2026-11-27"})
    assert response.status_code == 303
    history = client.get("/audit/startups/registre").text
    assert "Arrivée dans l" in history and "Nina Nouvelle" in history and "Membre de l" in history


def test_no_route_changes_the_log(app):
    """The only audit routes read: GET (and HEAD/OPTIONS)."""
    audit_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert audit_rules
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_posting_to_the_log_is_not_allowed(client, world, log):
    login(client, world["admin"])
    assert client.post("/audit", data={"action": "x"}).status_code == 405
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 4
