"""The due date of the next investment committee: the rule in Python and in SQL, on synthetic and real data."""

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from committees.due import (
    CommitteeDueStatus,
    add_months,
    committee_due,
    committee_due_of,
    due_rows,
)
from committees.models import Committee, CommitteeKind, CommitteeStatus, Decision, DecisionKind, SignOff
from core.db import db
from startups.models import Startup
from tests.factories import d, make_startup

TODAY = d("2026-11-27")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "committees"


def make_committee(startup, status=CommitteeStatus.PLANNED, *, held_on=None, scheduled_at=None, **fields):
    committee = Committee(startup=startup, kind=CommitteeKind.SEMESTRIAL, status=status, held_on=held_on,
                          scheduled_at=scheduled_at, **fields)
    if status in (CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF):
        committee.decision = Decision(
            kind=DecisionKind.CONTINUE,
            sign_off=SignOff.SIGNED if status == CommitteeStatus.SIGNED_OFF else SignOff.PENDING,
        )
    db.session.add(committee)
    db.session.flush()
    return committee


def sql_due(today=TODAY) -> dict:
    return due_rows(today)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-05-31", 6, "2026-11-30"),
        ("2026-05-15", 6, "2026-11-15"),
        ("2025-08-31", 6, "2026-02-28"),
        ("2023-08-31", 6, "2024-02-29"),
        ("2026-07-31", 6, "2027-01-31"),
        ("2026-12-31", 6, "2027-06-30"),
        ("2026-01-01", 6, "2026-07-01"),
    ],
)
def test_six_months_are_calendar_months_clamped_to_the_end_of_the_month_in_python_and_sql(start, months, expected):
    assert add_months(d(start), months) == d(expected)
    make_startup("s", phases=[("construction", d(start))])
    assert sql_due(today=d(start))["s"].next_committee_due == d(expected)


def test_without_any_committee_the_due_date_is_six_months_after_the_start_of_the_current_phase():
    make_startup("s", phases=[("investigation", d("2026-01-10")), ("construction", d("2026-07-01"))])
    due = sql_due()["s"]
    assert due.last_committee_on is None
    assert due.next_committee_due == d("2027-01-01")
    assert due.status == CommitteeDueStatus.DUE45


def test_a_held_committee_moves_the_due_date_to_six_months_after_it():
    startup = make_startup("s", phases=[("construction", d("2025-01-01"))])
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-03-04"))
    assert sql_due()["s"].next_committee_due == d("2026-09-04")
    make_committee(startup, CommitteeStatus.SIGNED_OFF, held_on=d("2026-10-02"))
    due = sql_due()["s"]
    assert (due.last_committee_on, due.next_committee_due, due.status) == (d("2026-10-02"), d("2027-04-02"), CommitteeDueStatus.OK)


def test_a_committee_event_of_the_imported_timeline_counts_as_a_held_committee():
    make_startup("s", phases=[("construction", d("2025-01-01"))], events=[("committee", d("2026-06-09")), ("product_launch", d("2026-09-01"))])
    due = sql_due()["s"]
    assert (due.last_committee_on, due.next_committee_due) == (d("2026-06-09"), d("2026-12-09"))


def test_planned_cancelled_and_future_committees_do_not_count_as_held():
    startup = make_startup("s", phases=[("construction", d("2026-01-15"))], events=[("committee", d("2026-12-20"))])
    planned = make_committee(startup, CommitteeStatus.PLANNED, scheduled_at=dt.datetime(2026, 12, 3, 13, tzinfo=dt.timezone.utc))
    make_committee(startup, CommitteeStatus.CANCELLED, held_on=d("2026-06-01"))
    make_committee(startup, CommitteeStatus.TO_PLAN)
    due = sql_due()["s"]
    assert due.last_committee_on is None
    assert due.next_committee_due == d("2026-07-15")
    # Overdue: a planned committee does not cancel it, it is shown beside it.
    assert due.status == CommitteeDueStatus.OVERDUE
    assert due.next_planned_at == planned.scheduled_at


