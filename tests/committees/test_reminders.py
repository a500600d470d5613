"""Who is reminded of what, and when: each reminder's timing, recipients and e-mail."""

import datetime as dt

import pytest

from committees import jobs
from committees.jobs import due_reminders, send_reminders
from committees.models import CommitteeStatus, ParticipantRole, SignOff
from committees.models import ReminderKind
from tests.committees.builders import at, make_committee, make_member, make_person, make_staff
from tests.committees.smtp import mail_config, smtp_server  # noqa: F401 (fixtures)
from tests.factories import d, make_incubator, make_startup
from users.models import StartupRole

TODAY = d("2026-11-27")


def sent(today, kind=None) -> set[tuple]:
    """(kind, person name) of the reminders due on that day."""
    return {(r.kind, r.person_name) for r in due_reminders(today) if kind is None or r.kind == kind}


# --- To the coach, 45 days before the due date ----------------------------------------------------


@pytest.fixture
def due_on_december_15():
    """A startup whose next committee is due on 2026-12-15 (construction since 2026-06-15), with a coach."""
    incubator = make_incubator("incub")
    startup = make_startup("s", name="Ma Startup", phases=[("construction", d("2026-06-15"))], incubator_id=incubator.id)
    make_member(make_person("Camille Coach"), startup, StartupRole.COACH)
    make_member(make_person("Ancien Coach"), startup, StartupRole.COACH, ends_on=d("2026-01-01"))
    make_member(make_person("Ines Intra"), startup, StartupRole.INTRAPRENEUR)
    return startup


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-10-30", set()),  # 46 days before
        ("2026-10-31", {(ReminderKind.PLAN_COMMITTEE, "Camille Coach")}),  # 45 days before
        ("2026-12-15", {(ReminderKind.PLAN_COMMITTEE, "Camille Coach")}),  # the due date: still sent if missed
        ("2026-12-16", set()),  # overdue: the portfolio shows it, no late e-mail
    ],
)
def test_the_coach_is_reminded_from_45_days_before_the_due_date(due_on_december_15, today, expected):
    assert sent(d(today)) == expected


def test_no_reminder_to_plan_once_a_committee_is_planned(due_on_december_15):
    make_committee(due_on_december_15, CommitteeStatus.PLANNED, scheduled_at=at("2027-01-20"))
    assert sent(TODAY, ReminderKind.PLAN_COMMITTEE) == set()


def test_a_committee_still_to_plan_does_not_stop_the_reminder(due_on_december_15):
    make_committee(due_on_december_15, CommitteeStatus.TO_PLAN)
    assert sent(TODAY, ReminderKind.PLAN_COMMITTEE) == {(ReminderKind.PLAN_COMMITTEE, "Camille Coach")}


def test_without_a_coach_the_incubator_staff_is_reminded():
    incubator = make_incubator("incub")
    make_startup("s", phases=[("construction", d("2026-06-15"))], incubator_id=incubator.id)
    make_staff(make_person("Hugo Head"), incubator.id)
    make_staff(make_person("Parti Avant"), incubator.id, starts_on=d("2027-01-01"))
    assert sent(TODAY) == {(ReminderKind.PLAN_COMMITTEE, "Hugo Head")}


def test_no_reminder_for_terminal_startups_nor_to_archived_or_anonymised_people():
    startup = make_startup("s", phases=[("construction", d("2026-06-15"))])
    make_member(make_person("Archivé", archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)), startup, StartupRole.COACH)
    make_member(make_person("Sans adresse", email=None), startup, StartupRole.COACH)
    stopped = make_startup("stopped", phases=[("construction", d("2026-01-01")), ("abandon", d("2026-06-15"))])
    make_member(make_person("Coach Arrêt"), stopped, StartupRole.COACH)
    assert sent(TODAY) == set()


# --- Before a planned committee: the intrapreneur at 21 days, every participant at 7 days ----------


