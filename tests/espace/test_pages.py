"""« Mon espace »: each role sees its own items (and not another person's), the header link, the landing
after login. Dates are built from the application's today, so that the tests hold whatever day they run."""

import datetime as dt
import html as html_module

import pytest

from committees.models import (
    ActionItem,
    Committee,
    CommitteeKind,
    CommitteeStatus,
    Decision,
    DecisionKind,
    Participant,
    ParticipantRole,
    SignOff,
)
from core import clock
from core.db import db
from core.formats import date_fr, month_fr
from indicators.models import Category, Indicator
from tests.factories import login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup
from users import services as users_services


class World:
    def __init__(self):
        today = clock.today()
        now = clock.now()
        self.today, self.now = today, now
        self.incubator = make_incubator(name="Incubateur des Essais")
        other_incubator = make_incubator(name="Incubateur Voisin")
        # Both startups entered construction about seven months ago: their committee is overdue.
        started = today - dt.timedelta(days=210)
        self.startup = make_startup(name="Startup Suivie", incubator_id=self.incubator.id,
                                    phases=[("construction", started)])
        self.other = make_startup(name="Startup Étrangère", incubator_id=other_incubator.id,
                                  phases=[("construction", started)])
        self.intrapreneur = make_person("Inès Intrapreneure")
        self.coach = make_person("Camille Coach")
        self.sponsor = make_person("Sophie Sponsor")
        self.staff = make_person("Hugo Incubateur")
        self.admin = make_person("Alice Admin", is_admin=True)
        self.nobody = make_person("Nina Personne")
        stranger = make_person("Paul Ailleurs")
        make_membership(self.intrapreneur, self.startup, "intrapreneur")
        make_membership(self.coach, self.startup, "coach")
        make_membership(self.sponsor, self.startup, "sponsor")
        make_incubator_staff(self.staff, self.incubator)
        for role in ("intrapreneur", "coach", "sponsor"):
            make_membership(stranger, self.other, role)

        # A committee planned in three weeks, with the sponsor among its evaluators.
        self.planned = Committee(startup=self.startup, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.PLANNED,
                                 scheduled_at=now + dt.timedelta(days=21))
        self.planned.participants.append(Participant(person=self.intrapreneur, role=ParticipantRole.INTRAPRENEUR))
        self.planned.participants.append(Participant(person=self.sponsor, role=ParticipantRole.SPONSOR))
        # A committee of the earlier phase (it does not reset the due date), its decision recorded by the coach
        # ten days ago, waiting for the sponsor.
        self.decided = Committee(startup=self.startup, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.DECIDED,
                                 scheduled_at=now - dt.timedelta(days=220), held_on=today - dt.timedelta(days=220),
                                 chair=self.coach)
        self.decided.decision = Decision(kind=DecisionKind.CONTINUE, decided_by=self.coach,
                                         decided_at=now - dt.timedelta(days=10), sign_off=SignOff.PENDING)
        self.decided.action_items.append(ActionItem(title="Mesurer le taux de retour", owner=self.intrapreneur,
                                                    due_on=today + dt.timedelta(days=30)))
        # The other startup's committee, decided too: nobody here sees it but the admin.
        other_decided = Committee(startup=self.other, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.DECIDED,
                                  scheduled_at=now - dt.timedelta(days=220), held_on=today - dt.timedelta(days=220))
        other_decided.decision = Decision(kind=DecisionKind.CONTINUE, decided_at=now - dt.timedelta(days=20))
        other_decided.action_items.append(ActionItem(title="Action d'une autre équipe", owner=stranger,
                                                     due_on=today + dt.timedelta(days=5)))
        db.session.add_all([self.planned, self.decided, other_decided])
        # A monthly indicator created four months ago, never filled in.
        db.session.add(Indicator(startup=self.startup, name="Usagers actifs", category=Category.NORTH_STAR,
                                 is_north_star=True, created_at=now - dt.timedelta(days=120)))
        db.session.flush()


@pytest.fixture
def world(app):
    return World()


def page_of(client, person) -> str:
    login(client, person)
    response = client.get("/espace/")
    assert response.status_code == 200
    return html_module.unescape(response.get_data(as_text=True))