def test_an_archived_committee_does_not_count():
    startup = make_startup("s", phases=[("construction", d("2026-01-15"))])
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-10-01"), archived_at=dt.datetime(2026, 10, 2, tzinfo=dt.timezone.utc))
    assert sql_due()["s"].next_committee_due == d("2026-07-15")


def test_entering_a_new_phase_restarts_the_clock_after_an_older_committee():
    # The committee decided the move; the new phase started a few days later: six months from the phase.
    make_startup("s", phases=[("investigation", d("2025-07-01")), ("construction", d("2026-01-05"))], events=[("committee", d("2025-10-10"))])
    due = sql_due()["s"]
    assert (due.last_committee_on, due.next_committee_due) == (d("2025-10-10"), d("2026-07-05"))


def test_only_active_startups_have_a_due_date():
    make_startup("terminal", phases=[("construction", d("2024-01-01")), ("abandon", d("2025-01-01"))])
    make_startup("not-started", phases=[("investigation", d("2027-01-01"))])
    make_startup("nothing")
    make_startup("archived", phases=[("construction", d("2026-01-01"))], archived_at=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc))
    make_startup("opere", phases=[("opere", d("2026-10-01"))])
    rows = sql_due()
    assert not {"terminal", "not-started", "nothing", "archived"} & set(rows)
    assert rows["opere"].next_committee_due == d("2027-04-01")
    for id in ("terminal", "not-started", "nothing", "archived"):
        assert committee_due_of(db.session.get(Startup, id), TODAY) is None


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-11-26", CommitteeDueStatus.OVERDUE),
        ("2026-11-27", CommitteeDueStatus.DUE45),
        ("2027-01-11", CommitteeDueStatus.DUE45),  # today + 45 days
        ("2027-01-12", CommitteeDueStatus.OK),
    ],
)
def test_the_status_boundaries(due, expected):
    # A phase started six months before the due date.
    make_startup("s", phases=[("construction", add_months(d(due), -6))])
    assert add_months(add_months(d(due), -6), 6) == d(due)
    row = sql_due()["s"]
    assert row.status == expected
    assert committee_due_of(db.session.get(Startup, "s"), TODAY).status == expected


def test_the_sql_and_the_python_rules_agree_on_varied_histories():
    histories = []
    for n in range(40):
        start = d("2024-01-31") + dt.timedelta(days=23 * n)
        events = [("committee", start + dt.timedelta(days=40 * k + n)) for k in range(n % 4)]
        phases = [("investigation", start)]
        if n % 3 == 0:
            phases.append(("construction", start + dt.timedelta(days=61)))
        if n % 7 == 0:
            phases.append(("abandon", start + dt.timedelta(days=400)))
        startup = make_startup(f"s{n}", phases=phases, events=events)
        if n % 5 == 1:
            make_committee(startup, CommitteeStatus.DECIDED, held_on=start + dt.timedelta(days=100))
        if n % 4 == 2:
            make_committee(startup, CommitteeStatus.PLANNED, scheduled_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc))
        histories.append(startup.id)
    db.session.expire_all()
    rows = sql_due()
    for startup_id in histories:
        python = committee_due_of(db.session.get(Startup, startup_id), TODAY)
        assert rows.get(startup_id) == python, startup_id


def test_the_subquery_filters_a_list_by_status_in_one_statement(count_queries):
    make_startup("late", phases=[("construction", d("2025-01-01"))])
    make_startup("soon", phases=[("construction", d("2026-06-15"))])
    make_startup("fine", phases=[("construction", d("2026-10-01"))])
    due = committee_due(TODAY)
    query = sa.select(Startup.id).join(due, due.c.startup_id == Startup.id)
    with count_queries() as statements:
        late = db.session.scalars(query.where(due.c.committee_status == "overdue")).all()
        soon = db.session.scalars(query.where(due.c.committee_status == "due45")).all()
    assert (late, soon) == (["late"], ["soon"])
    assert len(statements) == 2


# --- Real startups' histories (fiches of beta.gouv.fr, 2026-08 snapshot) ----------------------------

