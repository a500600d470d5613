"""The partner's commitments per startup: statements with evidence, the workshop rule, the reminder sent once,
the portfolio view and its CSV, the pack's checklist as of the committee day."""

import csv
import html
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from commitments import jobs, queries, services
from commitments.models import FrozenFacts, Kind, State, Statement
from core.db import db
from presentations import pack
from tests.committees.lifecycle import cast, held
from tests.factories import d, login, make_person

TODAY = d("2026-11-27")
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def fixed_today(clock_on, app, monkeypatch):
    clock_on(TODAY)
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example.gouv.fr")


@pytest.fixture
def outbox(monkeypatch):
    sent = []
    monkeypatch.setattr("core.mail.send", lambda message: sent.append(message))
    return sent


def item(startup, kind: Kind, on=TODAY):
    return next(i for i in queries.checklist(startup, on) if i.kind is kind)


def test_a_statement_needs_a_reason_when_partly_met_and_keeps_the_earlier_ones():
    c = cast(phases=(("construction", d("2026-01-05")),))
    with pytest.raises(services.CommitmentError, match="« Pourquoi » est obligatoire"):
        services.state(c.startup, Kind.ACCESSIBILITY, state=State.PARTLY, why="  ", evidence_url=None,
                       evidence_note=None, evidence_on=None, actor=c.coach, now=NOW)
    with pytest.raises(services.CommitmentError, match="n'est pas une adresse web valide"):
        services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET, why=None, evidence_url="javascript:alert(1)",
                       evidence_note=None, evidence_on=None, actor=c.coach, now=NOW)
    with pytest.raises(services.CommitmentError, match="ne peut pas contenir"):
        services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET, why="ok\x00", evidence_url=None,
                       evidence_note=None, evidence_on=None, actor=c.coach, now=NOW)
    with pytest.raises(services.CommitmentError, match="Date de la preuve"):
        services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET, why=None, evidence_url=None,
                       evidence_note=None, evidence_on=TODAY + dt.timedelta(days=1), actor=c.coach, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 0

    services.state(c.startup, Kind.ACCESSIBILITY, state=State.PARTLY, why="Déclaration publiée, audit à faire",
                   evidence_url="https://lieu.beta.gouv.fr/accessibilite", evidence_note=None, evidence_on=d("2026-10-20"),
                   actor=c.coach, now=NOW - dt.timedelta(days=30))
    services.state(c.startup, Kind.ACCESSIBILITY, state=State.MET, why=None, evidence_url=None, evidence_note="Audit RGAA",
                   evidence_on=None, actor=c.intrapreneur, now=NOW)

    current = item(c.startup, Kind.ACCESSIBILITY)
    assert (current.state, current.statement.evidence_note, current.statement.stated_by) == (State.MET, "Audit RGAA", c.intrapreneur)
    assert item(c.startup, Kind.ACCESSIBILITY, on=TODAY - dt.timedelta(days=10)).state is State.PARTLY
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 2
    audited = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "commitment.stated")).all()
    assert [e.after["state"] for e in audited] == ["en_partie", "tenu"]


def test_no_risk_workshop_for_more_than_twelve_months_in_construction_is_not_met():
    c = cast(phases=(("investigation", d("2025-06-02")), ("construction", d("2025-11-27"))))
    services.state(c.startup, Kind.RISK, state=State.MET, why=None, evidence_url=None, evidence_note=None,
                   evidence_on=None, actor=c.coach, now=NOW - dt.timedelta(days=60))
    assert item(c.startup, Kind.RISK, on=TODAY).rule is None  # exactly twelve months: still in time
    late = item(c.startup, Kind.RISK, on=TODAY + dt.timedelta(days=1))
    assert late.state is State.NOT_MET and "depuis plus de 12 mois" in late.rule

    with pytest.raises(services.CommitmentError, match="Date de l'atelier"):
        services.record_workshop(c.startup, held_on=TODAY + dt.timedelta(days=1), participants="L'équipe",
                                 residual_risks=None, next_on=None, actor=c.coach, now=NOW)
    with pytest.raises(services.CommitmentError, match="doit être après"):
        services.record_workshop(c.startup, held_on=TODAY, participants="L'équipe", residual_risks=None,
                                 next_on=TODAY, actor=c.coach, now=NOW)
    with pytest.raises(services.CommitmentError, match="Participants"):
        services.record_workshop(c.startup, held_on=TODAY, participants=" ", residual_risks=None, next_on=None,
                                 actor=c.coach, now=NOW)
    services.record_workshop(c.startup, held_on=d("2026-10-01"), participants="Équipe, RSSI", residual_risks="Sauvegardes",
                             next_on=d("2027-04-01"), actor=c.coach, now=NOW)
    fine = item(c.startup, Kind.RISK, on=TODAY + dt.timedelta(days=1))
    assert fine.rule is None and fine.state is State.MET
    assert any("Dernier atelier le 01/10/2026" in fact.text for fact in fine.facts)

    # In investigation, the rule does not apply.
    early = cast(name="Tôt", phases=(("investigation", d("2024-01-08")),))
    assert item(early.startup, Kind.RISK).rule is None


