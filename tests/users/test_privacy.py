"""Personal data: a person exports what Jalons holds on them (JSON); an admin anonymises a person, whose
name and e-mail then disappear from every page while the history keeps its shape."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, Visibility
from audit.services import record
from core import clock
from core.db import db
from tests.factories import d, login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup
from users import privacy, services
from users.models import LoginToken, Membership, Person


@pytest.fixture
def world():
    incubator = make_incubator("incub-vie-privee", name="Incubateur discret")
    startup = make_startup("secret-defense", name="Secret défense", incubator_id=incubator.id,
                           phases=[("investigation", d("2026-01-05"))])
    nadia = make_person("Nadia Nom", email="nadia.nom@example.gouv.fr", proconnect_sub="sub-nadia",
                        last_login_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc))
    admin = make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    membership = make_membership(nadia, startup, "intrapreneur", starts_on=d("2026-01-05"))
    make_incubator_staff(nadia, incubator)
    record("startup.updated", "startup", startup.id, actor=nadia, startup_id=startup.id,
           before={"mission": None}, after={"mission": "Mission écrite par Nadia Nom"})
    record("membership.created", "membership", membership.id, actor=admin, startup_id=startup.id,
           after={"person_id": nadia.id, "role": "intrapreneur"})
    services.issue_login_token(nadia, now=clock.now())
    db.session.commit()
    return {"nadia": nadia, "admin": admin, "startup": startup, "membership": membership}


def test_a_person_downloads_everything_jalons_holds_on_them(client, world):
    nadia = world["nadia"]
    login(client, nadia)
    response = client.get("/users/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.text)
    assert data["person"]["name"] == "Nadia Nom" and data["person"]["email"] == "nadia.nom@example.gouv.fr"
    assert data["person"]["proconnect_linked"] is True
    assert [(m["startup_id"], m["role"]) for m in data["memberships"]] == [("secret-defense", "intrapreneur")]
    assert [r["incubator_id"] for r in data["incubator_roles"]] == ["incub-vie-privee"]
    assert data["login_history"]["last_login_at"].startswith("2026-11-20")
    assert len(data["login_history"]["login_links"]) == 1
    assert "token_hash" not in data["login_history"]["login_links"][0]  # secrets are not data about someone
    [authored] = data["audit_events_authored"]
    assert authored["action"] == "startup.updated" and authored["after"] == {"mission": "Mission écrite par Nadia Nom"}
    assert [e["action"] for e in data["audit_events_about_you"]] == ["membership.created"]


def test_the_export_is_only_ones_own(client, world):
    response = client.get("/users/me/data.json")
    assert response.status_code == 303 and "/users/login" in response.headers["Location"]
    login(client, world["admin"])
    data = json.loads(client.get("/users/me/data.json").text)
    assert data["person"]["name"] == "Ada Admin"
    assert "Nadia" not in json.dumps([data["person"], data["memberships"], data["incubator_roles"]])


def test_an_admin_anonymises_a_person_and_the_history_keeps_its_shape(client, world):
    nadia, admin = world["nadia"], world["admin"]
    login(client, admin)
    page = client.get(f"/users/{nadia.id}/anonymise")
    assert page.status_code == 200 and "Nadia Nom" in page.text
    unconfirmed = client.post(f"/users/{nadia.id}/anonymise", data={})
    assert unconfirmed.status_code == 422 and "Cochez la case" in unconfirmed.text
    response = client.post(f"/users/{nadia.id}/anonymise", data={"confirm": "y"})
    assert response.status_code == 303

    db.session.expire_all()
    person = db.session.get(Person, nadia.id)
    assert person.name == f"Personne anonymisée n° {nadia.id}"
    assert person.email is None and person.proconnect_sub is None and person.anonymised_at is not None
    assert not person.is_active
    # Memberships, staff roles and authored events still point at the person.
    assert db.session.get(Membership, world["membership"].id).person_id == nadia.id
    assert len(person.incubator_roles) == 1
    authored = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == nadia.id)).all()
    assert [e.action for e in authored] == ["startup.updated"]
    # Values recorded before are not rewritten: the log is append-only.
    assert authored[0].after == {"mission": "Mission écrite par Nadia Nom"}
    # The anonymisation is itself logged, without personal data.
    [logged] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "person.anonymised")).all()
    assert logged.actor_id == admin.id and logged.object_id == str(nadia.id)
    # About one person: its values show to that person and admins (audit.visibility).
    assert logged.visibility is Visibility.PERSONAL and logged.visibility_ref == nadia.id
    assert "Nadia" not in json.dumps([logged.before, logged.after, logged.reason])
    # Unused login links no longer open a session.
    assert all(not t.is_usable(clock.now()) for t in db.session.scalars(
        sa.select(LoginToken).where(LoginToken.person_id == nadia.id)))


def test_pages_show_the_anonymised_name_everywhere(client, world):
    nadia, admin = world["nadia"], world["admin"]
    privacy.anonymise_person(nadia, actor=admin, now=clock.now())
    db.session.commit()
    login(client, admin)
    for url in ("/startups/secret-defense", "/audit/startups/secret-defense", "/audit",
                "/startups/secret-defense/members"):
        page = client.get(url).text
        assert "Nadia Nom" not in page.replace("Mission écrite par Nadia Nom", ""), url
        assert "nadia.nom@example.gouv.fr" not in page, url
        assert f"Personne anonymisée n° {nadia.id}" in page, url


def test_an_anonymised_person_can_no_longer_log_in_nor_be_found_by_email(client, world):
    nadia = world["nadia"]
    privacy.anonymise_person(nadia, actor=world["admin"], now=clock.now())
    db.session.commit()
    assert services.find_person_by_email("nadia.nom@example.gouv.fr") is None
    login(client, nadia)
    response = client.get("/users/me/data.json")
    assert response.status_code == 303 and "/users/login" in response.headers["Location"]


def test_anonymising_twice_or_oneself_is_refused(world):
    admin, nadia = world["admin"], world["nadia"]
    with pytest.raises(privacy.PrivacyError, match="vous-même"):
        privacy.anonymise_person(admin, actor=admin, now=clock.now())
    privacy.anonymise_person(nadia, actor=admin, now=clock.now())
    with pytest.raises(privacy.PrivacyError, match="déjà anonymisée"):
        privacy.anonymise_person(nadia, actor=admin, now=clock.now())


def test_only_admins_anonymise(client, world):
    nadia = world["nadia"]
    other = make_person("Autre", email="autre@example.gouv.fr")
    db.session.commit()
    assert client.post(f"/users/{other.id}/anonymise", data={"confirm": "y"}).status_code == 303  # to login
    login(client, nadia)
    assert client.get(f"/users/{other.id}/anonymise").status_code == 403
    assert client.post(f"/users/{other.id}/anonymise", data={"confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, other.id).name == "Autre"
    login(client, world["admin"])
    assert client.get("/users/999999/anonymise").status_code == 404


def test_my_account_page_links_to_the_export(client, world):
    login(client, world["nadia"])
    page = client.get("/users/me").text
    assert "/users/me/data.json" in page and "/audit" not in page
    # An admin's tools are in Administration (the header's entry and a link from the page), not at its bottom.
    login(client, world["admin"])
    page = client.get("/users/me").text
    assert 'href="/admin"' in page and 'href="/audit"' not in page


def test_the_export_lists_the_files_one_uploaded_without_their_bytes(client, world):
    """A person who attached a file (here a document of a convention, as the money's pages do) gets the
    export: the file's name, size and date, not its bytes (which JSON cannot hold)."""
    from conventions import services as conventions
    from tests.conventions.builders import seed_convention
    from tests.conventions.test_documents import NOW, a_pdf

    nadia = world["nadia"]
    convention, _, _ = seed_convention()
    conventions.upload_signed_document(convention, filename="convention-signée.pdf", data=a_pdf(), actor=nadia,
                                       now=NOW)
    db.session.commit()
    login(client, nadia)
    response = client.get("/users/me/data.json")
    assert response.status_code == 200
    [uploaded] = json.loads(response.text)["other_records"]["convention_documents"]
    assert uploaded["filename"] == "convention-signée.pdf" and "data" not in uploaded


def test_the_log_no_longer_shows_the_name_and_address_an_account_was_created_with_once_anonymised(client, world):
    """The creation of an account recorded its name and e-mail (personal data, shown to admins): once the
    person is anonymised, nobody reads them again, in the log or in the export of the admin who created it."""
    admin = world["admin"]
    zoe = services.create_account(email="zoe.secrete@example.gouv.fr", name="Zoé Secrète", organisation_id=None,
                                  actor=admin, now=clock.now())
    db.session.commit()
    login(client, admin)
    assert "zoe.secrete@example.gouv.fr" in client.get("/audit").text  # before: the admins read it
    privacy.anonymise_person(zoe, actor=admin, now=clock.now())
    db.session.commit()

    journal = client.get("/audit").text
    assert "Compte créé" in journal and "Anonymisation d&#39;une personne" in journal  # the facts stay
    assert "Zoé Secrète" not in journal and "zoe.secrete" not in journal
    filtered = client.get("/audit?action=person.created").text
    assert "Compte créé" in filtered and "Zoé Secrète" not in filtered and "zoe.secrete" not in filtered
    exported = client.get("/users/me/data.json").text
    assert "person.created" in exported and "Zoé" not in exported and "zoe.secrete" not in exported


def test_inviting_someone_to_a_committee_records_them_by_id_so_their_name_goes_with_the_anonymisation(client):
    """The log of a committee's participants named the person invited or removed (a value no page showed);
    once anonymised, the name stayed in the export of the coach who had invited them."""
    from committees import services as committees
    from committees.models import ParticipantRole
    from tests.committees.lifecycle import NOW, cast, plan

    c = cast()
    committee = plan(c)
    guest = make_person("Gaëlle Invitée", email="gaelle@example.gouv.fr")
    committees.add_participant(committee, guest, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    committees.remove_participant(committee, next(p for p in committee.participants if p.person_id == guest.id),
                                  actor=c.coach, now=NOW)
    privacy.anonymise_person(guest, actor=c.admin, now=NOW)
    db.session.commit()
    login(client, c.coach)
    exported = client.get("/users/me/data.json").text
    assert "committee.participant_added" in exported and "committee.participant_removed" in exported
    assert "Gaëlle" not in exported
    history = client.get(f"/audit/startups/{c.startup.id}").text
    assert f"Personne anonymisée n° {guest.id}" in history and "Gaëlle" not in history
