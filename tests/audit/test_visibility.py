"""Hidden scores stay hidden everywhere, the audit trail included.

Two jurors submit their grids (one with distinctive scores, one abstaining with a conflict of interest)
on a committee not yet held. Every page and API answer of the application (every GET route of the URL
map, as the permission walk fills them) is then fetched as each kind of person — anonymous, someone of
another startup, the startup's team member, intrapreneur, coach and sponsor, its incubator's staff, an
admin, and a participant of the committee outside the team — and none shows a score nor the declared
conflict. Once the committee is held, the history shows them to those who may see the grids' results,
and still to nobody else.
"""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from audit import visibility
from audit.models import AuditEvent, Visibility
from audit.services import record
from committees.models import CommitteeStatus, Decision, DecisionKind, Participant, ParticipantRole
from core.db import db
from grids import services as grid_services
from grids.models import GridTemplate
from tests.factories import login, make_person
from tests.users.test_permission_walk import ROLES, ROUTES, World, _resolve
from users.permissions import can

NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)
PERSONAS = (*ROLES, "participant")
CONFLICT = "Conflit-Zéphyrin : j'ai conseillé cette startup"
# The jurors' scores as the history writes them (« 1.1 : 4 »), in JSON (« "1.1": 4 ») or anywhere else.
SCORE_LINE = re.compile(r"\b\d\.\d\s*:\s*\d\b")
SCORE_JSON = re.compile(r'"\d\.\d"\s*:\s*\d')
SCORES = {"1.1": 4, "1.2": 1, "1.3": 5, "1.4": 0, "2.1": 2, "2.2": 4, "2.3": 1, "3.1": 5, "3.2": 0, "3.3": 3}
# Who sees the startup's history (audit.view_startup) and, once the committee is held, its grids' results.
SEE_HISTORY = {"team_member", "intrapreneur", "coach", "sponsor", "incubator_staff", "admin"}
SEE_RESULTS = {"intrapreneur", "coach", "sponsor", "incubator_staff", "admin", "participant"}
# Who fills the sponsor's grid, open until the sign-off, and has not submitted: they see its scores once the
# decision is signed off, not once the committee is held.
FILL_THE_SPONSORS_GRID = {"sponsor", "participant"}


class ScoredWorld(World):
    """The walk's world, whose committee has the sponsor, a participant outside the team and two jurors as
    evaluators, and two submitted grids (the walked people have submitted none)."""

    def __init__(self):
        super().__init__()
        self.people["participant"] = make_person("Paula Participante")
        self.juror = make_person("Jules Juré")
        self.abstainer = make_person("Agathe Abstention")
        committee = self.committee()
        for person, role in ((self.people["sponsor"], ParticipantRole.SPONSOR),
                             (self.people["participant"], ParticipantRole.PORTFOLIO_MANAGER),
                             (self.juror, ParticipantRole.INCUBATOR_HEAD), (self.abstainer, ParticipantRole.OTHER)):
            committee.participants.append(Participant(person=person, role=role))
        db.session.flush()
        self.grids()
        self.template = db.session.scalars(sa.select(GridTemplate).where(GridTemplate.code == "arbitrage_sponsor")).one()
        self.juror_grid = submit(self, self.juror, SCORES)
        self.abstainer_grid = submit(self, self.abstainer, {}, conflict=CONFLICT)
        # Committed (a savepoint of the test's transaction): a view that rolls back keeps these rows.
        db.session.commit()

    def hold(self):
        self.committee().status = CommitteeStatus.HELD
        db.session.commit()

    def sign_off(self):
        committee = self.committee()
        committee.decision = Decision(kind=DecisionKind.CONTINUE)
        committee.status = CommitteeStatus.SIGNED_OFF
        db.session.commit()


def submit(world, person, values, conflict=None):
    version = world.template.latest_version
    by_code = {c.code: c for c in version.scored_criteria}
    answers = {by_code[code].id: grid_services.AnswerInput(value=str(score)) for code, score in values.items()}
    return grid_services.save_grid(world.committee(), world.template, person, answers=answers,
                                   abstained=conflict is not None, conflict_of_interest=conflict, comment=None,
                                   submit=True, now=NOW)


def text_of(response) -> str:
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        body = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    return body


