import datetime as dt
import html as html_module
import re

import pytest
import sqlalchemy as sa

from committees import decisions, services
from committees.models import Committee, CommitteeStatus, ParticipantRole, SignOff
from committees.models import datetime_fr
from core import clock
from core.db import db
from core.formats import date_fr, month_fr
from startups.phases import Phase
from tests.committees.lifecycle import NOW, ahead, cast, decided, held, paris, plan
from tests.factories import d, login, make_membership


# The pages apply the rules with the application's clock (« in the future », « on or after its date »):
# it stands on TODAY here, before the committees planned below, so that these tests hold whatever day
# they run.
TODAY = d("2026-12-01")


@pytest.fixture(autouse=True)
def fixed_today(clock_on):
    clock_on(TODAY)


def version_in(html: str) -> int:
    match = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html)
    return int(match.group(1) or match.group(2))


def test_the_committee_page_shows_the_date_in_french_the_participants_the_missing_roles_and_the_agenda(client):
    c = cast()
    committee = plan(c, "2026-12-15")
    login(client, c.intrapreneur)
    html = client.get(f"/committees/{committee.id}").get_data(as_text=True)
    assert "mardi 15 décembre 2026 à 14 h 00" in html
    assert "Sophie Sponsor" in html and "Hugo Head" in html
    assert "Présences obligatoires manquantes" in html and "Responsable de portefeuille DINUM" in html
    assert "Demande de l'équipe" in html and "Échanges et décision" in html
    # The intrapreneur sees but does not run the committee.
    assert "Modifier la date ou le lieu" not in html


@pytest.mark.parametrize("who, url, method, expected", [
    ("outsider", "/committees/{id}", "get", 403),
    ("intrapreneur", "/committees/startup/{startup}/plan", "post", 403),
    ("sponsor", "/committees/{id}/decision", "post", 403),
    ("coach", "/committees/{id}/sign-off", "post", 403),
    ("head", "/committees/{id}/sign-off", "post", 403),
    ("outsider", "/committees/startup/{startup}", "get", 403),
    ("outsider", "/committees/incubator/{incubator}", "get", 403),
    ("intrapreneur", "/committees/{id}/held", "post", 403),
    ("sponsor", "/committees/{id}/contest", "post", 200),
])
def test_the_wrong_role_gets_403(client, who, url, method, expected):
    c = cast()
    committee = decided(c)
    login(client, getattr(c, who))
    url = url.format(id=committee.id, startup=c.startup.id, incubator=c.startup.incubator_id)
    response = getattr(client, method)(url, data={"version": committee.version, "comment": ""})
    if expected == 403:
        assert response.status_code == 403
    else:
        assert response.status_code != 403


