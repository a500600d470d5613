"""Organisations and incubators managed by admins, and CSRF on the editing forms."""


import pytest
import sqlalchemy as sa

from app import create_app
from audit.models import AuditEvent
from core.db import db
from startups.models import Incubator, Organisation, Startup
from tests.factories import login
from tests.startups.editing import events_of, hidden, startup_form


def test_an_admin_creates_edits_and_archives_an_organisation(client, world):
    login(client, world["admin"])
    assert client.get("/organisations/manage").status_code == 200
    response = client.post("/organisations/new", data={"name": "Agence Nationale des Tests", "id": "",
                                                       "acronym": "ANT"})
    assert response.status_code == 303
    organisation = db.session.get(Organisation, "agence-nationale-des-tests")
    page = client.get("/organisations/agence-nationale-des-tests/edit").text
    response = client.post("/organisations/agence-nationale-des-tests/edit", data={
        "name": "Agence nationale des tests", "acronym": "ANT", "kind": "operateur", "ministerial_domain": "",
        "version": hidden(page, "version")})
    assert response.status_code == 303
    stale = client.post("/organisations/agence-nationale-des-tests/edit", data={
        "name": "Écrasée", "acronym": "", "kind": "", "ministerial_domain": "", "version": hidden(page, "version")})
    assert stale.status_code == 409
    assert db.session.get(Organisation, organisation.id).name == "Agence nationale des tests"
    edit_page = client.get("/organisations/agence-nationale-des-tests/edit").text
    response = client.post("/organisations/agence-nationale-des-tests/archive",
                           data={"version": hidden(edit_page, "version")})
    assert response.status_code == 303
    assert db.session.get(Organisation, organisation.id).archived_at is not None
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == organisation.id).order_by(AuditEvent.id))] == [
        "organisation.created", "organisation.updated", "organisation.archived"]


def test_an_admin_creates_and_edits_an_incubator_with_valid_links(client, world):
    login(client, world["admin"])
    bad = client.post("/incubators/new", data={"name": "Fabrique", "owner": "ministere-test",
                                               "website": "fabrique point gouv"})
    assert bad.status_code == 422 and "adresse web valide" in bad.text
    response = client.post("/incubators/new", data={"name": "Fabrique", "id": "La-Fabrique", "owner": "ministere-test",
                                                    "website": "https://fabrique.gouv.fr"})
    assert response.status_code == 303
    incubator = db.session.get(Incubator, "La-Fabrique")
    assert incubator.owner_id == "ministere-test" and incubator.website == "https://fabrique.gouv.fr"
    page = client.get("/incubators/La-Fabrique/edit").text
    response = client.post("/incubators/La-Fabrique/edit", data={
        "name": "La Fabrique", "owner": "", "website": "https://fabrique.gouv.fr", "github": "", "address": "",
        "description": "", "version": hidden(page, "version")})
    assert response.status_code == 303
    [event] = events_of("incubator.updated")
    assert event.before == {"name": "Fabrique", "owner_id": "ministere-test"}
    assert event.after == {"name": "La Fabrique", "owner_id": None}


@pytest.mark.parametrize("role", ["staff", "coach", "sponsor"])
def test_only_admins_manage_organisations_and_incubators(client, world, role):
    login(client, world[role])
    assert client.get("/organisations/manage").status_code == 403
    assert client.post("/organisations/new", data={"name": "X"}).status_code == 403
    assert client.post("/incubators/incub-test/edit", data={"name": "X"}).status_code == 403
    assert client.post("/incubators/incub-test/archive", data={}).status_code == 403
    assert db.session.get(Incubator, "incub-test").name == "Incubateur des essais"


# --- CSRF ---------------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app):
    guarded = create_app({
        "JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": None,
        "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
    })
    yield guarded
    with guarded.app_context():
        db.engine.dispose()


def test_an_edit_without_its_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    login(client, world["coach"])
    form = startup_form(world["startup"], name="Sans jeton")
    refused = client.post("/startups/lieu-dit/edit", data=form)
    assert refused.status_code == 400
    db.session.expire_all()  # that application's requests use a session of their own
    assert db.session.get(Startup, "lieu-dit").name == "Lieu-dit"
    page = client.get("/startups/lieu-dit/edit").text
    token = hidden(page, "csrf_token")
    accepted = client.post("/startups/lieu-dit/edit", data={**form, "csrf_token": token})
    assert accepted.status_code == 303
    db.session.expire_all()
    assert db.session.get(Startup, "lieu-dit").name == "Sans jeton"
