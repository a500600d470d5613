"""Separation of duties and the sign-off, through the pages (issue 9): who may sign a decision off, what the
page says to whoever may not, the sponsor's grid before the sign-off, and the action items' owners."""

import html as html_module

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from committees import decisions, services, views
from committees.models import Committee, CommitteeStatus, DecisionKind, ParticipantRole
from core.db import db
from tests.committees.lifecycle import NOW, cast, decided, held, plan
from tests.factories import d, login, make_membership


# The pages apply the rules with the application's clock: it stands on TODAY here, before the committees
# planned below, so that these tests hold whatever day they run.
TODAY = d("2026-12-01")


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    clock_on(TODAY)


# --- Separation of duties (issue 9) ---------------------------------------------------------------

def recorded_by_a_sponsor(c):
    """A decision recorded by the incubator staff member who is also one of the startup's sponsors."""
    make_membership(c.head, c.startup, "sponsor")
    committee = held(c)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=300_000,
                              next_committee_on=d("2027-05-10"), actor=c.head, now=NOW)
    db.session.commit()
    return committee


def test_the_recorder_sees_no_sign_off_button_but_why_and_is_refused_with_a_403(client):
    c = cast()
    committee = recorded_by_a_sponsor(c)
    login(client, c.head)
    page = html_module.unescape(client.get(f"/committees/{committee.id}").get_data(as_text=True))
    assert "Valider ou contester la décision" not in page
    assert "Vous avez saisi cette décision : un autre sponsor de la startup doit la valider" in page
    for url in (f"/committees/{committee.id}/sign-off", f"/committees/{committee.id}/contest"):
        response = client.post(url, data={"version": committee.version, "comment": "Non"})
        assert response.status_code == 403
        assert "Vous avez saisi cette décision" in html_module.unescape(response.get_data(as_text=True))
    assert client.get(f"/committees/{committee.id}/sign-off").status_code == 403
    db.session.expire_all()
    assert db.session.get(Committee, committee.id).status == CommitteeStatus.DECIDED
    # The other sponsor gets the button.
    login(client, c.sponsor)
    assert "Valider ou contester la décision" in client.get(f"/committees/{committee.id}").get_data(as_text=True)


def test_a_sponsor_who_is_also_the_intrapreneur_does_not_review_the_decision_nor_see_it_to_sign(client):
    c = cast()
    make_membership(c.intrapreneur, c.startup, "sponsor")
    committee = decided(c)
    db.session.commit()
    login(client, c.intrapreneur)
    assert "Aucune décision n'attend votre validation." in html_module.unescape(client.get("/committees/").text)
    page = html_module.unescape(client.get(f"/committees/{committee.id}").get_data(as_text=True))
    assert "Valider ou contester la décision" not in page
    assert "Vous faites aussi partie de l'équipe de la startup" in page
    response = client.post(f"/committees/{committee.id}/sign-off", data={"version": committee.version})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Committee, committee.id).status == CommitteeStatus.DECIDED
    # The startup's other sponsor has it to sign.
    login(client, c.sponsor)
    assert "Aucune décision n'attend votre validation." not in html_module.unescape(client.get("/committees/").text)


def test_an_admin_who_is_not_a_sponsor_cannot_sign_off(client):
    c = cast()
    committee = decided(c)
    db.session.commit()
    login(client, c.admin)
    page = html_module.unescape(client.get(f"/committees/{committee.id}").get_data(as_text=True))
    assert "Valider ou contester la décision" not in page
    assert "Seul un sponsor actuel de la startup valide ou conteste la décision de son comité." in page
    response = client.post(f"/committees/{committee.id}/sign-off", data={"version": committee.version})
    assert response.status_code == 403


def test_a_refusal_that_reaches_the_service_is_a_403_and_its_attempt_is_kept(client, monkeypatch):
    # As if the view's check had passed (a role ended in between): the service refuses on its own, records
    # the attempt, and the view commits that record alone.
    c = cast()
    committee = recorded_by_a_sponsor(c)
    monkeypatch.setattr(views, "authorize", lambda action, target=None: None)
    login(client, c.head)
    response = client.post(f"/committees/{committee.id}/sign-off", data={"version": committee.version})
    assert response.status_code == 403
    assert "Vous avez saisi cette décision" in html_module.unescape(response.get_data(as_text=True))
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Committee, committee.id).status == CommitteeStatus.DECIDED
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.signoff_refused")).all()
    assert event.actor_id == c.head.id and event.object_id == str(committee.id)
    history = html_module.unescape(client.get(f"/audit/startups/{c.startup.id}").get_data(as_text=True))
    assert "Validation de la décision refusée" in history


