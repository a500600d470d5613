"""Granting and removing « finance DINUM »: an admin on the person's page, an operator with `flask users
create --role dinum_finance`; audited; nobody else."""

import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import db
from tests.factories import login, make_person
from users.models import Person
from users.permissions import is_dinum_finance


def events(person) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "person", AuditEvent.object_id == str(person.id)).order_by(AuditEvent.id)))


def test_an_admin_grants_then_removes_dinum_finance_and_both_are_audited(client):
    admin = make_person("Ada Admin", is_admin=True)
    fanny = make_person("Fanny Finance", email="fanny@example.gouv.fr")
    db.session.commit()
    login(client, admin)
    page = client.get(f"/users/{fanny.id}/finance")
    assert page.status_code == 200 and "pas d'habilitation finance DINUM" in page.get_data(as_text=True).replace("&#39;", "'")
    response = client.post(f"/users/{fanny.id}/finance", data={"dinum_finance": "y"}, follow_redirects=True)
    assert "Fanny Finance a désormais l'habilitation finance DINUM." in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert fanny.is_dinum_finance and is_dinum_finance(fanny)
    client.post(f"/users/{fanny.id}/finance", data={}, follow_redirects=True)
    db.session.expire_all()
    assert not fanny.is_dinum_finance
    assert [(e.action, e.actor_id, e.before, e.after) for e in events(fanny)] == [
        ("person.dinum_finance_granted", admin.id, {"is_dinum_finance": False}, {"is_dinum_finance": True}),
        ("person.dinum_finance_removed", admin.id, {"is_dinum_finance": True}, {"is_dinum_finance": False}),
    ]
    # Saving the same value changes and records nothing.
    response = client.post(f"/users/{fanny.id}/finance", data={}, follow_redirects=True)
    assert "Rien n'a changé." in response.get_data(as_text=True).replace("&#39;", "'") and len(events(fanny)) == 2
    journal = client.get(f"/audit?auteur={admin.id}").get_data(as_text=True).replace("&#39;", "'")
    assert "Habilitation finance DINUM accordée" in journal and "Habilitation finance DINUM retirée" in journal


def test_only_admins_grant_it_not_dinum_finance_itself(client):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    other = make_person("Autre")
    db.session.commit()
    login(client, finance)
    assert client.get(f"/users/{other.id}/finance").status_code == 403
    assert client.post(f"/users/{other.id}/finance", data={"dinum_finance": "y"}).status_code == 403
    db.session.expire_all()
    assert not other.is_dinum_finance and events(other) == []


def test_an_archived_account_cannot_be_granted_it(client):
    from core import clock

    admin = make_person("Ada Admin", is_admin=True)
    gone = make_person("Partie", archived_at=clock.now())
    db.session.commit()
    login(client, admin)
    response = client.post(f"/users/{gone.id}/finance", data={"dinum_finance": "y"})
    assert response.status_code == 422 and "ne peut pas recevoir l'habilitation" in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert not gone.is_dinum_finance and events(gone) == []


def test_flask_users_create_with_the_dinum_finance_role(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "fanny@example.gouv.fr", "--name", "Fanny Finance",
                                                "--role", "dinum_finance"])
    assert result.exit_code == 0, result.output
    assert "Compte créé : Fanny Finance <fanny@example.gouv.fr> (finance DINUM)." in result.output
    person = db.session.scalar(sa.select(Person).where(Person.email == "fanny@example.gouv.fr"))
    assert person.is_dinum_finance and not person.is_admin
    assert [(e.action, e.actor_id) for e in events(person)] == [("person.created", None),
                                                                ("person.dinum_finance_granted", None)]