def test_planning_through_the_form(client):
    c = cast(name="Mon Projet")
    tuesday = ahead(weekday=1)
    when = datetime_fr(paris(tuesday))
    login(client, c.coach)
    assert "Hugo Head" in client.get(f"/committees/startup/{c.startup.id}/plan").get_data(as_text=True)
    response = client.post(f"/committees/startup/{c.startup.id}/plan", data={
        "kind": "semestriel", "day": tuesday, "time": "14:00", "duration_minutes": "50",
        "place": "", "video_link": "https://webconf.numerique.gouv.fr/comite", "chair": str(c.coach.id)})
    assert response.status_code == 303
    committee = db.session.scalars(sa.select(Committee).where(Committee.startup_id == c.startup.id)).one()
    assert response.headers["Location"].endswith(f"/committees/{committee.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert when.startswith("mardi ") and when.endswith(" à 14 h 00") and when in html
    assert "Attention" not in html  # a working day
    listing = client.get(f"/committees/startup/{c.startup.id}").get_data(as_text=True)
    assert "Planifier un comité" in listing and when in listing


def test_a_committee_planned_on_a_weekend_or_a_public_holiday_is_planned_with_a_warning(client):
    c = cast()
    saturday, christmas = ahead(weekday=5), ahead("12-25")
    login(client, c.coach)
    response = client.post(f"/committees/startup/{c.startup.id}/plan", data={
        "kind": "semestriel", "day": saturday, "time": "10:00", "duration_minutes": "50",
        "place": "Salle 1", "video_link": "", "chair": str(c.coach.id)})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le comité est planifié" in html
    assert f"Attention : le {date_fr(d(saturday))} est un samedi." in html and "fr-alert--warning" in html
    committee = db.session.scalars(sa.select(Committee).where(Committee.startup_id == c.startup.id)).one()
    form = client.get(f"/committees/{committee.id}/edit").get_data(as_text=True)
    response = client.post(f"/committees/{committee.id}/edit", data={
        "kind": "semestriel", "day": christmas, "time": "10:00", "duration_minutes": "50",
        "place": "Salle 1", "video_link": "", "chair": str(c.coach.id), "version": version_in(form)})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Attention : le {date_fr(d(christmas))} est un jour férié (Noël)." in html


def test_a_bad_plan_rerenders_the_form_with_french_errors(client):
    c = cast()
    login(client, c.coach)
    response = client.post(f"/committees/startup/{c.startup.id}/plan", data={
        "kind": "semestriel", "day": "pas une date", "time": "14:00", "duration_minutes": "50", "place": "",
        "video_link": "", "chair": str(c.coach.id)})
    assert response.status_code == 422
    html = html_module.unescape(response.get_data(as_text=True))
    assert "Indiquez un lieu ou un lien de visioconférence." in html
    assert "N'est pas une date valide" in html
    response = client.post(f"/committees/startup/{c.startup.id}/plan", data={
        "kind": "semestriel", "day": "2020-01-01", "time": "14:00", "duration_minutes": "50", "place": "Paris",
        "chair": str(c.coach.id)})
    assert response.status_code == 422
    assert "La date du comité doit être dans le futur." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Committee.id))) == 0


def test_an_edit_over_a_newer_version_is_refused_and_overwrites_nothing(client):
    c = cast()
    first, second, third = ahead("12-15"), ahead("12-16"), ahead("12-18")
    committee = plan(c, first, now=clock.now())
    db.session.commit()
    login(client, c.coach)
    form = {"kind": "semestriel", "day": second, "time": "15:30", "duration_minutes": "50",
            "place": "Salle A", "chair": str(c.coach.id)}
    loaded = version_in(client.get(f"/committees/{committee.id}/edit").get_data(as_text=True))
    # Someone else saves first, from the same version.
    assert client.post(f"/committees/{committee.id}/edit", data=form | {"version": loaded}).status_code == 303
    response = client.post(f"/committees/{committee.id}/edit",
                           data=form | {"place": "Salle B", "day": third, "version": loaded})
    assert response.status_code == 409
    assert "Ce comité a été modifié par quelqu'un d'autre" in html_module.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    committee = db.session.get(Committee, committee.id)
    assert committee.place == "Salle A"
    assert datetime_fr(paris(second, 15, 30)) in client.get(f"/committees/{committee.id}").get_data(as_text=True)


def test_no_decision_for_a_planned_committee(client):
    c = cast()
    committee = plan(c, "2026-12-15")
    db.session.commit()  # the refused request rolls its transaction back
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": "poursuite", "envelope_eur": "100000", "next_committee_on": "2027-06-01"})
    assert response.status_code == 422
    assert "une fois le comité tenu" in response.get_data(as_text=True)
    assert db.session.get(Committee, committee.id).decision is None


def test_a_next_phase_of_whitespace_alone_is_no_next_phase(client):
    """Found by the forms' fuzzer: « » for the next phase passed the select's Optional check as it was, and
    the view read it as a phase (a 500)."""
    c = cast()
    committee = held(c)
    db.session.commit()
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": "poursuite", "next_phase": " ", "envelope_eur": "100000",
        "next_committee_on": "2027-05-01"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Committee, committee.id).decision.next_phase is None