REAL = {
    # id: (last committee, due date, status on 2026-11-27)
    "acces-cible": (d("2026-06-09"), d("2026-12-09"), CommitteeDueStatus.DUE45),
    "travailler.en.france": (d("2026-05-28"), d("2026-11-28"), CommitteeDueStatus.DUE45),
    "dpm-facile": (d("2026-11-12"), d("2027-05-12"), CommitteeDueStatus.OK),
    "sylva-san": (d("2026-09-01"), d("2027-03-01"), CommitteeDueStatus.OK),
    "nosgestesclimat": (d("2026-05-06"), d("2026-11-06"), CommitteeDueStatus.OVERDUE),
    # Went back from construction to investigation (2025-11-02); a committee since.
    "adaptation-au-changement-climatique-acc": (d("2025-11-26"), d("2026-05-26"), CommitteeDueStatus.OVERDUE),
    # Committee 2025-10-10, construction from 2026-01-05: six months from the phase.
    "certiphyto-lisa": (d("2025-10-10"), d("2026-07-06"), CommitteeDueStatus.OVERDUE),
}


@pytest.fixture
def real_startups():
    from startups.importer import import_directory

    report = import_directory(FIXTURES, TODAY)
    assert report.startups.rejected == []
    db.session.flush()
    return report


def test_due_dates_of_real_startups_imported_from_their_fiches(real_startups):
    rows = sql_due()
    for startup_id, (last, due, status) in REAL.items():
        row = rows[startup_id]
        assert (row.last_committee_on, row.next_committee_due, row.status) == (last, due, status), startup_id
        python = committee_due_of(db.session.get(Startup, startup_id), TODAY, committees=[])
        assert python == row, startup_id
    # Transferred in 2025: no committee due any more.
    assert "apilos" not in rows


def test_a_committee_held_in_jalons_after_the_imported_ones_moves_the_real_due_date(real_startups):
    startup = db.session.get(Startup, "nosgestesclimat")
    assert sql_due()["nosgestesclimat"].status == CommitteeDueStatus.OVERDUE
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-11-20"))
    row = sql_due()["nosgestesclimat"]
    assert (row.last_committee_on, row.next_committee_due, row.status) == (d("2026-11-20"), d("2027-05-20"), CommitteeDueStatus.OK)


# --- On the portfolio's pages ----------------------------------------------------------------------


@pytest.fixture
def fixed_today(clock_on):
    clock_on(TODAY)


def test_the_portfolio_shows_the_next_committee_with_its_badge(client, fixed_today):
    make_startup("late", name="En Retard", phases=[("construction", d("2025-01-01"))])
    make_startup("soon", name="Bientôt", phases=[("construction", d("2026-06-15"))])
    fine = make_startup("fine", name="Tranquille", phases=[("construction", d("2026-10-01"))])
    make_startup("stopped", name="Arrêtée", phases=[("construction", d("2025-01-01")), ("abandon", d("2025-06-01"))])
    make_committee(db.session.get(Startup, "late"), CommitteeStatus.PLANNED, scheduled_at=dt.datetime(2026, 12, 3, 13, tzinfo=dt.timezone.utc))
    assert fine
    page = client.get("/startups").text
    assert '<th scope="col">Prochain comité</th>' in page
    assert "1er juillet 2025" in page and "En retard</p>" in page and "Planifié le 3 décembre 2026" in page
    assert "15 décembre 2026" in page and "Dans moins de 45 jours</p>" in page
    assert "1er avril 2027" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("committee=overdue", ["En Retard"], ["Bientôt", "Tranquille", "Arrêtée"]),
        ("committee=due45", ["Bientôt"], ["En Retard", "Tranquille", "Arrêtée"]),
        ("committee=due45&phase=investigation", [], ["En Retard", "Bientôt", "Tranquille"]),
    ],
)
def test_the_portfolio_filters_by_committee_status(client, fixed_today, query, shown, hidden):
    make_startup("late", name="En Retard", phases=[("construction", d("2025-01-01"))])
    make_startup("soon", name="Bientôt", phases=[("construction", d("2026-06-15"))])
    make_startup("fine", name="Tranquille", phases=[("construction", d("2026-10-01"))])
    make_startup("stopped", name="Arrêtée", phases=[("construction", d("2025-01-01")), ("abandon", d("2025-06-01"))])
    page = client.get(f"/startups?{query}").text
    for name in shown:
        assert f">{name}</a>" in page
    for name in hidden:
        assert f">{name}</a>" not in page
    assert '<option selected value="overdue">Comité en retard</option>' in page or "overdue" not in query