def last_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def test_the_intrapreneur_sees_her_startup_her_next_committee_the_presentation_due_and_what_to_enter(client, world):
    page = page_of(client, world.intrapreneur)
    assert "Mes startups" in page and "Startup Suivie" in page
    committee_day = world.planned.local_date
    assert f"Le {date_fr(committee_day)}" in page
    assert "Non commencée" in page
    assert f"À soumettre avant le {date_fr(committee_day - dt.timedelta(days=7))}" in page
    assert f"/presentations/committee/{world.planned.id}" in page
    assert month_fr(last_month(world.today)) in page and f"/indicators/{world.startup.id}/values" in page
    assert "Mesurer le taux de retour" in page
    # Not another team's, and not the sections of roles she does not hold.
    assert "Startup Étrangère" not in page and "Action d'une autre équipe" not in page
    assert "Mes décisions à valider" not in page and "Alertes du portefeuille" not in page
    assert "Les startups que j'accompagne" not in page


def test_the_intrapreneur_sees_the_state_of_a_presentation_sent_back(client, world):
    from presentations.models import Presentation, PresentationStatus

    db.session.add(Presentation(committee=world.planned, status=PresentationStatus.CHANGES_REQUESTED))
    db.session.flush()
    page = page_of(client, world.intrapreneur)
    assert "Modifications demandées" in page and "Non commencée" not in page


def test_the_coach_sees_the_overdue_committee_and_the_decision_pending_of_her_startups_only(client, world):
    page = page_of(client, world.coach)
    assert "Les startups que j'accompagne" in page
    assert "Comités en retard ou dus sous 45 jours (1)" in page and "En retard" in page
    assert "Comités planifiés (1)" in page
    assert "Actions de suivi à échéance (1)" in page and "Mesurer le taux de retour" in page
    assert "Startup Étrangère" not in page and "Action d'une autre équipe" not in page
    assert "Mes startups" not in page and "Mes décisions à valider" not in page


def test_the_coach_sees_a_held_committee_to_decide_and_a_contested_decision_apart(client, world):
    world.decided.status = CommitteeStatus.HELD
    world.decided.decision.sign_off = SignOff.CONTESTED
    held = Committee(startup=world.startup, kind=CommitteeKind.EXTRAORDINARY, status=CommitteeStatus.HELD,
                     scheduled_at=world.now - dt.timedelta(days=3), held_on=world.today - dt.timedelta(days=3))
    db.session.add(held)
    db.session.flush()
    page = page_of(client, world.coach)
    assert "Décisions contestées par le sponsor (1)" in page
    assert "Comités passés, décision à saisir (1)" in page
    assert f"/committees/{held.id}/decision" in page


def test_the_incubator_staff_see_their_incubator_with_counts(client, world):
    page = page_of(client, world.staff)
    assert "Incubateur : Incubateur des Essais" in page
    assert "1 comité en retard" in page and "1 comité planifié" in page
    assert "Startup Suivie" in page
    assert "Incubateur Voisin" not in page and "Startup Étrangère" not in page


def test_the_sponsor_sees_the_decision_to_sign_with_its_wait_the_grid_to_fill_and_the_next_committee(client, world):
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    seed_official_grids(official_grids(), now=world.now)
    db.session.flush()
    page = page_of(client, world.sponsor)
    assert "Décisions en attente de ma validation (1)" in page
    assert "10 jours" in page and f"/committees/{world.decided.id}/sign-off" in page
    assert "Grilles d'évaluation à remplir" in page
    assert f"/grids/committee/{world.planned.id}/arbitrage_sponsor/fill" in page
    assert "Prochains comités des startups dont je suis sponsor" in page
    assert f"Le {date_fr(world.planned.local_date)}" in page
    assert "Startup Étrangère" not in page


def test_a_sponsor_who_chaired_the_committee_is_not_asked_to_sign_it(client, world):
    world.decided.chair = world.sponsor
    db.session.flush()
    page = page_of(client, world.sponsor)
    assert "Aucune décision n'attend votre validation." in page


