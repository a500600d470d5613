"""The administration: the header's entry and its pages for admins only; people (list, search, create,
archive and reopen, roles through the one policy); the audit log read as what changed, startups by name."""

import datetime as dt
import html

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import record
from core import clock, mail
from core.db import db
from tests.factories import login, make_incubator, make_membership, make_organisation, make_person, make_startup
from users import services
from users.models import Membership, Person, StartupRole


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(mail, "send", messages.append)
    return messages


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def listed(response) -> str:
    """The people list's table alone (the header names the logged-in person too)."""
    page = text(response)
    start = page.index('id="personnes-table"')
    return page[start:page.index("</table>", start)]


@pytest.fixture
def world():
    organisation = make_organisation(id="min-demo", name="Ministère de la Démonstration")
    incubator = make_incubator(id="incub-demo", name="Incubateur de la Démonstration", owner_id=organisation.id)
    startup = make_startup(id="lieu-dit", name="Lieu-Dit", incubator_id=incubator.id,
                           phases=[("construction", dt.date(2025, 3, 3))])
    admin = make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    coach = make_person("Chloé Coach", email="chloe@example.gouv.fr")
    make_membership(coach, startup, "coach")
    db.session.commit()
    return {"organisation": organisation, "incubator": incubator, "startup": startup, "admin": admin, "coach": coach}


ADMIN_PAGES = ["/admin", "/admin/people", "/admin/people/new", "/organisations/manage", "/incubators/manage", "/audit"]


