"""Editing the lifecycle: create and edit a startup, change its phase, events — rules through the services,
pages and permissions through the test client."""


import re

import markupsafe
import pytest
import sqlalchemy as sa

from core import clock
from core.db import db
from startups import services
from startups.models import Event, EventKind, Startup
from startups.phases import Phase
from tests.factories import d, login
from tests.startups.editing import TODAY, events_of, hidden, startup_form


def test_an_admin_creates_a_startup_in_investigation_from_the_date_given(client, world):
    login(client, world["admin"])
    response = client.post("/startups/new", data={
        "name": "Aides Simplifiées", "id": "", "mission": "Simplifier les aides.", "incubator": "incub-test",
        "sponsors": ["ministere-test", "autre-org"], "investigation_on": "2026-11-02",
        "link": "https://aides.beta.gouv.fr", "themes": "Social, Emploi\nSocial", "user_types": "",
        "techno": "", "repository": "", "stats_url": "", "impact_url": "", "budget_url": "", "dashlord_url": "",
        "accessibility_status": "",
    })
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/startups/aides-simplifiees")
    startup = db.session.get(Startup, "aides-simplifiees")
    assert startup.name == "Aides Simplifiées"
    assert [s.id for s in startup.sponsors] == ["ministere-test", "autre-org"]
    assert startup.themes == ["Social", "Emploi"]
    assert [(p.phase, p.start_on) for p in startup.periods] == [(Phase.INVESTIGATION, d("2026-11-02"))]
    assert startup.current_phase(TODAY) == Phase.INVESTIGATION
    [event] = events_of("startup.created")
    assert event.actor_id == world["admin"].id and event.startup_id == "aides-simplifiees"
    assert event.after["name"] == "Aides Simplifiées" and event.after["start_on"] == "2026-11-02"
    assert event.before is None


def test_the_id_given_is_kept_exactly_and_must_be_unique(world):
    data = services.StartupData(name="Répertoire", incubator_id="incub-test")
    startup = services.create_startup(data, id="Répertoire-Élus", investigation_on=TODAY, actor=None, now=clock.now())
    assert startup.id == "Répertoire-Élus"
    with pytest.raises(services.StartupError, match="déjà utilisé"):
        services.create_startup(data, id="répertoire-Élus", investigation_on=TODAY, actor=None, now=clock.now())
    with pytest.raises(services.StartupError, match="ne convient pas"):
        services.create_startup(data, id="a/b", investigation_on=TODAY, actor=None, now=clock.now())
    with pytest.raises(services.StartupError, match="réservé"):
        services.create_startup(data, id="new", investigation_on=TODAY, actor=None, now=clock.now())


def test_a_refusal_about_one_value_is_said_at_that_field(client, world):
    login(client, world["admin"])
    data = {"name": "Autre lieu", "id": "Lieu-Dit", "incubator": "incub-test", "investigation_on": "2026-11-02"}
    response = client.post("/startups/new", data=data)
    assert response.status_code == 422
    message = "Identifiant : « Lieu-Dit » est déjà utilisé ; choisissez-en un autre."
    # Above the form, and at the field, in the DSFR's error state, the field pointing to its message.
    assert f'<p id="id-erreur" class="fr-error-text">{markupsafe.escape(message)}</p>' in response.text
    assert 'aria-describedby="id-erreur"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Startup)) == 2
    with pytest.raises(services.StartupError) as refused:
        services.add_event(db.session.get(Startup, "lieu-dit"), kind=EventKind.OTHER, happened_on=None, comment=None,
                           actor=None, today=TODAY)
    assert refused.value.field == "happened_on"


def test_a_derived_id_is_made_unique(world):
    data = services.StartupData(name="Lieu dit", incubator_id="incub-test")
    startup = services.create_startup(data, id=None, investigation_on=TODAY, actor=None, now=clock.now())
    assert startup.id == "lieu-dit-2"  # « lieu-dit » is taken


def test_bad_input_gives_422_with_french_errors_and_writes_nothing(client, world):
    login(client, world["admin"])
    response = client.post("/startups/new", data={
        "name": "", "incubator": "incub-test", "investigation_on": "pas une date", "link": "aides.gouv.fr",
        "repository": "javascript:alert(1)",
    })
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.text
    assert "n&#39;est pas une adresse web valide" in response.text or "n'est pas une adresse web valide" in response.text
    assert "date" in response.text.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Startup)) == 2
    assert events_of("startup.created") == []