def test_the_coach_is_reminded_once_of_an_overdue_workshop(outbox):
    c = cast(phases=(("construction", d("2025-01-06")),))
    other_coach = make_person("Claude Coach", email="claude@example.gouv.fr")
    from tests.factories import make_membership
    make_membership(other_coach, c.startup, "coach")

    first = jobs.remind_workshops(today=TODAY)
    again = jobs.remind_workshops(today=TODAY)

    assert (first.sent, again.sent) == (2, 0)
    assert sorted(m.to for m in outbox) == sorted([c.coach.email, "claude@example.gouv.fr"])
    assert all("Atelier d'analyse de risques en retard — Lieu" in m.subject for m in outbox)
    assert "/startups/" in outbox[0].body and "#ateliers" in outbox[0].body
    assert len({m.message_id for m in outbox}) == 2

    # A workshop held: nothing more, even later.
    services.record_workshop(c.startup, held_on=TODAY, participants="Équipe", residual_risks=None, next_on=None,
                             actor=c.coach, now=NOW)
    assert jobs.remind_workshops(today=TODAY + dt.timedelta(days=30)).sent == 0


def test_an_archived_coach_is_not_reminded_of_a_workshop(outbox):
    c = cast(phases=(("construction", d("2025-01-06")),))
    from tests.factories import make_membership
    archived = make_person("Alix Archivée", email="alix@example.gouv.fr", archived_at=NOW - dt.timedelta(days=3))
    make_membership(archived, c.startup, "coach")

    assert jobs.remind_workshops(today=TODAY).sent == 1
    assert [m.to for m in outbox] == [c.coach.email]  # the archived account, its role still dated, gets nothing


def test_the_pages_the_forms_and_who_may_use_them(client):
    c = cast(phases=(("construction", d("2026-01-05")),))
    page = f"/startups/{c.startup.id}/engagements"
    assert client.get(page).status_code == 303  # to the login page
    login(client, c.outsider)
    assert client.get(page).status_code == 403

    login(client, c.sponsor)
    assert client.get(page).status_code == 200
    assert client.post(page, data={"kind": "code_ouvert", "state": "tenu"}).status_code == 403

    login(client, c.coach)
    response = client.post(page, data={"kind": "accessibilite", "state": "sans_objet", "why": ""})
    assert response.status_code == 422 and "« Pourquoi » est obligatoire" in html.unescape(response.get_data(as_text=True))
    response = client.post(page, data={"kind": "nimporte", "state": "tenu"})
    assert response.status_code == 422 and "Choisissez l'engagement dans la liste." in html.unescape(response.get_data(as_text=True))
    response = client.post(page, data={"kind": "code_ouvert", "state": "tenu", "evidence_on": "32/13/2026"})
    assert response.status_code == 422 and "Cette date n'est pas valable" in html.unescape(response.get_data(as_text=True))
    response = client.post(page, data={"kind": "code_ouvert", "state": "tenu",
                                       "evidence_url": "https://github.com/betagouv/lieu"})
    assert response.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "https://github.com/betagouv/lieu" in shown and "Camille Coach" in shown
    response = client.post(f"{page}/ateliers", data={"held_on": "2026-11-20", "participants": "Équipe et RSSI",
                                                     "next_on": "2027-05-20"})
    assert response.status_code == 303
    assert "Équipe et RSSI" in client.get(page).get_data(as_text=True)

    # The portfolio: the programme's staff, not the team.
    assert client.get("/engagements").status_code == 403
    login(client, c.head)
    portfolio = client.get("/engagements")
    assert portfolio.status_code == 200 and "Lieu" in portfolio.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/engagements.csv").get_data(as_text=True))))
    assert rows[0][:4] == ["startup", "nom", "incubateur", "phase"]
    line = next(r for r in rows if r[0] == c.startup.id)
    assert line[3] == "construction" and line[4 + list(Kind).index(Kind.OPEN_SOURCE)] == "tenu"
    assert client.get("/engagements?phase=investigation").get_data(as_text=True).count(">Lieu<") == 0


def test_the_portfolio_counts_the_shares_in_a_bounded_number_of_statements(count_queries):
    for n in range(6):
        c = cast(name=f"S{n}", phases=(("construction", d("2026-01-05")),))
        services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET if n % 2 else State.NOT_MET, why=None,
                       evidence_url=None, evidence_note=None, evidence_on=None, actor=c.coach, now=NOW)
    with count_queries() as statements:
        matrix = queries.portfolio(TODAY)
    assert len(statements) <= 6
    assert matrix.shares[Kind.OPEN_SOURCE] == (3, 6)
    assert matrix.shares[Kind.STATS] == (0, 0)