def test_a_decision_refused_for_one_value_says_so_at_that_field(client):
    c = cast()
    committee = held(c)
    db.session.commit()
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": "poursuite", "next_committee_on": "2027-05-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="envelope_eur"[^>]*>', page).group()
    assert 'aria-describedby="envelope_eur-erreur"' in field and "fr-input--error" in field
    said = re.search(r'<p id="envelope_eur-erreur" class="fr-error-text">([^<]*)</p>', page).group(1)
    assert html_module.unescape(said) == "Indiquez l'enveloppe de la prochaine période, en euros."
    assert 'id="next_committee_on-erreur"' not in page
    assert db.session.get(Committee, committee.id).decision is None


def test_marking_held_before_the_date_is_refused_on_the_page(client):
    c = cast()
    day = ahead("03-03")
    committee = plan(c, day, now=clock.now())
    db.session.commit()
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/held", data={"version": committee.version})
    assert response.status_code == 422
    assert date_fr(d(day)) in response.get_data(as_text=True)


def test_from_held_to_signed_off_through_the_pages(client):
    c = cast()
    committee = held(c)
    db.session.commit()
    login(client, c.coach)
    sponsor_row = next(p for p in committee.participants if p.person_id == c.sponsor.id)
    response = client.post(f"/committees/{committee.id}/attendance", data={
        "version": committee.version, f"p{sponsor_row.id}": "present", "minutes": "Démo, échanges."})
    assert response.status_code == 303
    response = client.post(f"/committees/{committee.id}/actions", data={
        "version": db.session.get(Committee, committee.id).version, "title": "Ouvrir le code source",
        "owner": str(c.intrapreneur.id), "due_on": "2027-01-15"})
    assert response.status_code == 303
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": db.session.get(Committee, committee.id).version, "kind": "phase_suivante",
        "next_phase": "construction", "envelope_eur": "450000", "team_size": "6",
        "success_criteria": "500 agents actifs", "next_committee_on": "2027-05-10"})
    assert response.status_code == 303

    # The sponsor contests without a comment, then with one.
    client.get("/")  # new request, new identity below
    login(client, c.sponsor)
    version = db.session.get(Committee, committee.id).version
    response = client.post(f"/committees/{committee.id}/contest", data={"version": version, "comment": ""})
    assert response.status_code == 422
    assert "le commentaire est obligatoire" in html_module.unescape(response.get_data(as_text=True))
    page = client.get(f"/committees/{committee.id}/sign-off").get_data(as_text=True)
    assert "La startup passe en phase « Construction »" in page
    response = client.post(f"/committees/{committee.id}/sign-off", data={"version": version})
    assert response.status_code == 303
    db.session.expire_all()
    committee = db.session.get(Committee, committee.id)
    assert committee.status == CommitteeStatus.SIGNED_OFF and committee.decision.sign_off == SignOff.SIGNED
    assert committee.startup.current_phase(d("2026-11-27")) == Phase.CONSTRUCTION
    following = db.session.scalars(sa.select(Committee).where(Committee.status == CommitteeStatus.PLANNED)).one()
    html = client.get(f"/committees/{following.id}").get_data(as_text=True)
    assert "Ouvrir le code source" in html  # carried into the next committee's agenda
    assert "lundi 10 mai 2027 à 10 h 00" in html


def test_the_list_shows_what_waits_for_the_person(client):
    c = cast(name="Projet Sablier")
    decided(c)
    login(client, c.sponsor)
    html = client.get("/committees/").get_data(as_text=True)
    to_sign = html.split("À valider par le sponsor")[1].split("Tenus ou passés")[0]
    assert "Projet Sablier" in to_sign
    login(client, c.outsider)
    assert "Projet Sablier" not in client.get("/committees/").get_data(as_text=True)