def test_incubator_staff_create_only_in_their_incubator(client, world):
    login(client, world["staff"])
    page = client.get("/startups/new")
    assert page.status_code == 200
    assert "Incubateur des essais" in page.text and "Autre incubateur" not in page.text
    response = client.post("/startups/new", data={"name": "Intruse", "incubator": "incub-autre",
                                                  "investigation_on": "2026-11-01"})
    assert response.status_code == 422  # not among the choices
    assert db.session.get(Startup, "intruse") is None


@pytest.mark.parametrize("role", ["coach", "intrapreneur", "sponsor", "member", "outsider"])
def test_people_without_an_incubator_role_cannot_create(client, world, role):
    login(client, world[role])
    assert client.get("/startups/new").status_code == 403
    assert client.post("/startups/new", data={"name": "X", "incubator": "incub-test",
                                               "investigation_on": "2026-11-01"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in ("/startups/new", "/startups/lieu-dit/edit", "/startups/lieu-dit/phase", "/startups/lieu-dit/members",
                "/organisations/manage", "/incubators/new"):
        response = client.get(url)
        assert response.status_code == 303, url
        assert "/users/login" in response.headers["Location"]
    response = client.post("/startups/lieu-dit/edit", data={"name": "Pirate"})
    assert response.status_code == 303 and "/users/login" in response.headers["Location"]
    assert db.session.get(Startup, "lieu-dit").name == "Lieu-dit"


# --- Editing a startup --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["intrapreneur", "coach", "staff", "admin"])
def test_the_intrapreneur_the_coach_staff_and_admins_edit_a_startup(client, world, role):
    startup = world["startup"]
    login(client, world[role])
    assert client.get("/startups/lieu-dit/edit").status_code == 200
    response = client.post("/startups/lieu-dit/edit", data=startup_form(
        startup, mission="Trouver un lieu.", link="https://lieu-dit.beta.gouv.fr", sponsors=["autre-org"]))
    assert response.status_code == 303
    startup = db.session.get(Startup, "lieu-dit")
    assert startup.mission == "Trouver un lieu." and [s.id for s in startup.sponsors] == ["autre-org"]
    [event] = events_of("startup.updated")
    assert event.actor_id == world[role].id
    assert event.before == {"mission": None, "link": None, "sponsor_ids": ["ministere-test"]}
    assert event.after == {"mission": "Trouver un lieu.", "link": "https://lieu-dit.beta.gouv.fr",
                           "sponsor_ids": ["autre-org"]}
    assert event.at.tzinfo is not None


def test_the_sponsors_are_checkboxes_the_checked_ones_first_with_a_filter_field(client, world):
    login(client, world["coach"])
    page = client.get("/startups/lieu-dit/edit").text
    boxes = re.findall(r'<input type="checkbox" name="sponsors" id="sponsors-\d+" value="([^"]+)"( checked)?>', page)
    assert boxes[0] == ("ministere-test", " checked")  # the startup's sponsor, at the top
    assert ("autre-org", "") in boxes and len(boxes) == 2
    assert 'data-jalons-filter' in page and "Filtrer les administrations" in page
    assert "<select" not in page.split('id="sponsors"', 1)[1].split("</fieldset>", 1)[0]


def test_the_history_names_the_sponsors_the_incubator_and_the_owner_not_their_ids(client, world):
    login(client, world["admin"])
    response = client.post("/startups/lieu-dit/edit", data=startup_form(
        world["startup"], sponsors=["autre-org", "ministere-test"], incubator="incub-autre"))
    assert response.status_code == 303
    incubator = world["incubator"]
    response = client.post("/incubators/incub-test/edit", data={
        "name": incubator.name, "owner": "autre-org", "version": str(incubator.version)})
    assert response.status_code == 303
    history = client.get("/audit/startups/lieu-dit").text
    assert "Ministère des Essais" in history and "Autre administration, Ministère des Essais" in history
    assert "Incubateur des essais" in history and "Autre incubateur" in history
    log = client.get("/audit").text
    assert "Organisation porteuse" in log and "Autre administration" in log
    for page in (history, log):
        rows = page.split("<tbody", 1)[1]
        assert "incub-autre" not in rows and "autre-org" not in rows and "ministere-test" not in rows


@pytest.mark.parametrize("role", ["sponsor", "member", "outsider"])
def test_a_sponsor_a_team_member_or_another_startup_is_refused_an_edit(client, world, role):
    login(client, world[role])
    assert client.get("/startups/lieu-dit/edit").status_code == 403
    response = client.post("/startups/lieu-dit/edit", data=startup_form(world["startup"], name="Détourné"))
    assert response.status_code == 403
    assert db.session.get(Startup, "lieu-dit").name == "Lieu-dit"
    assert events_of("startup.updated") == []


def test_an_intrapreneur_cannot_move_the_startup_to_another_incubator(client, world):
    login(client, world["intrapreneur"])
    response = client.post("/startups/lieu-dit/edit", data=startup_form(world["startup"], incubator="incub-autre"))
    assert response.status_code == 422
    assert db.session.get(Startup, "lieu-dit").incubator_id == "incub-test"


def test_an_unknown_startup_is_404(client, world):
    login(client, world["admin"])
    assert client.get("/startups/inconnue/edit").status_code == 404
    assert client.get("/startups/a%00b/edit").status_code == 400  # refused at the edge (core/errors.py)


def test_two_people_editing_the_same_startup_the_second_save_is_refused_and_the_first_kept(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, world["intrapreneur"])
    login(second, world["coach"])
    version_first = hidden(first.get("/startups/lieu-dit/edit").text, "version")
    version_second = hidden(second.get("/startups/lieu-dit/edit").text, "version")
    assert version_first == version_second
    startup = world["startup"]
    saved = first.post("/startups/lieu-dit/edit", data=startup_form(startup, mission="Version d'Inès",
                                                                       version=version_first))
    assert saved.status_code == 303
    refused = second.post("/startups/lieu-dit/edit", data=startup_form(startup, mission="Version de Camille",
                                                                          version=version_second))
    assert refused.status_code == 409
    assert "a été modifiée par quelqu&#39;un d&#39;autre pendant que vous l&#39;éditiez" in refused.text
    assert "Version de Camille" in refused.text  # their input stays on the page, to copy
    assert db.session.get(Startup, "lieu-dit").mission == "Version d'Inès"
    assert len(events_of("startup.updated")) == 1


def test_a_concurrent_save_between_load_and_commit_is_caught_by_the_version_column(world):
    startup = world["startup"]
    loaded_version = startup.version
    # Another transaction saves the row behind this session's back.
    db.session.execute(sa.update(Startup.__table__).where(Startup.__table__.c.id == "lieu-dit")
                       .values(name="Par quelqu'un d'autre", version=loaded_version + 1))
    with pytest.raises(services.Conflict, match="pendant que vous l'éditiez"):
        services.edit_startup(startup, services.StartupData(name="Lieu-dit bis", incubator_id="incub-test"),
                              expected_version=loaded_version, actor=None, now=clock.now())


def test_a_change_of_sponsors_alone_moves_the_version_on(world):
    startup = world["startup"]
    version = startup.version
    services.edit_startup(startup, services.StartupData(name="Lieu-dit", incubator_id="incub-test",
                                                        sponsor_ids=["autre-org"]),
                          expected_version=version, actor=None, now=clock.now())
    assert startup.version == version + 1


def test_saving_unchanged_writes_no_audit_event(world):
    startup = world["startup"]
    changed = services.edit_startup(startup, services.StartupData(name="Lieu-dit", incubator_id="incub-test",
                                                                  sponsor_ids=["ministere-test"]),
                                    expected_version=startup.version, actor=None, now=clock.now())
    assert changed is False and events_of("startup.updated") == []


def test_mission_and_comments_are_plain_text_shown_escaped(client, world):
    login(client, world["coach"])
    evil = '<script>alert("x")</script><b>gras</b>'
    client.post("/startups/lieu-dit/edit", data=startup_form(world["startup"], mission=evil))
    client.post("/startups/lieu-dit/events/new", data={"kind": "other", "happened_on": "2026-11-20",
                                                       "comment": evil})
    page = client.get("/startups/lieu-dit").text
    assert "<script>alert" not in page and "<b>gras</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


# --- Changing phase -----------------------------------------------------------------------------------

def test_the_coach_moves_the_startup_to_a_later_phase_with_a_reason(client, world):
    login(client, world["coach"])
    page = client.get("/startups/lieu-dit/phase")
    assert page.status_code == 200
    response = client.post("/startups/lieu-dit/phase", data={
        "phase": "acceleration", "starts_on": "2026-11-20", "reason": "Comité du 19 novembre",
        "periods": hidden(page.text, "periods")})
    assert response.status_code == 303
    startup = db.session.get(Startup, "lieu-dit")
    assert startup.current_phase(TODAY) == Phase.ACCELERATION
    assert [p.position for p in startup.periods] == [0, 1, 2]
    assert startup.periods[1].end_on == d("2026-11-20")
    assert startup.periods[2].comment == "Comité du 19 novembre"
    [event] = events_of("startup.phase_changed")
    assert event.actor_id == world["coach"].id and event.reason == "Comité du 19 novembre"
    assert event.before == {"phase": "construction", "start_on": "2025-09-01"}
    assert event.after["phase"] == "acceleration" and event.after["start_on"] == "2026-11-20"


def test_a_planned_transition_does_not_change_the_current_phase_yet(world):
    startup = world["startup"]
    services.change_phase(startup, phase=Phase.ACCELERATION, starts_on=d("2027-01-15"), reason="Prévu",
                          actor=None, today=TODAY)
    assert startup.current_phase(TODAY) == Phase.CONSTRUCTION
    assert startup.current_phase(d("2027-01-15")) == Phase.ACCELERATION


def test_a_phase_change_goes_only_forward_or_to_a_terminal_phase(world):
    startup = world["startup"]
    for phase in (Phase.INVESTIGATION, Phase.CONSTRUCTION):
        with pytest.raises(services.StartupError, match="seule une phase ultérieure ou une phase terminale"):
            services.change_phase(startup, phase=phase, starts_on=TODAY, reason="Retour", actor=None, today=TODAY)
    with pytest.raises(services.StartupError, match="ne peut pas être daté d'avant"):
        services.change_phase(startup, phase=Phase.ACCELERATION, starts_on=d("2025-08-01"), reason="Trop tôt",
                              actor=None, today=TODAY)
    with pytest.raises(services.StartupError, match="Motif"):
        services.change_phase(startup, phase=Phase.ACCELERATION, starts_on=TODAY, reason="  ", actor=None, today=TODAY)
    services.change_phase(startup, phase=Phase.ABANDON, starts_on=TODAY, reason="Arrêt décidé", actor=None, today=TODAY)
    assert startup.current_phase(TODAY) == Phase.ABANDON
    with pytest.raises(services.StartupError, match="phase terminale"):
        services.change_phase(startup, phase=Phase.TRANSFERE, starts_on=TODAY, reason="Encore", actor=None,
                              today=TODAY)


def test_going_back_is_refused_to_the_coach_and_allowed_to_an_admin_correcting_with_a_reason(client, world):
    login(client, world["coach"])
    page = client.get("/startups/lieu-dit/phase").text
    assert "Correction de l" not in page
    data = {"phase": "investigation", "starts_on": "2026-11-01", "reason": "Retour en investigation",
            "periods": hidden(page, "periods")}
    refused = client.post("/startups/lieu-dit/phase", data=data)
    assert refused.status_code == 422 and "seule une phase ultérieure" in refused.text
    assert client.post("/startups/lieu-dit/phase", data={**data, "correction": "y"}).status_code == 403

    login(client, world["admin"])
    assert "Correction de l" in client.get("/startups/lieu-dit/phase").text
    assert client.post("/startups/lieu-dit/phase", data={**data, "correction": "y", "reason": ""}).status_code == 422
    response = client.post("/startups/lieu-dit/phase", data={**data, "correction": "y"})
    assert response.status_code == 303
    assert db.session.get(Startup, "lieu-dit").current_phase(TODAY) == Phase.INVESTIGATION
    [event] = events_of("startup.phase_corrected")
    assert event.actor_id == world["admin"].id and event.reason == "Retour en investigation"


@pytest.mark.parametrize("role", ["intrapreneur", "sponsor", "member", "outsider"])
def test_only_the_coach_staff_and_admins_change_the_phase(client, world, role):
    login(client, world[role])
    assert client.get("/startups/lieu-dit/phase").status_code == 403
    response = client.post("/startups/lieu-dit/phase", data={"phase": "acceleration", "starts_on": "2026-11-20",
                                                             "reason": "Non"})
    assert response.status_code == 403
    assert events_of("startup.phase_changed") == []


def test_two_phase_changes_from_the_same_page_the_second_is_refused(client, world):
    login(client, world["coach"])
    periods = hidden(client.get("/startups/lieu-dit/phase").text, "periods")
    first = client.post("/startups/lieu-dit/phase", data={"phase": "acceleration", "starts_on": "2026-11-20",
                                                          "reason": "Comité", "periods": periods})
    assert first.status_code == 303
    second = client.post("/startups/lieu-dit/phase", data={"phase": "consolidation", "starts_on": "2026-11-21",
                                                           "reason": "Autre avis", "periods": periods})
    assert second.status_code == 409 and "pendant que vous l&#39;éditiez" in second.text
    assert db.session.get(Startup, "lieu-dit").current_phase(TODAY) == Phase.ACCELERATION


def test_an_admin_edits_or_deletes_a_period_with_a_reason(client, world):
    startup = world["startup"]
    period = startup.periods[1]
    login(client, world["coach"])
    assert client.get(f"/startups/lieu-dit/periods/{period.id}/edit").status_code == 403
    login(client, world["admin"])
    page = client.get(f"/startups/lieu-dit/periods/{period.id}/edit").text
    state = hidden(page, "state")
    no_reason = client.post(f"/startups/lieu-dit/periods/{period.id}/edit", data={
        "phase": "construction", "start_on": "2025-08-15", "end_on": "", "comment": "", "reason": "", "state": state})
    assert no_reason.status_code == 422
    response = client.post(f"/startups/lieu-dit/periods/{period.id}/edit", data={
        "phase": "construction", "start_on": "2025-08-15", "end_on": "", "comment": "", "reason": "Date du comité",
        "state": state})
    assert response.status_code == 303
    [event] = events_of("phase_period.corrected")
    assert event.before == {"start_on": "2025-09-01"} and event.after == {"start_on": "2025-08-15"}
    assert event.reason == "Date du comité"
    response = client.post(f"/startups/lieu-dit/periods/{period.id}/delete", data={
        "deletion_reason": "Saisie en double", "state": hidden(client.get(f"/startups/lieu-dit/periods/{period.id}/edit").text, "state")})
    assert response.status_code == 303
    assert [p.phase for p in db.session.get(Startup, "lieu-dit").periods] == [Phase.INVESTIGATION]
    [deleted] = events_of("phase_period.deleted")
    assert deleted.before["phase"] == "construction" and deleted.reason == "Saisie en double"


# --- Events -------------------------------------------------------------------------------------------

def test_the_team_adds_and_edits_events(client, world):
    login(client, world["intrapreneur"])
    response = client.post("/startups/lieu-dit/events/new", data={
        "kind": "national_impact", "happened_on": "2026-11-15", "comment": "Déploiement national"})
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.NATIONAL_IMPACT))
    assert event.position == 1 and event.comment == "Déploiement national"
    [created] = events_of("event.created")
    assert created.after == {"kind": "national_impact", "happened_on": "2026-11-15", "comment": "Déploiement national"}

    page = client.get(f"/startups/lieu-dit/events/{event.id}/edit").text
    response = client.post(f"/startups/lieu-dit/events/{event.id}/edit", data={
        "kind": "national_impact", "happened_on": "2026-11-16", "comment": "Déploiement national",
        "state": hidden(page, "state")})
    assert response.status_code == 303
    [updated] = events_of("event.updated")
    assert updated.before == {"happened_on": "2026-11-15"} and updated.after == {"happened_on": "2026-11-16"}
    stale = client.post(f"/startups/lieu-dit/events/{event.id}/edit", data={
        "kind": "other", "happened_on": "2026-11-16", "comment": "", "state": hidden(page, "state")})
    assert stale.status_code == 409
    assert db.session.get(Event, event.id).kind == EventKind.NATIONAL_IMPACT