def test_an_unknown_committee_filter_is_ignored_with_a_french_warning(client, fixed_today):
    make_startup("late", name="En Retard", phases=[("construction", d("2025-01-01"))])
    page = client.get("/startups?committee=bientot").text
    assert "Prochain comité : « bientot » n&#39;est pas une valeur possible : ce filtre a été ignoré." in page
    assert ">En Retard</a>" in page


def test_the_startup_page_shows_the_next_committee(client, fixed_today):
    make_startup("s", name="Ma Startup", phases=[("construction", d("2025-01-01"))], events=[("committee", d("2026-05-31"))])
    page = client.get("/startups/s").text
    assert "Prochain comité d'investissement" in page
    assert "À tenir au plus tard le 30 novembre 2026" in page
    assert "Dans moins de 45 jours</p>" in page
    assert "Six mois après le dernier comité, tenu le 31 mai 2026." in page
    stopped = make_startup("stopped", phases=[("construction", d("2025-01-01")), ("abandon", d("2025-06-01"))])
    assert "Prochain comité d'investissement" not in client.get(f"/startups/{stopped.id}").text


PAGES = {
    "/startups": "En retard</p>",
    "/startups?committee=overdue": "En retard</p>",
    "/startups?committee=due45&sort=phase": "Dans moins de 45 jours</p>",
    "/startups/lot-0001": "Prochain comité d'investissement",
}


def measure_pages(client, count_queries, count: int) -> dict[str, int]:
    from tests.factories import bulk_portfolio

    bulk_portfolio(count, TODAY)
    # The same late and soon-due startups beside the 10 or 1,000 others (named to come first).
    make_startup("late", name="A En Retard", phases=[("construction", d("2025-01-01"))])
    make_startup("soon", name="A Bientôt", phases=[("construction", d("2026-06-15"))])
    counts = {}
    for url, needle in PAGES.items():
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        assert needle in response.text, url
        counts[url] = len(statements)
    return counts


def test_the_portfolio_with_due_dates_runs_the_same_queries_for_10_or_1000_startups(client, count_queries, fixed_today, session):
    small = measure_pages(client, count_queries, 10)
    session.rollback()
    large = measure_pages(client, count_queries, 1000)
    assert large == small


# --- In the API ------------------------------------------------------------------------------------


def test_the_api_gives_the_next_committee_due_and_filters_by_committee_status(client, clock_on):
    today = clock_on(TODAY)
    make_startup("late", phases=[("construction", add_months(today, -7))])
    soon_start = add_months(today, -6) + dt.timedelta(days=10)
    make_startup("soon", phases=[("construction", soon_start)])
    make_startup("fine", phases=[("construction", add_months(today, -1))])
    make_startup("stopped", phases=[("construction", d("2024-01-01")), ("abandon", d("2025-01-01"))])
    body = client.get("/api/v1/startups").get_json()
    by_id = {s["id"]: (s["next_committee_due"], s["committee_status"]) for s in body["data"]}
    assert by_id == {
        "late": (add_months(today, -1).isoformat(), "overdue"),
        "soon": (add_months(soon_start, 6).isoformat(), "due45"),
        "fine": (add_months(today, 5).isoformat(), "ok"),
        "stopped": (None, None),
    }
    one = client.get("/api/v1/startups/soon").get_json()
    assert (one["next_committee_due"], one["committee_status"]) == (add_months(soon_start, 6).isoformat(), "due45")

    def ids(query):
        return sorted(s["id"] for s in client.get(f"/api/v1/startups?{query}").get_json()["data"])

    assert ids("committee=overdue") == ["late"]
    assert ids("committee=due45") == ["soon"]
    assert ids("committee=ok") == ["fine"]
    response = client.get("/api/v1/startups?committee=late")
    assert response.status_code == 400