def test_an_admin_sees_the_entry_in_the_header_and_every_page(client, world):
    login(client, world["admin"])
    home = text(client.get("/espace/"))
    assert 'href="/admin">Administration</a>' in home
    landing = text(client.get("/admin"))
    for link in ("/admin/people", "/organisations/manage", "/incubators/manage", "/audit"):
        assert f'href="{link}"' in landing
    for url in ADMIN_PAGES + [f"/admin/people/{world['coach'].id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'aria-current="page">Administration</a>' in text(response), url


def test_someone_else_has_no_entry_and_gets_403_on_every_admin_route(client, world):
    coach = world["coach"]
    login(client, coach)
    page = text(client.get("/espace/"))
    assert "Administration" not in page and "/admin" not in page
    assert "Journal des modifications" not in text(client.get("/users/me"))
    for url in ADMIN_PAGES + [f"/admin/people/{coach.id}"]:
        assert client.get(url).status_code == 403, url
    for url in (f"/admin/people/{world['admin'].id}/archive", f"/admin/people/{coach.id}/restore",
                f"/admin/people/{coach.id}/roles"):
        assert client.post(url).status_code == 403, url
    db.session.expire_all()
    assert world["admin"].archived_at is None


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get("/admin/people")
    assert response.status_code == 303 and response.headers["Location"].startswith("/users/login")
    assert "/admin" not in text(client.get("/startups"))


def test_the_people_list_searches_by_name_or_email_and_by_state(client, world):
    make_person("Bérénice Durand", email="b.durand@interieur.gouv.fr")
    make_person("Marc Martin", email="marc.martin@example.gouv.fr", archived_at=clock.now())
    db.session.commit()
    login(client, world["admin"])
    by_name = listed(client.get("/admin/people?q=durand"))
    assert "Bérénice Durand" in by_name and "Chloé Coach" not in by_name and "1 personne pour « durand »" in by_name
    by_mail = listed(client.get("/admin/people?q=INTERIEUR.gouv"))
    assert "Bérénice Durand" in by_mail and "Ada Admin" not in by_mail
    # A « % » or « _ » is a character, not a wildcard.
    assert "Aucune personne ne correspond." in listed(client.get("/admin/people?q=%25"))
    assert "Marc Martin" not in listed(client.get("/admin/people"))  # active accounts by default
    archived = listed(client.get("/admin/people?etat=archives"))
    assert "Marc Martin" in archived and "Ada Admin" not in archived
    assert "Marc Martin" in listed(client.get("/admin/people?etat=tous&q=marc"))
    assert client.get("/admin/people?etat=nimporte&page=abc").status_code == 200


def test_the_people_list_is_paginated_in_a_fixed_number_of_statements(client, world, count_queries):
    world["admin"].organisation_id = world["organisation"].id
    db.session.commit()
    login(client, world["admin"])

    def statements() -> int:
        db.session.expire_all()  # as in a request of its own: the logged-in person is read again
        with count_queries() as seen:
            assert client.get("/admin/people?etat=tous").status_code == 200
        return len(seen)

    few = statements()
    db.session.add_all(Person(name=f"Lot {n:03d}", email=f"lot-{n}@example.gouv.fr",
                              organisation_id=world["organisation"].id) for n in range(120))
    db.session.commit()
    assert statements() == few == 4  # the person, the count, the page, their organisations
    page = text(client.get("/admin/people?etat=tous&page=3"))
    assert "page 3 sur 3" in page and "Lot 119" in page and "Lot 000" not in page


def test_an_admin_creates_an_account_audited_and_refused_twice(client, world):
    login(client, world["admin"])
    response = client.post("/admin/people/new", data={"name": " Nora Nouvelle ", "email": "Nora@Example.gouv.fr",
                                                      "organisation": world["organisation"].id})
    assert response.status_code == 303
    nora = db.session.scalar(sa.select(Person).where(Person.email == "nora@example.gouv.fr"))
    assert nora.name == "Nora Nouvelle" and nora.organisation_id == "min-demo" and not nora.is_admin
    assert response.headers["Location"] == f"/admin/people/{nora.id}"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.created"))
    assert event.actor_id == world["admin"].id and event.object_id == str(nora.id)
    again = client.post("/admin/people/new", data={"name": "Autre", "email": "NORA@example.gouv.fr"})
    assert again.status_code == 422 and "Une personne utilise déjà l'adresse nora@example.gouv.fr." in text(again)
    bad = client.post("/admin/people/new", data={"name": "", "email": "pas-une-adresse"})
    assert bad.status_code == 422 and "Ce champ est obligatoire." in text(bad)
    journal = text(client.get("/audit"))
    assert "Compte créé" in journal and "Ministère de la Démonstration" in journal


def test_an_archived_person_cannot_log_in_and_their_open_session_ends(app, client, world, sent):
    coach = world["coach"]
    token = services.issue_login_token(coach, now=clock.now())
    db.session.commit()
    coach_client = app.test_client()
    login(coach_client, coach)
    assert coach_client.get("/users/me").status_code == 200
    login(client, world["admin"])
    response = client.post(f"/admin/people/{coach.id}/archive", follow_redirects=True)
    assert "Le compte de Chloé Coach est archivé" in text(response)
    db.session.expire_all()
    assert coach.archived_at is not None and not coach.is_active
    # The session opened before is over; the link issued before opens nothing; a new one is not sent.
    gone = coach_client.get("/users/me")
    assert gone.status_code == 303 and gone.headers["Location"].startswith("/users/login")
    assert coach_client.post(f"/users/login/{token}").status_code == 410
    coach_client.post("/users/login", data={"email": "chloe@example.gouv.fr"})
    assert sent == []
    # Their history stays: the membership is kept, the audit trail says who archived.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                             .where(Membership.person_id == coach.id)) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.archived"))
    assert event.actor_id == world["admin"].id
    # Reopened, the person may ask for a link again.
    assert "est rouvert" in text(client.post(f"/admin/people/{coach.id}/restore", follow_redirects=True))
    db.session.expire_all()
    assert coach.is_active
    coach_client.post("/users/login", data={"email": "chloe@example.gouv.fr"})
    assert [m.to for m in sent] == ["chloe@example.gouv.fr"]
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "person").order_by(AuditEvent.id))] == ["person.archived", "person.restored"]


def test_an_admin_cannot_archive_their_own_account(client, world):
    admin = world["admin"]
    login(client, admin)
    assert "Vous ne pouvez pas archiver votre propre compte." in text(client.get(f"/admin/people/{admin.id}"))
    response = client.post(f"/admin/people/{admin.id}/archive", follow_redirects=True)
    assert "Vous ne pouvez pas archiver votre propre compte." in text(response)
    db.session.expire_all()
    assert admin.archived_at is None


def test_roles_are_given_and_ended_through_the_policy(client, world, sent):
    admin, startup = world["admin"], world["startup"]
    nora = make_person("Nora Nouvelle", email="nora@example.gouv.fr")
    db.session.commit()
    login(client, admin)
    today = clock.today()
    page = text(client.get(f"/admin/people/{nora.id}"))
    assert 'value="sponsor"' in page and "Lieu-Dit" in page
    response = client.post(f"/admin/people/{nora.id}/roles", data={
        "startup": startup.id, "role": "intrapreneur", "starts_on": today.isoformat()})
    assert response.status_code == 303
    membership = db.session.scalar(sa.select(Membership).where(Membership.person_id == nora.id))
    assert membership.role is StartupRole.INTRAPRENEUR and membership.starts_on == today
    assert [m.to for m in sent] == ["nora@example.gouv.fr"]
    page = text(client.get(f"/admin/people/{nora.id}"))
    assert "Intrapreneur·e" in page and f"/admin/people/{nora.id}/roles/{membership.id}/end" in page
    response = client.post(f"/admin/people/{nora.id}/roles/{membership.id}/end",
                           data={"ends_on": today.isoformat()}, follow_redirects=True)
    assert "prend fin le" in text(response)
    db.session.expire_all()
    assert membership.ends_on == today
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.startup_id == startup.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["membership.created", "membership.ended"]
    # A membership of someone else is not this page's.
    other = db.session.scalar(sa.select(Membership).where(Membership.person_id == world["coach"].id))
    assert client.post(f"/admin/people/{nora.id}/roles/{other.id}/end",
                       data={"ends_on": today.isoformat()}).status_code == 404