def test_the_calendar_page_runs_a_bounded_number_of_queries(client, count_queries):
    first = cast()
    incubator = first.startup.incubator
    login(client, first.head)

    def committees_in_every_section(c):
        plan(c, "2026-12-16")  # upcoming
        decided(c, "2026-11-12")  # awaiting sign-off
        decisions.sign_off(decided(c, "2026-11-14"), actor=c.sponsor, now=NOW)  # held (the next is the one above)

    def queries() -> int:
        db.session.commit()
        db.session.expire_all()  # the views share the test's session: no help from its identity map
        with count_queries() as statements:
            response = client.get(f"/committees/incubator/{incubator.id}")
        assert response.status_code == 200
        return len(statements)

    committees_in_every_section(first)
    few = queries()
    for n in range(5):
        committees_in_every_section(cast(name=f"Startup {n}", incubator=incubator))
    many = queries()
    assert db.session.scalar(sa.select(sa.func.count(Committee.id))) == 18
    assert many == few


def test_every_form_page_renders_for_the_people_who_use_it(client):
    c = cast()
    upcoming = plan(c, "2026-12-15")
    held_committee = held(c, "2026-11-12")
    awaiting = decided(c, "2026-11-10")
    db.session.commit()
    login(client, c.coach)
    for url in [f"/committees/{upcoming.id}/edit", f"/committees/{upcoming.id}/cancel",
                f"/committees/{upcoming.id}/participants", f"/committees/{held_committee.id}/attendance",
                f"/committees/{held_committee.id}/decision", f"/committees/{held_committee.id}/actions",
                f"/committees/startup/{c.startup.id}", f"/committees/startup/{c.startup.id}/plan", "/committees/",
                f"/committees/{held_committee.id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.data.count(b"<h1") == 1, url
    login(client, c.head)
    assert client.get(f"/committees/incubator/{c.startup.incubator_id}").status_code == 200
    login(client, c.sponsor)
    assert "Valider la décision" in client.get(f"/committees/{awaiting.id}/sign-off").get_data(as_text=True)


def test_an_invited_participant_without_a_role_in_the_startup_finds_and_reads_the_committee(client):
    # The DINUM portfolio manager is invited by e-mail; they have no membership in the startup.
    c = cast()
    committee = plan(c, "2026-12-15")
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    db.session.commit()
    login(client, c.manager)
    assert client.get(f"/committees/{committee.id}").status_code == 200
    assert client.get(f"/presentations/committee/{committee.id}/pack").status_code == 200
    assert f"/committees/{committee.id}" in client.get("/committees/").get_data(as_text=True)
    # Not the startup's other committees, nor its private pages.
    assert client.get(f"/committees/startup/{c.startup.id}/plan").status_code == 403
    assert client.get(f"/indicators/{c.startup.id}").status_code == 403


def test_the_startups_committees_page_lists_the_committees_of_the_imported_history(client):
    from startups.models import Event, EventKind, Source

    c = cast()
    c.startup.events.extend([
        Event(position=0, kind=EventKind.COMMITTEE, happened_on=d("2024-03-12"), comment="Passage en construction",
              source=Source.BETAGOUV),
        Event(position=1, kind=EventKind.COMMITTEE, happened_on=d("2025-01-20"), source=Source.BETAGOUV),
        Event(position=2, kind=EventKind.PRODUCT_LAUNCH, happened_on=d("2024-06-01"), source=Source.BETAGOUV),
    ])
    db.session.commit()
    login(client, c.coach)
    page = html_module.unescape(client.get(f"/committees/startup/{c.startup.id}").get_data(as_text=True))
    assert "Aucun comité enregistré dans Jalons pour cette startup." in page
    history = page[page.index("Avant Jalons"):]
    assert history.count("Passage en comité (historique beta.gouv.fr)") == 2
    assert history.index("20 janvier 2025") < history.index("12 mars 2024")
    assert "Passage en construction" in history and "1 juin 2024" not in history and "1er juin 2024" not in history


def test_a_contested_decision_shows_as_contested_in_the_coachs_lists(client):
    c = cast()
    committee = decided(c, "2026-11-10")
    decisions.contest(committee, comment="L'enveloppe est trop élevée", actor=c.sponsor, now=NOW)
    db.session.commit()
    login(client, c.coach)
    for url in ("/committees/", f"/committees/startup/{c.startup.id}", f"/committees/{committee.id}"):
        page = html_module.unescape(client.get(url).get_data(as_text=True))
        assert "Décision contestée, à réviser" in page, url
        assert "Tenu, décision à saisir" not in page, url


@pytest.mark.parametrize("phase, kind", [("investigation", "fin_investigation"), ("construction", "fin_construction"),
                                         ("consolidation", "semestriel")])
def test_planning_defaults_the_kind_from_the_startups_phase(client, phase, kind):
    c = cast(phases=((phase, d("2026-06-01")),))
    db.session.commit()
    login(client, c.coach)
    page = client.get(f"/committees/startup/{c.startup.id}/plan").get_data(as_text=True)
    assert re.search(rf'<option selected value="{kind}"|<option value="{kind}" selected', page), kind


def test_planning_a_second_committee_warns_and_links_to_the_planned_one(client):
    c = cast()
    db.session.commit()
    login(client, c.coach)
    page = html_module.unescape(client.get(f"/committees/startup/{c.startup.id}/plan").get_data(as_text=True))
    assert "Un comité est déjà" not in page
    committee = plan(c, "2026-12-15", now=clock.now())
    db.session.commit()
    page = html_module.unescape(client.get(f"/committees/startup/{c.startup.id}/plan").get_data(as_text=True))
    assert "Un comité est déjà planifié le mardi 15 décembre 2026" in page
    assert f'href="/committees/{committee.id}"' in page


def test_the_committee_page_tells_the_team_what_to_do_and_by_when(client, app):
    from presentations.models import Presentation, PresentationStatus
    from tests.espace.test_pages import World, last_month

    world = World()
    login(client, world.intrapreneur)
    page = html_module.unescape(client.get(f"/committees/{world.planned.id}").get_data(as_text=True))
    todo = page[page.index('id="a-faire-equipe"'):page.index("Date et lieu")]
    due_on = world.planned.local_date - dt.timedelta(days=7)
    assert f"Soumettre la présentation au plus tard le {date_fr(due_on)}, une semaine avant le comité" in todo
    assert "la valeur atteinte et l'objectif à six mois" in todo and "Elle n'est pas commencée." in todo
    assert f"/presentations/committee/{world.planned.id}" in todo
    assert month_fr(last_month(world.today)) in todo and f"/indicators/{world.startup.id}/values" in todo

    db.session.add(Presentation(committee=world.planned, status=PresentationStatus.CHANGES_REQUESTED))
    db.session.commit()
    page = html_module.unescape(client.get(f"/committees/{world.planned.id}").get_data(as_text=True))
    assert "Le coach demande des modifications" in page
    db.session.scalars(sa.select(Presentation)).one().status = PresentationStatus.SUBMITTED
    db.session.commit()
    page = html_module.unescape(client.get(f"/committees/{world.planned.id}").get_data(as_text=True))
    assert "Présentation soumise, en attente de relecture" in page and "Soumettre la présentation" not in page
    # Not said to the coach nor the sponsor, nor once the committee is held.
    for person in (world.coach, world.sponsor):
        login(client, person)
        assert 'id="a-faire-equipe"' not in client.get(f"/committees/{world.planned.id}").get_data(as_text=True)
    login(client, world.intrapreneur)
    assert 'id="a-faire-equipe"' not in client.get(f"/committees/{world.decided.id}").get_data(as_text=True)


def test_a_participant_is_found_by_name_among_known_people_and_confirmed_before_being_invited(client):
    c = cast()
    earlier = plan(c, "2026-10-20")
    services.add_participant(earlier, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    committee = plan(c, "2026-11-10")
    invited = {p.person_id for p in committee.participants}
    db.session.commit()
    login(client, c.coach)
    url = f"/committees/{committee.id}/participants"
    page = html_module.unescape(client.get(url).get_data(as_text=True))
    datalist = page[page.index('<datalist id="personnes-connues">'):page.index("</datalist>")]
    # Suggested: the known people not invited yet (the portfolio manager met in an earlier committee).
    assert f'<option value="{c.manager.name}">' in datalist
    assert c.outsider.name not in datalist
    assert all(person.name not in datalist for person in (c.intrapreneur, c.sponsor, c.coach) if person.id in invited)

    # A name typed without its accents nor capitals finds the person; nothing is added before confirming.
    step = client.post(url, data={"version": committee.version, "person": "paula portefeuille",
                                  "role": "responsable_portefeuille"})
    page = html_module.unescape(step.get_data(as_text=True))
    assert step.status_code == 200 and "Confirmer l'invitation" in page
    assert "Inviter cette personne au comité, comme Responsable de portefeuille DINUM ?" in page
    assert f'value="{c.manager.id}" checked' in page and c.manager.email in page
    db.session.expire_all()
    assert c.manager.id not in {p.person_id for p in db.session.get(Committee, committee.id).participants}

    done = client.post(url, data={"version": committee.version, "person": "paula portefeuille",
                                  "role": "responsable_portefeuille", "person_id": c.manager.id, "confirm": "1"})
    assert done.status_code == 303
    db.session.expire_all()
    added = [p for p in db.session.get(Committee, committee.id).participants if p.person_id == c.manager.id]
    assert [p.role for p in added] == [ParticipantRole.PORTFOLIO_MANAGER]
    assert "est invité·e au comité" in html_module.unescape(client.get(url).get_data(as_text=True))


def test_an_unknown_name_is_refused_and_anyone_in_jalons_is_found_by_e_mail(client):
    c = cast()
    committee = plan(c, "2026-11-10")
    db.session.commit()
    login(client, c.coach)
    url = f"/committees/{committee.id}/participants"
    refused = client.post(url, data={"version": committee.version, "person": "Olivier", "role": "autre"})
    assert refused.status_code == 422
    assert "Aucune personne connue de Jalons ne correspond à « Olivier »" in html_module.unescape(refused.get_data(as_text=True))
    by_mail = client.post(url, data={"version": committee.version, "person": f"  {c.outsider.email.upper()} ", "role": "autre"})
    assert by_mail.status_code == 200 and f'value="{c.outsider.id}" checked' in by_mail.get_data(as_text=True)
    # A person id that the text typed does not name is not invited.
    forged = client.post(url, data={"version": committee.version, "person": "Paula", "role": "autre",
                                    "person_id": c.outsider.id, "confirm": "1"})
    db.session.expire_all()
    assert forged.status_code != 303
    assert c.outsider.id not in {p.person_id for p in db.session.get(Committee, committee.id).participants}


def test_several_people_matching_a_name_are_offered_to_choose_from(client):
    from tests.factories import make_person

    c = cast()
    twin = make_person("Camille Coach", email="camille.autre@example.gouv.fr")
    make_membership(twin, c.startup, "team_member")
    committee = plan(c, "2026-11-10")
    for participant in [p for p in committee.participants if p.person_id == c.coach.id]:
        services.remove_participant(committee, participant, actor=c.head, now=NOW)
    db.session.commit()
    login(client, c.head)
    page = html_module.unescape(client.post(f"/committees/{committee.id}/participants", data={
        "version": committee.version, "person": "Camille", "role": "coach"}).get_data(as_text=True))
    assert "2 personnes correspondent à « Camille »" in page
    assert f'value="{c.coach.id}">' in page and f'value="{twin.id}">' in page and "checked" not in page.split("Confirmer l'invitation")[1].split("</fieldset>")[0]
    unchosen = client.post(f"/committees/{committee.id}/participants", data={
        "version": committee.version, "person": "Camille", "role": "coach", "confirm": "1"})
    assert unchosen.status_code == 422 and "Choisissez la personne à inviter." in unchosen.get_data(as_text=True)