@pytest.fixture
def committee_on_december_18():
    startup = make_startup("s", name="Ma Startup", phases=[("construction", d("2026-09-01"))])
    make_member(make_person("Ines Intra"), startup, StartupRole.INTRAPRENEUR)
    people = {
        "intrapreneur": make_person("Iris Intra"),
        "sponsor": make_person("Sacha Sponsor"),
        "coach": make_person("Camille Coach"),
    }
    return make_committee(
        startup, CommitteeStatus.PLANNED, scheduled_at=at("2026-12-18"),
        participants=[(people["intrapreneur"], ParticipantRole.INTRAPRENEUR),
                      (people["sponsor"], ParticipantRole.SPONSOR),
                      (people["coach"], ParticipantRole.COACH)],
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-11-26", set()),
        ("2026-11-27", {(ReminderKind.PREPARE_PRESENTATION, "Iris Intra")}),  # 21 days before
        ("2026-12-10", {(ReminderKind.PREPARE_PRESENTATION, "Iris Intra")}),
        ("2026-12-11", {(ReminderKind.PREPARE_PRESENTATION, "Iris Intra"), (ReminderKind.READ_PACK, "Iris Intra"),
                        (ReminderKind.READ_PACK, "Sacha Sponsor"), (ReminderKind.READ_PACK, "Camille Coach")}),  # 7 days
        ("2026-12-18", {(ReminderKind.PREPARE_PRESENTATION, "Iris Intra"), (ReminderKind.READ_PACK, "Iris Intra"),
                        (ReminderKind.READ_PACK, "Sacha Sponsor"), (ReminderKind.READ_PACK, "Camille Coach")}),  # the day
        ("2026-12-19", set()),  # it has taken place
    ],
)
def test_reminders_before_a_planned_committee(committee_on_december_18, today, expected):
    assert sent(d(today)) == expected


def test_the_committee_day_is_its_day_in_paris():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    # 00:30 in Paris on 2026-12-18 is 2026-12-17 in UTC.
    committee = make_committee(startup, scheduled_at=at("2026-12-18", hour=0) + dt.timedelta(minutes=30),
                               participants=[(make_person("Iris Intra"), ParticipantRole.INTRAPRENEUR)])
    assert committee.scheduled_at.date() == d("2026-12-17")
    assert [r.target_on for r in due_reminders(d("2026-11-27"))] == [d("2026-12-18")]
    assert due_reminders(d("2026-11-26")) == []


def test_without_an_intrapreneur_among_the_participants_the_startups_intrapreneur_is_reminded():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    make_member(make_person("Ines Intra"), startup, StartupRole.INTRAPRENEUR)
    make_committee(startup, scheduled_at=at("2026-12-18"), participants=[(make_person("Sacha Sponsor"), ParticipantRole.SPONSOR)])
    assert sent(TODAY) == {(ReminderKind.PREPARE_PRESENTATION, "Ines Intra")}


def test_the_presentation_hook_stops_the_intrapreneur_reminder(committee_on_december_18, monkeypatch):
    monkeypatch.setattr(jobs, "presentation_expected", lambda ids: set())
    assert sent(d("2026-12-11")) == {(ReminderKind.READ_PACK, name) for name in ("Iris Intra", "Sacha Sponsor", "Camille Coach")}


def test_a_cancelled_committee_reminds_nobody(committee_on_december_18):
    committee_on_december_18.status = CommitteeStatus.CANCELLED
    assert sent(d("2026-12-11")) == set()


# --- After the committee: the chair for the decision, the sponsor for the sign-off ----------------


def test_the_chair_is_reminded_two_days_after_a_held_committee_without_decision():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    chair = make_person("Paula Présidente")
    make_member(chair, startup, StartupRole.COACH)  # who chairs and may record the decision
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-11-25"), chair=chair,
                   participants=[(make_person("Camille Coach"), ParticipantRole.COACH)])
    assert sent(d("2026-11-26")) == set()
    assert sent(d("2026-11-27")) == {(ReminderKind.RECORD_DECISION, "Paula Présidente")}
    assert sent(d("2027-01-10")) == {(ReminderKind.RECORD_DECISION, "Paula Présidente")}


def test_a_chair_who_may_not_record_the_decision_leaves_the_reminder_to_the_coach():
    """The partner administration's representative chairs (the convention) without a role in the startup:
    the coach records the decision, and is reminded; without any coach, the chair is, to pass it on."""
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-11-25"), chair=make_person("Rémi Représentant"),
                   participants=[(make_person("Camille Coach"), ParticipantRole.COACH)])
    assert sent(d("2026-11-27")) == {(ReminderKind.RECORD_DECISION, "Camille Coach")}
    alone = make_startup("t", phases=[("construction", d("2026-09-01"))])
    make_committee(alone, CommitteeStatus.HELD, held_on=d("2026-11-25"), chair=make_person("Renée Seule"))
    assert (ReminderKind.RECORD_DECISION, "Renée Seule") in sent(d("2026-11-28"))


def test_without_a_chair_the_committees_coach_is_reminded_of_the_decision():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    make_committee(startup, CommitteeStatus.HELD, held_on=d("2026-11-25"),
                   participants=[(make_person("Camille Coach"), ParticipantRole.COACH),
                                 (make_person("Sacha Sponsor"), ParticipantRole.SPONSOR)])
    assert sent(TODAY) == {(ReminderKind.RECORD_DECISION, "Camille Coach")}