def test_an_action_item_is_corrected_and_deleted_through_its_page_by_the_coach_only(client):
    from audit.models import AuditEvent
    from committees.models import ActionItem

    c = cast()
    committee = held(c, "2026-11-12")
    item = services.add_action_item(committee, title="Atelier risques", owner=None, due_on=None, actor=c.coach, now=NOW)
    db.session.commit()
    edit_url = f"/committees/{committee.id}/actions/{item.id}/edit"
    login(client, c.intrapreneur)
    assert client.get(edit_url).status_code == 403
    assert client.post(f"/committees/{committee.id}/actions/{item.id}/delete").status_code == 403
    login(client, c.coach)
    assert "Corriger ou supprimer" in client.get(f"/committees/{committee.id}").get_data(as_text=True)
    bad = client.post(edit_url, data={"title": "Atelier\nrisques", "owner": "", "due_on": "3000-01-01"})
    assert bad.status_code == 422
    text = html_module.unescape(bad.get_data(as_text=True))
    assert "« Action » doit tenir sur une ligne" in text and "« Échéance » : la date doit être comprise entre" in text
    response = client.post(edit_url, data={"title": "Atelier d'analyse de risques", "owner": str(c.coach.id),
                                           "due_on": "2027-01-31"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (item.title, item.owner_id, item.due_on) == ("Atelier d'analyse de risques", c.coach.id, d("2027-01-31"))
    assert client.post(f"/committees/{committee.id}/actions/{item.id}/delete").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionItem)) == 0
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("committee.action_%"))
                              .order_by(AuditEvent.id)).all() == [
        "committee.action_added", "committee.action_edited", "committee.action_deleted"]


def seed_grids():
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    seed_official_grids(official_grids(), now=NOW)


def test_marking_held_names_who_has_not_started_a_grid(client):
    seed_grids()
    c = cast()
    committee = plan(c, "2026-11-10")
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    db.session.commit()
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/held", data={"version": committee.version},
                           follow_redirects=True)
    page = html_module.unescape(response.get_data(as_text=True))
    assert "Le comité est marqué comme tenu" in page
    assert "non commencée par : " in page and c.manager.name in page
    assert "Elle reste ouverte jusqu'à la validation de la décision." in page


def sign_off_page(client):
    """A decision awaiting the sponsor, and its sign-off page as the sponsor reads it (the grids seeded)."""
    seed_grids()
    c = cast()
    awaiting = decided(c, "2026-11-10")
    db.session.commit()
    login(client, c.sponsor)
    return c, awaiting, html_module.unescape(client.get(f"/committees/{awaiting.id}/sign-off").get_data(as_text=True))


def test_the_sign_off_asks_for_confirmation_in_a_modal_and_says_when_the_sponsors_grid_is_missing(client):
    _, awaiting, page = sign_off_page(client)
    # The visible button only opens the modal; the form that signs off is inside it.
    assert 'data-fr-opened="false" aria-controls="confirmer-validation">Valider la décision</button>' in page
    modal = page[page.index('<dialog id="confirmer-validation"'):page.index("</dialog>")]
    assert "La validation est irréversible" in modal and 'type="submit" class="fr-btn">Confirmer la validation' in modal
    assert "Le comité est inscrit dans l'historique de la startup" in modal
    assert "La grille d'arbitrage du sponsor n'est pas soumise" in page


def _submit_sponsor_grid(committee, person):
    from grids import services as grid_services

    template = grid_services.template_for(committee, "arbitrage_sponsor")
    answers = {c.id: grid_services.AnswerInput("4") for c in template.latest_version.scored_criteria}
    grid_services.save_grid(committee, template, person, answers=answers, abstained=False, conflict_of_interest=None,
                            comment=None, submit=True, now=NOW)


def test_when_the_policy_requires_the_sponsors_grid_the_sign_off_waits_for_it(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_OFF_SPONSOR_GRID", "exiger")
    c, awaiting, page = sign_off_page(client)
    assert "La décision ne peut pas encore être validée" in page
    assert "La grille d'arbitrage du sponsor est exigée avant la validation" in page
    assert "confirmer-validation" not in page and "Contester" in page  # no sign-off offered, contesting still is
    refused = client.post(f"/committees/{awaiting.id}/sign-off", data={"version": awaiting.version})
    assert refused.status_code == 422 and "est exigée avant la validation" in html_module.unescape(refused.get_data(as_text=True))
    assert db.session.get(Committee, awaiting.id).status is CommitteeStatus.DECIDED

    _submit_sponsor_grid(awaiting, c.sponsor)  # held, the sponsor's grid is still open until the sign-off
    db.session.commit()
    page = html_module.unescape(client.get(f"/committees/{awaiting.id}/sign-off").get_data(as_text=True))
    assert "ne peut pas encore être validée" not in page and "confirmer-validation" in page
    signed = client.post(f"/committees/{awaiting.id}/sign-off", data={"version": awaiting.version})
    assert signed.status_code == 303
    assert db.session.get(Committee, awaiting.id).status is CommitteeStatus.SIGNED_OFF


def test_by_default_the_missing_sponsors_grid_only_warns(client):
    _, awaiting, page = sign_off_page(client)
    assert "n'est pas soumise" in page and "ne peut pas encore être validée" not in page
    assert client.post(f"/committees/{awaiting.id}/sign-off", data={"version": awaiting.version}).status_code == 303