def test_an_admin_is_not_offered_to_make_themselves_sponsor_and_the_attempt_is_refused_and_kept(client, world, sent):
    admin, startup = world["admin"], world["startup"]
    login(client, admin)
    page = text(client.get(f"/admin/people/{admin.id}"))
    assert 'value="coach"' in page and 'value="sponsor"' not in page
    response = client.post(f"/admin/people/{admin.id}/roles", data={
        "startup": startup.id, "role": "sponsor", "starts_on": clock.today().isoformat()})
    # Not a choice of the form: refused by the form, nothing written.
    assert response.status_code == 422
    assert db.session.scalar(sa.select(Membership).where(Membership.person_id == admin.id)) is None
    # Through the service (the same policy, whatever the page), the attempt stays in the log.
    from startups import team
    from startups.services import Forbidden

    with pytest.raises(Forbidden):
        team.invite_member(startup, email=admin.email, name=admin.name, role=StartupRole.SPONSOR,
                           starts_on=clock.today(), ends_on=None, actor=admin, now=clock.now())
    refused = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "membership.refused"))
    assert refused.actor_id == admin.id and "sponsor" in refused.reason and sent == []


def test_a_refusal_reaching_the_service_from_the_page_is_a_403_with_its_reason_and_is_audited(client, world, monkeypatch):
    """The page offers only what the policy allows; if the policy says no once the startup is known (here:
    the admin account is archived between the form and the service), the service's refusal is a 403 with
    its French reason and its trace is committed."""
    admin, coach = world["admin"], world["coach"]
    login(client, admin)
    from admin import views

    monkeypatch.setattr(views, "_roles_offered", lambda person: list(StartupRole))
    response = client.post(f"/admin/people/{admin.id}/roles", data={
        "startup": world["startup"].id, "role": "sponsor", "starts_on": clock.today().isoformat()})
    assert response.status_code == 403
    assert "Vous ne pouvez pas vous attribuer vous-même le rôle de sponsor" in text(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(AuditEvent.reason).where(AuditEvent.action == "membership.refused"))
    assert db.session.scalar(sa.select(Membership).where(Membership.person_id == admin.id)) is None
    assert coach.is_active


def test_the_audit_log_shows_only_the_fields_that_changed_and_startups_by_name(client, world):
    admin, startup = world["admin"], world["startup"]
    # An event that recorded the whole record on both sides: only the changed field shows.
    record("startup.updated", "startup", startup.id, actor=admin, startup_id=startup.id,
           before={"name": "Lieu-Dit", "mission": "Trouver un lieu", "link": "https://lieu-dit.beta.gouv.fr"},
           after={"name": "Lieu-Dit", "mission": "Trouver un lieu-dit", "link": "https://lieu-dit.beta.gouv.fr"})
    db.session.commit()
    login(client, admin)
    journal = text(client.get("/audit"))
    row = journal[journal.index("Trouver un lieu-dit") - 600:journal.index("Trouver un lieu-dit") + 100]
    assert "Trouver un lieu → Trouver un lieu-dit" in " ".join(row.split())
    assert "https://lieu-dit.beta.gouv.fr" not in journal and "<strong>Nom</strong>" not in row
    # The startup column names the startup, linked to its page.
    assert '<a href="/startups/lieu-dit">Lieu-Dit</a>' in journal
    # The filter finds a startup's events by its name as well as by its id.
    for value in ("lieu-d", "Lieu", "lieu-dit"):
        assert "Trouver un lieu-dit" in text(client.get(f"/audit?startup={value}")), value
    assert "Trouver un lieu-dit" not in text(client.get("/audit?startup=autre"))