def test_only_who_runs_the_committees_adds_or_changes_a_committee_event(client, world):
    """A `committee` event counts as a committee held (committees.due): the team would otherwise clear its
    own overdue committee by typing one. The coach, the incubator staff and admins may."""
    startup = world["startup"]
    due_before = startup.committee_due_on
    login(client, world["intrapreneur"])
    response = client.post("/startups/lieu-dit/events/new", data={"kind": "committee", "happened_on": "2026-11-20"})
    assert response.status_code == 422
    assert "seuls le coach de la startup et l'équipe de son incubateur" in markupsafe.Markup(response.text).unescape()
    db.session.expire_all()
    assert [e.kind for e in startup.events] == [EventKind.PRODUCT_LAUNCH] and events_of("event.created") == []
    assert startup.committee_due_on == due_before
    # Nor by turning another event into one.
    launch = startup.events[0]
    page = client.get(f"/startups/lieu-dit/events/{launch.id}/edit").text
    response = client.post(f"/startups/lieu-dit/events/{launch.id}/edit", data={
        "kind": "committee", "happened_on": "2026-11-20", "comment": "", "state": hidden(page, "state")})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, launch.id).kind == EventKind.PRODUCT_LAUNCH

    login(client, world["coach"])
    response = client.post("/startups/lieu-dit/events/new", data={"kind": "committee", "happened_on": "2026-11-20"})
    assert response.status_code == 303
    db.session.expire_all()
    committee = next(e for e in startup.events if e.kind == EventKind.COMMITTEE)
    # The team does not move or retype it afterwards either.
    login(client, world["intrapreneur"])
    page = client.get(f"/startups/lieu-dit/events/{committee.id}/edit").text
    response = client.post(f"/startups/lieu-dit/events/{committee.id}/edit", data={
        "kind": "committee", "happened_on": "2026-11-25", "comment": "", "state": hidden(page, "state")})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, committee.id).happened_on == d("2026-11-20")


