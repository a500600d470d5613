"""A committee's decision against what the startup's conventions still hold: the figure is stored when the
decision is recorded (committees.decisions.funds_available, given by the conventions area), a warning shows
when the envelope exceeds it (the decision may precede an avenant), and sign-off keeps it."""

import datetime as dt

import sqlalchemy as sa

from audit.models import AuditEvent, Visibility
from committees import decisions
from committees.models import DecisionKind
from conventions import services
from conventions import spending
from conventions.models import Activity, Party, Resource
from core.db import db
from tests.committees.lifecycle import NOW, cast, decided, held
from tests.conventions.test_pages import text
from tests.factories import login, make_membership, make_organisation, make_person

DAY = dt.date(2026, 11, 2)


def funded(c, released=100_000):
    """A convention in force for 2026, `released` euros of AE released, nothing delivered yet."""
    convention = services.create_convention(actor=None, partner=make_organisation(), startups=[c.startup],
                                            years={2026: (200_000 * 100, 200_000 * 100)}, title="Convention 2026",
                                            ends_on=dt.date(2026, 12, 31))
    for party in Party:
        services.sign(convention, party, signatory="S", signatory_title="T", signed_on=dt.date(2026, 1, 5), actor=None,
                      today=DAY)
    services.release(convention, year=2026, released_on=dt.date(2026, 1, 6), ae_cents=released * 100,
                     cp_cents=released * 100, actor=None, today=DAY)
    return convention


def test_the_decision_stores_what_the_conventions_still_hold_and_sign_off_keeps_it(app):
    c = cast(name="Financée")
    convention = funded(c)
    committee = decided(c, envelope_eur=300_000)
    decision = committee.decision
    assert decision.funds_available_eur == 100_000 and decision.exceeds_funds
    # The money moves after the decision: the signed-off decision keeps what the committee knew.
    order = spending.engage_order(convention, startup=c.startup, number="BC-1", holder="Titulaire",
                                  amount_cents=60_000 * 100, engaged_on=dt.date(2026, 2, 1),
                                  activity=Activity.DEVELOPMENT, resource=Resource.SERVICES, actor=None, today=DAY)
    spending.record_service_fait(order, amount_cents=60_000 * 100, delivered_on=dt.date(2026, 9, 15), actor=None,
                                 today=DAY)
    assert decisions.funds_available(c.startup, NOW.date()) == 40_000
    decisions.sign_off(committee, actor=c.sponsor, now=NOW + dt.timedelta(days=45))
    db.session.flush()
    db.session.expire_all()
    assert committee.decision.funds_available_eur == 100_000 and committee.decision.exceeds_funds
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.decision_funds")).all()
    assert events[-1].after["funds_available_eur"] == 100_000 and events[-1].visibility == Visibility.MONEY


def test_an_envelope_within_the_conventions_shows_no_warning_and_no_convention_no_figure(app):
    c = cast(name="Financée")
    funded(c)
    within = decided(c, envelope_eur=100_000).decision
    assert within.funds_available_eur == 100_000 and not within.exceeds_funds
    other = cast(name="Sans convention")
    alone = decided(other, envelope_eur=300_000).decision
    assert alone.funds_available_eur is None and not alone.exceeds_funds


def test_the_committee_and_sign_off_pages_warn_with_the_stored_figure(client, clock_on):
    clock_on(DAY)
    c = cast(name="Financée")
    funded(c)
    committee = decided(c, envelope_eur=300_000)
    db.session.commit()
    login(client, c.coach)
    page = text(client.get(f"/committees/{committee.id}"))
    assert "Encore disponible sur les conventions à la décision 100 000 €" in page
    assert ("L'enveloppe de 300 000 € dépasse les 100 000 € que les conventions de la startup détenaient encore "
            "à la décision : elle suppose un avenant ou une nouvelle convention.") in page


def test_the_decision_form_shows_the_figure_and_warns_before_recording(client, clock_on):
    clock_on(DAY)
    c = cast(name="Financée")
    funded(c)
    committee = held(c)
    db.session.commit()
    login(client, c.coach)
    page = text(client.get(f"/committees/{committee.id}/decision"))
    assert "Encore disponible sur les conventions de la startup : 100 000 €." in page
    assert "dépasse" not in page
    refused = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": DecisionKind.CONTINUE.value, "envelope_eur": "250000",
        "team_size": "4", "next_committee_on": "", "hypotheses": "", "success_criteria": "", "conditions": ""})
    assert refused.status_code in (400, 409, 422)
    assert ("L'enveloppe de 250 000 € dépasse les 100 000 € que les conventions de la startup détiennent encore : "
            "la décision peut être enregistrée") in text(refused)
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": DecisionKind.CONTINUE.value, "envelope_eur": "250000",
        "team_size": "4", "next_committee_on": "2027-03-01", "hypotheses": "", "success_criteria": "",
        "conditions": ""}, follow_redirects=True)
    assert response.status_code == 200, text(response)[:2000]
    assert "L'enveloppe de 250 000 € dépasse les 100 000 €" in text(response)
    db.session.expire_all()
    assert committee.decision.funds_available_eur == 100_000


def test_what_the_conventions_held_is_shown_only_to_who_follows_the_funding_pages_and_history(client, clock_on):
    """A team member sees the committee and the startup's history, not its money (funding.view): neither the
    figure stored with the decision, on the committee's page, nor in the history."""
    clock_on(DAY)
    c = cast(name="Financée")
    funded(c)
    member = make_person("Théo Team")
    make_membership(member, c.startup, "team_member")
    committee = decided(c, envelope_eur=300_000)
    db.session.commit()

    login(client, member)
    page = text(client.get(f"/committees/{committee.id}"))
    assert "Enveloppe de la prochaine période 300 000 €" in page
    assert "Encore disponible" not in page and "100 000" not in page
    history = text(client.get(f"/audit/startups/{c.startup.id}"))
    assert "Décision du comité" in history and "Disponible sur les conventions à la décision" in history
    assert "100 000" not in history

    login(client, c.coach)
    assert "Encore disponible sur les conventions à la décision 100 000 €" in text(client.get(f"/committees/{committee.id}"))
    assert "100 000 €" in text(client.get(f"/audit/startups/{c.startup.id}"))