def leaks(response) -> list[str]:
    """What of the hidden grids the answer shows."""
    if response.mimetype not in ("text/html", "application/json", "text/csv", "text/calendar", "text/plain"):
        return []  # the pack's PDF: its results come with the committee held (tests/presentations)
    body = text_of(response)
    found = SCORE_LINE.findall(body) + SCORE_JSON.findall(body)
    if "Conflit-Zéphyrin" in body:
        found.append(CONFLICT)
    if "Résultats par critère" in body:
        found.append("the grids' results")
    return found


GET_ROUTES = [param for param in ROUTES if param.values[2] == "GET"]


@pytest.mark.parametrize("role", PERSONAS)
def test_no_page_nor_api_answer_shows_scores_before_the_committee_is_held(app, client, role):
    world = ScoredWorld()
    person = world.people.get(role)
    checked = 0
    for param in GET_ROUTES:
        endpoint, rule, _ = param.values
        url, _ = _resolve(app, endpoint, rule, world)
        if person is not None:
            login(client, person)  # before each request: a route may log out
        response = client.get(url)
        assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
        assert leaks(response) == [], f"{url} as {role} shows hidden scores: {leaks(response)}"
        checked += response.status_code == 200
    # The walk reached the pages that show the history, as those who may see them.
    if role in SEE_HISTORY:
        login(client, person)
        history = text_of(client.get(f"/audit/startups/{world.startup.id}"))
        assert "Grille d'évaluation remplie" in history and "Jules Juré" in history
        assert "Notes : masquées tant que vous ne pouvez pas voir les résultats des grilles de ce comité" in history
        assert "Conflit d'intérêts : masqué" in history and "Abstention : Oui" in history
    assert checked > 10


def history_pages(world, role) -> list[str]:
    urls = [f"/startups/{world.startup.id}", f"/audit/startups/{world.startup.id}"]
    if role == "admin":
        urls += ["/audit", "/audit?action=grid.submitted", "/audit?objet=filled_grid"]
    return urls


@pytest.mark.parametrize("signed_off", [False, True], ids=["held", "signed_off"])
@pytest.mark.parametrize("role", sorted(SEE_HISTORY))
def test_once_the_committee_is_held_those_who_see_the_results_see_the_scores_in_the_history(app, client, role,
                                                                                            signed_off):
    world = ScoredWorld()
    world.sign_off() if signed_off else world.hold()
    person = world.people[role]
    assert can("grid.results", world.committee(), person=person) is (role in SEE_RESULTS)
    login(client, person)
    for url in history_pages(world, role):
        body = text_of(client.get(url))
        if role in SEE_RESULTS and (signed_off or role not in FILL_THE_SPONSORS_GRID):
            assert "1.1 : 4" in body and "3.2 : 0" in body and CONFLICT in body, url
            assert "masquées tant que" not in body, url
        else:
            assert leaks(client.get(url)) == [], url
            assert "Notes : masquées" in body, url


def test_a_participant_who_submitted_sees_the_others_scores_in_the_history_as_on_the_grids_page(app, client):
    world = ScoredWorld()
    sponsor = world.people["sponsor"]
    login(client, sponsor)
    assert "1.1 : 4" not in text_of(client.get(f"/audit/startups/{world.startup.id}"))
    submit(world, sponsor, {code: 3 for code in SCORES})
    db.session.commit()
    assert "Résultats par critère" in text_of(client.get(f"/grids/committee/{world.committee().id}"))
    history = text_of(client.get(f"/audit/startups/{world.startup.id}"))
    assert "1.1 : 4" in history and CONFLICT in history


def test_admins_see_no_scores_in_the_whole_log_before_the_committee_is_held(app, client):
    world = ScoredWorld()
    login(client, world.people["admin"])
    log = text_of(client.get("/audit?action=grid.submitted"))
    assert log.count("Grille d'évaluation remplie") >= 2
    assert not SCORE_LINE.search(log) and CONFLICT not in log


def test_a_submitted_grid_is_recorded_with_the_visibility_of_its_scores(app):
    world = ScoredWorld()
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "grid.submitted",
                                                           AuditEvent.object_id == str(world.juror_grid.id))).one()
    assert event.visibility is Visibility.GRID_SCORES and event.visibility_ref == world.juror_grid.id
    assert event.after["scores"] == SCORES  # the log keeps what was recorded: only its display is masked


def test_an_archived_committee_shows_no_scores_as_its_grids_page_shows_none(app):
    world = ScoredWorld()
    world.hold()
    admin = world.people["admin"]
    assert grid_services.scores_visible_to({world.juror_grid.id}, admin) == {world.juror_grid.id}
    world.committee().archived_at = NOW
    db.session.flush()
    assert grid_services.scores_visible_to({world.juror_grid.id}, admin) == set()