def test_the_admin_sees_the_portfolio_alerts_with_counts(client, world):
    page = page_of(client, world.admin)
    assert "Alertes du portefeuille" in page
    assert "2 comités en retard" in page
    assert "Incubateur des Essais" in page and "Incubateur Voisin" in page
    assert f"/startups?committee=overdue&incubator={world.incubator.id}" in page
    assert "Décisions non validées depuis plus de 7 jours (2)" in page
    assert "Mes startups" not in page


def test_the_admin_sees_a_startup_in_a_phase_past_its_typical_length(client, world):
    stuck = make_startup(name="Startup Enlisée", phases=[("investigation", world.today - dt.timedelta(days=200))])
    page = page_of(client, world.admin)
    assert "Startups au-delà de la durée type de leur phase (1)" in page
    assert "Startup Enlisée" in page and "Investigation" in page
    assert f'href="/startups/{stuck.id}"' in page  # its page, from its id and name only (no Startup loaded)


def test_a_person_without_a_role_is_told_there_is_nothing_to_do(client, world):
    page = page_of(client, world.nobody)
    assert "Rien à faire pour le moment" in page
    assert "Startup Suivie" not in page


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get("/espace/")
    assert response.status_code in (302, 303) and response.headers["Location"].startswith("/users/login")


def test_the_header_links_to_mon_espace_for_a_logged_in_person_only(client, world):
    visitor = client.get("/").get_data(as_text=True)
    assert 'href="/espace/"' not in visitor and "Voir le portefeuille" in visitor
    login(client, world.nobody)
    page = client.get("/startups").get_data(as_text=True)
    assert 'href="/espace/"' in page and "Mon espace" in page


def test_a_logged_in_person_landing_on_the_home_page_is_sent_to_mon_espace(client, world):
    login(client, world.intrapreneur)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/espace/"


def test_after_login_the_person_lands_on_mon_espace(client, world):
    token = users_services.issue_login_token(world.intrapreneur, now=clock.now())
    response = client.post(f"/users/login/{token}", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/espace/"
    assert "Startup Suivie" in response.get_data(as_text=True)


def test_a_month_entered_is_no_longer_asked_for(client, world):
    from indicators.models import IndicatorValue

    month = last_month(world.today)
    indicator = db.session.query(Indicator).filter_by(startup_id=world.startup.id).one()
    db.session.add(IndicatorValue(indicator=indicator, period_start=month, value=12))
    db.session.flush()
    page = page_of(client, world.intrapreneur)
    earlier = last_month(month)
    assert month_fr(earlier) in page and month_fr(month) not in page.split("Indicateurs à saisir")[1].split("Mes actions")[0]


def test_the_page_is_for_any_logged_in_person_in_the_permission_walk(app):
    # tests/users/test_permission_walk.py walks every route; this one declares « any logged-in person ».
    assert app.view_functions["espace.index"].permission == "account.use"


def test_the_coach_and_the_staff_see_which_months_of_indicators_are_missing(client, world):
    missing = month_fr(last_month(world.today))
    page = page_of(client, world.coach)
    assert "Indicateurs en retard (1)" in page
    assert "Mois sans valeurs" in page and missing in page
    assert f"/indicators/{world.startup.id}" in page
    page = page_of(client, world.staff)
    assert "1 startup aux indicateurs en retard" in page and missing in page
    # Once every month is entered, nothing is late.
    from indicators.models import IndicatorValue
    from indicators.queries import month_shift

    indicator = db.session.query(Indicator).filter_by(startup_id=world.startup.id).one()
    month = last_month(world.today)
    for n in range(6):
        db.session.add(IndicatorValue(indicator_id=indicator.id, period_start=month_shift(month, -n), value=1))
    db.session.flush()
    page = page_of(client, world.coach)
    assert "Indicateurs en retard" not in page


def test_the_sponsors_grid_is_asked_of_the_sponsor_until_the_sign_off_and_never_of_the_coach(client, world):
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    seed_official_grids(official_grids(), now=world.now)
    world.planned.participants.append(Participant(person=world.coach, role=ParticipantRole.COACH))
    world.planned.status = CommitteeStatus.HELD
    db.session.flush()
    fill = f"/grids/committee/{world.planned.id}/arbitrage_sponsor/fill"
    assert fill in page_of(client, world.sponsor)
    assert fill not in page_of(client, world.coach)