def test_the_pack_shows_the_checklist_as_of_the_committee_day():
    c = cast(phases=(("construction", d("2026-01-05")),))
    services.state(c.startup, Kind.OPEN_SOURCE, state=State.NOT_MET, why=None, evidence_url=None, evidence_note=None,
                   evidence_on=None, actor=c.coach, now=dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc))
    committee = held(c, "2026-11-10")
    services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET, why=None, evidence_url=None, evidence_note=None,
                   evidence_on=None, actor=c.coach, now=NOW)  # after the committee

    items = pack.commitments(committee, None)

    assert next(i for i in items if i.kind is Kind.OPEN_SOURCE).state is State.NOT_MET
    assert [i.kind for i in items] == list(Kind)


def test_what_jalons_checked_in_the_fiche_is_frozen_when_the_committee_is_held():
    c = cast(phases=(("construction", d("2026-01-05")),))
    c.startup.stats_url = "https://lieu.beta.gouv.fr/stats"
    committee = held(c, "2026-11-10")
    # Later, the fiche changes: the held committee's pack still shows what was checked the day it was held.
    c.startup.stats_url = "https://ailleurs.example.org/statistiques"
    c.startup.repository = "https://github.com/betagouv/lieu"
    db.session.flush()

    items = {i.kind: i for i in pack.commitments(committee, None)}
    assert [f.url for f in items[Kind.STATS].facts] == ["https://lieu.beta.gouv.fr/stats"]
    assert items[Kind.OPEN_SOURCE].facts == []
    # The startup's own checklist says what the fiche says today.
    today = {i.kind: i for i in queries.checklist(c.startup, TODAY)}
    assert [f.url for f in today[Kind.STATS].facts] == ["https://ailleurs.example.org/statistiques"]
    # Frozen once: a committee held again (after a contest) keeps the first freeze.
    services.freeze_facts(committee)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FrozenFacts)) == 1


def test_a_decisions_condition_is_tied_to_a_commitment_and_followed_there(client):
    from committees import services as committee_services
    c = cast(phases=(("construction", d("2026-01-05")),))
    committee = held(c, "2026-11-10")
    item = committee_services.add_action_item(committee, title="Publier la déclaration d'accessibilité",
                                              owner=c.intrapreneur, due_on=d("2027-03-01"), actor=c.coach, now=NOW)
    elsewhere = cast(name="Ailleurs", phases=(("construction", d("2026-01-05")),))
    other = committee_services.add_action_item(held(elsewhere, "2026-11-10"), title="Autre chose", owner=None,
                                               due_on=None, actor=elsewhere.coach, now=NOW)
    page = f"/startups/{c.startup.id}/engagements"

    login(client, c.sponsor)
    assert client.post(f"{page}/conditions/{item.id}", data={"kind": "accessibilite"}).status_code == 403
    login(client, c.coach)
    assert client.post(f"{page}/conditions/{other.id}", data={"kind": "accessibilite"}).status_code == 303
    assert "pas été décidée par un comité de cette startup" in html.unescape(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/conditions/{item.id}", data={"kind": "accessibilite"}).status_code == 303

    tied = next(i for i in queries.checklist(c.startup, TODAY) if i.kind is Kind.ACCESSIBILITY)
    assert [a.title for a in tied.conditions] == ["Publier la déclaration d'accessibilité"]
    assert "Condition d'un comité : Publier la déclaration" in html.unescape(client.get(page).get_data(as_text=True))
    assert "Publier la déclaration d'accessibilité, avant le 1er mars 2027" in \
        html.unescape(client.get(f"/presentations/committee/{committee.id}/pack").get_data(as_text=True))
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "commitment.condition_tied")).one()
    assert (event.before["kind"], event.after["kind"]) == (None, "accessibilite")

    assert client.post(f"{page}/conditions/{item.id}", data={"kind": ""}).status_code == 303  # untied
    assert next(i for i in queries.checklist(c.startup, TODAY) if i.kind is Kind.ACCESSIBILITY).conditions == []


def test_a_proof_dated_today_in_paris_is_not_in_the_future_just_after_midnight():
    """At 00:20 in Paris, the UTC date is still yesterday: a proof or a workshop dated today is accepted."""
    c = cast(phases=(("construction", d("2026-01-05")),))
    just_after_midnight = dt.datetime(2026, 11, 27, 23, 20, tzinfo=dt.timezone.utc)  # 28 November, 00:20 in Paris
    services.state(c.startup, Kind.OPEN_SOURCE, state=State.MET, why=None, evidence_url=None, evidence_note=None,
                   evidence_on=d("2026-11-28"), actor=c.coach, now=just_after_midnight)
    workshop = services.record_workshop(c.startup, held_on=d("2026-11-28"), participants="L'équipe et la coach",
                                        residual_risks=None, next_on=None, actor=c.coach, now=just_after_midnight)
    assert workshop.held_on == d("2026-11-28")