def test_the_history_of_a_page_full_of_grids_runs_a_fixed_number_of_statements(app, client, count_queries):
    world = ScoredWorld()
    login(client, world.people["coach"])
    url = f"/audit/startups/{world.startup.id}"
    db.session.expire_all()
    with count_queries() as few:
        client.get(url)
    for n in range(30):
        other = make_person(f"Juré n° {n}")
        world.committee().participants.append(Participant(person=other, role=ParticipantRole.OTHER))
        db.session.flush()
        submit(world, other, {code: n % 6 for code in SCORES})
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        body = text_of(client.get(url))
    assert body.count("Notes : masquées") == 31
    assert len(few) == len(many)


# -- the rule itself --------------------------------------------------------------------------------------

def test_an_event_without_a_registered_rule_shows_none_of_its_values(app, monkeypatch):
    monkeypatch.setattr(visibility, "_rules", {})
    person = make_person("Ada", is_admin=True)
    event = record("grid.submitted", "filled_grid", 1, actor=person, visibility=Visibility.GRID_SCORES,
                   visibility_ref=1, after={"template": "arbitrage_sponsor", "scores": {"1.1": 4}}, reason="Motif")
    [shown] = visibility.shown([event], person)
    assert shown.after is None and shown.before is None and shown.reason is None
    assert shown.masked == ((visibility.EVERYTHING, visibility.NOTHING_SHOWN),)


def test_a_confidential_event_names_the_record_its_rule_asks_about(app):
    with pytest.raises(ValueError):
        record("grid.submitted", "filled_grid", 1, visibility=Visibility.GRID_SCORES, after={"scores": {"1.1": 4}})


def test_personal_events_show_to_the_person_and_to_admins_only(app):
    person, other, admin = make_person("Pia"), make_person("Oto"), make_person("Ada", is_admin=True)
    event = record("calendar_token.created", "person", person.id, actor=person, visibility=Visibility.PERSONAL,
                   visibility_ref=person.id, after={"note": "secret"})
    for viewer, sees in ((person, True), (admin, True), (other, False), (None, False)):
        [shown] = visibility.shown([event], viewer)
        assert (shown.after == {"note": "secret"}) is sees
        assert (shown.masked == ()) is sees


def test_the_migration_marks_the_events_recorded_before_it(tmp_path):
    """Old data does not leak: the grid events already in the log get the visibility of their scores."""
    from flask_migrate import upgrade

    from app import create_app

    other = create_app({"JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "migration",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with other.app_context():
        upgrade(revision="0009_data_version")
        events = sa.table("audit_events", *(sa.column(name) for name in (
            "id", "at", "action", "object_type", "object_id", "startup_id", "after")))
        with db.engine.begin() as connection:
            connection.execute(sa.insert(events), [
                {"id": 1, "at": "2026-11-02 10:00:00", "action": "grid.submitted", "object_type": "filled_grid",
                 "object_id": "12", "startup_id": "s", "after": '{"scores": {"1.1": 4}}'},
                {"id": 2, "at": "2026-11-02 10:00:00", "action": "startup.updated", "object_type": "startup",
                 "object_id": "s", "startup_id": "s", "after": '{"name": "S"}'},
                {"id": 3, "at": "2026-11-02 10:00:00", "action": "person.anonymised", "object_type": "person",
                 "object_id": "7", "startup_id": None, "after": "{}"},
            ])
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT id, visibility, visibility_ref FROM audit_events ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [(1, "notes_grille", 12), (2, "standard", None), (3, "personnel", 7)]


def test_a_calendar_link_is_logged_as_personal_data(app):
    from committees import services as committee_services

    person = make_person("Pia")
    committee_services.calendar_token(person)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "calendar_token.created")).one()
    assert event.visibility is Visibility.PERSONAL and event.visibility_ref == person.id


@pytest.mark.parametrize("role", PERSONAS)
def test_whoever_reads_the_history_may_read_the_presentations_so_their_events_need_no_visibility(app, role):
    """A draft presentation's events (status, attachments) stay STANDARD because the policy shows the
    presentation, drafts included, to everyone who reads the startup's history. If that changes, the
    presentations' events need a visibility of their own (audit.visibility)."""
    world = ScoredWorld()
    person = world.people.get(role)
    if person is not None and can("audit.view_startup", world.startup, person=person):
        assert can("presentation.view", world.committee(), person=person)