def test_the_sponsor_is_reminded_seven_days_after_a_decision_not_signed_off():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    sacha = make_person("Sacha Sponsor")
    make_member(sacha, startup, StartupRole.SPONSOR)
    make_member(make_person("Sam Sponsor"), startup, StartupRole.SPONSOR)
    committee = make_committee(
        startup, CommitteeStatus.DECIDED, held_on=d("2026-11-18"), chair=make_person("Paula Présidente"),
        decided_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc),
        participants=[(sacha, ParticipantRole.SPONSOR)],
    )
    assert sent(d("2026-11-26")) == set()
    assert sent(d("2026-11-27")) == {(ReminderKind.SIGN_OFF_DECISION, "Sacha Sponsor")}
    committee.decision.sign_off = SignOff.SIGNED
    committee.status = CommitteeStatus.SIGNED_OFF
    assert sent(d("2026-11-28")) == set()


def test_without_a_sponsor_among_the_participants_the_startups_sponsor_is_reminded():
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    make_member(make_person("Sam Sponsor"), startup, StartupRole.SPONSOR)
    make_committee(startup, CommitteeStatus.DECIDED, held_on=d("2026-11-18"),
                   decided_at=dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.timezone.utc))  # 20 Nov. in Paris
    assert sent(d("2026-11-26")) == set()
    assert sent(d("2026-11-27")) == {(ReminderKind.SIGN_OFF_DECISION, "Sam Sponsor")}


def test_the_sign_off_reminder_goes_only_to_who_may_sign_off():
    # The recorder and the chair may not review their own decision, nor may a sponsor participant who is no
    # sponsor of the startup (users/permissions.py): the reminder goes to the startup's other sponsor.
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    recorder, chair = make_person("Rémi Rédacteur"), make_person("Paula Présidente")
    for person in (recorder, chair, make_person("Sam Sponsor")):
        make_member(person, startup, StartupRole.SPONSOR)
    committee = make_committee(
        startup, CommitteeStatus.DECIDED, held_on=d("2026-11-18"), chair=chair,
        decided_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc),
        participants=[(recorder, ParticipantRole.SPONSOR), (chair, ParticipantRole.SPONSOR),
                      (make_person("Olga Outsider"), ParticipantRole.SPONSOR)],
    )
    committee.decision.decided_by_id = recorder.id
    assert sent(d("2026-11-27")) == {(ReminderKind.SIGN_OFF_DECISION, "Sam Sponsor")}


def test_a_sponsor_in_the_startups_team_is_not_reminded_to_sign_off():
    # The team does not review the decision that concerns it (users/permissions.py).
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    insider = make_person("Iris Intra")
    make_member(insider, startup, StartupRole.SPONSOR)
    make_member(insider, startup, StartupRole.INTRAPRENEUR)
    member = make_person("Tom Team")
    make_member(member, startup, StartupRole.SPONSOR)
    make_member(member, startup, StartupRole.TEAM_MEMBER)
    make_member(make_person("Sam Sponsor"), startup, StartupRole.SPONSOR)
    make_committee(startup, CommitteeStatus.DECIDED, held_on=d("2026-11-18"),
                   decided_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc),
                   participants=[(insider, ParticipantRole.SPONSOR), (member, ParticipantRole.SPONSOR)])
    assert sent(d("2026-11-27")) == {(ReminderKind.SIGN_OFF_DECISION, "Sam Sponsor")}


# --- The e-mails -------------------------------------------------------------------------------------


def test_the_emails_are_in_french_with_an_absolute_link_to_the_page(committee_on_december_18, smtp_server):
    startup = make_startup("à-planifier", name="Startup Éloignée", phases=[("construction", d("2026-06-15"))])
    make_member(make_person("Camille Coach", email="camille@example.gouv.fr"), startup, StartupRole.COACH)
    assert send_reminders(today=d("2026-12-11")).sent == 5
    sink = smtp_server.sink
    (plan,) = sink.to("camille@example.gouv.fr")
    assert plan["Subject"] == "Startup Éloignée : comité d'investissement à planifier avant le 15 décembre 2026"
    body = plan.get_content()
    assert body.startswith("Bonjour Camille Coach,")
    assert "https://jalons.example.gouv.fr/startups/%C3%A0-planifier" in body
    committee_id = committee_on_december_18.id
    iris = [m for m in sink.messages if "Iris Intra" in m.get_content()]
    subjects = sorted(m["Subject"] for m in iris)
    assert subjects == [
        "Ma Startup : comité d'investissement le 18 décembre 2026, le dossier à lire",
        "Ma Startup : préparez votre présentation pour le comité du 18 décembre 2026",
    ]
    pack = next(m for m in iris if "dossier" in m["Subject"]).get_content()
    assert f"https://jalons.example.gouv.fr/committees/{committee_id}/pack" in pack
    assert "vendredi 18 décembre 2026 à 14 h 00" in pack