def test_an_event_needs_a_kind_and_a_date(client, world):
    login(client, world["coach"])
    response = client.post("/startups/lieu-dit/events/new", data={"kind": "inconnu", "happened_on": ""})
    assert response.status_code == 422
    assert events_of("event.created") == []


def test_a_sponsor_cannot_add_an_event_and_an_event_of_another_startup_is_404(client, world):
    login(client, world["sponsor"])
    assert client.post("/startups/lieu-dit/events/new", data={"kind": "other", "happened_on": "2026-11-01"}
                       ).status_code == 403
    login(client, world["outsider"])
    other_event = world["startup"].events[0]
    assert client.get(f"/startups/ailleurs/events/{other_event.id}/edit").status_code == 404


# --- Control characters (issue 9) ---------------------------------------------------------------------


def test_a_line_feed_in_a_startup_name_is_refused_by_the_form(client, world):
    login(client, world["admin"])
    response = client.post("/startups/new", data={
        "name": "Ma\nStartup", "id": "", "mission": "Une mission\nsur deux lignes.", "incubator": "incub-test",
        "investigation_on": TODAY.isoformat(), "link": "", "themes": "", "user_types": "", "techno": "",
        "repository": "", "stats_url": "", "impact_url": "", "budget_url": "", "dashlord_url": "",
        "accessibility_status": "",
    })
    assert response.status_code == 422
    assert "doit tenir sur une ligne : il ne peut pas contenir un retour à la ligne." in response.text.replace("&#39;", "'").replace("&#34;", '"')
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Startup).where(Startup.name.like("Ma%Startup"))) == 0


def test_the_startup_services_refuse_a_line_feed_in_a_name_too(world):
    data = services.StartupData(name="Ma\nStartup", incubator_id="incub-test", mission="Sur\ndeux lignes")
    with pytest.raises(services.StartupError, match="Nom : le texte doit tenir sur une ligne, sans un retour à la ligne."):
        services.create_startup(data, id=None, investigation_on=TODAY, actor=None, now=clock.now())
    data = services.StartupData(name="Ma Startup", incubator_id="incub-test", mission="Sur\ndeux lignes")
    startup = services.create_startup(data, id=None, investigation_on=TODAY, actor=None, now=clock.now())
    assert startup.mission == "Sur\ndeux lignes"
    db.session.flush()