def test_the_account_s_audit_events_are_personal_data_masked_from_whoever_may_not_see_them(client, world):
    """The whole log is for admins; wherever else an account's events show, their values (name, e-mail) are
    masked from anyone but the person and admins (audit.visibility, personal data)."""
    from audit import visibility

    admin, coach = world["admin"], world["coach"]
    login(client, admin)
    client.post("/admin/people/new", data={"name": "Zoé Secret", "email": "zoe.secret@example.gouv.fr"})
    assert "zoe.secret@example.gouv.fr" in text(client.get("/audit"))
    zoe = db.session.scalar(sa.select(Person).where(Person.email == "zoe.secret@example.gouv.fr"))
    client.post(f"/admin/people/{zoe.id}/archive")
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "person")))
    assert {e.action for e in events} == {"person.created", "person.archived"}
    assert all(e.visibility.value == "personnel" and e.visibility_ref == zoe.id for e in events)
    for shown in visibility.shown(events, coach):
        assert shown.after is None and shown.masked
    assert all(shown.after for shown in visibility.shown(events, admin))


def test_organisations_and_incubators_say_which_fields_the_import_owns(client, world):
    """README, « Who owns what »: a field keeps the fiche's value until edited in Jalons; then imports keep
    Jalons' value. The edit form says which, field by field; the list says where each record comes from."""
    organisation = world["organisation"]
    organisation.imported_values = {"name": "Ministère de la Démonstration", "acronym": "MD", "kind": None,
                                    "ministerial_domain": None}
    make_organisation(id="cree-ici", name="Créée dans Jalons")
    db.session.commit()
    login(client, world["admin"])
    listing = text(client.get("/organisations/manage"))
    assert "Fiche beta.gouv.fr" in listing and "Créé dans Jalons" in listing
    form = " ".join(text(client.get("/organisations/min-demo/edit")).split())
    assert "Importée de beta.gouv.fr." in form
    assert "Valeur de la fiche beta.gouv.fr." in form
    assert "Modifié dans Jalons (la fiche beta.gouv.fr indique « MD ») : les imports gardent la valeur de Jalons." in form
    assert "aucune fiche beta.gouv.fr ne l'a encore importée" in text(client.get("/organisations/cree-ici/edit"))
    # The edit itself is recorded with the changed fields only.
    page = client.get("/organisations/min-demo/edit")
    version = organisation.version
    response = client.post("/organisations/min-demo/edit", data={
        "name": "Ministère de la Démonstration", "acronym": "MDD", "kind": "", "ministerial_domain": "",
        "version": version})
    assert response.status_code == 303, text(page)
    journal = " ".join(text(client.get("/audit?objet=organisation")).split())
    assert "<strong>Sigle</strong> : — → MDD" in journal and "<strong>Nom</strong>" not in journal


def test_an_admin_grants_and_removes_the_admin_role_audited_but_not_their_own(client, world):
    admin, coach = world["admin"], world["coach"]
    login(client, admin)
    response = client.post(f"/admin/people/{coach.id}/admin", data={"granted": "1"}, follow_redirects=True)
    assert "Chloé Coach est désormais administrateur·rice." in text(response)
    db.session.expire_all()
    assert coach.is_admin
    assert client.get("/admin", headers={}).status_code == 200
    client.post(f"/admin/people/{coach.id}/admin", data={"granted": "0"})
    db.session.expire_all()
    assert not coach.is_admin
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == str(coach.id), AuditEvent.object_type == "person").order_by(AuditEvent.id))] == [
        "person.admin_granted", "person.admin_removed"]
    refused = client.post(f"/admin/people/{admin.id}/admin", data={"granted": "0"}, follow_redirects=True)
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur" in text(refused)
    db.session.expire_all()
    assert admin.is_admin
    assert client.post(f"/admin/people/{coach.id}/admin", data={"granted": "oui"}).status_code == 400
    # Someone who is not an admin cannot make themselves one.
    login(client, coach)
    assert client.post(f"/admin/people/{coach.id}/admin", data={"granted": "1"}).status_code == 403
    db.session.expire_all()
    assert not coach.is_admin


def test_two_admins_removing_each_others_role_at_once_leave_one_admin(world):
    """Each page was loaded while both were admins; the first removal committed while the second waited."""
    ada, bea = world["admin"], make_person("Béa Admin", is_admin=True)
    db.session.commit()
    assert bea.is_admin and ada.is_admin  # as both pages loaded them
    db.session.execute(sa.update(Person.__table__).where(Person.__table__.c.id == ada.id).values(is_admin=False))
    with pytest.raises(services.UsersError, match="Vous n'êtes plus administrateur"):
        services.set_admin(bea, False, actor=ada, now=clock.now())
    with pytest.raises(services.UsersError, match="Vous n'êtes plus administrateur"):
        services.archive_person(bea, now=clock.now(), actor=ada)
    db.session.expire_all()
    assert bea.is_admin and bea.archived_at is None
