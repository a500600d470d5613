import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from committees import decisions, queries, services
from committees.models import (
    ActionItem,
    CalendarToken,
    Attendance,
    Committee,
    CommitteeConflict,
    CommitteeError,
    CommitteeForbidden,
    CommitteeKind,
    CommitteeStatus,
    DecisionKind,
    ParticipantRole,
    SignOff,
    datetime_fr,
)
from core.db import db
from startups.models import EventKind
from startups.phases import Phase
from tests.committees.lifecycle import NOW, UTC, cast, decided, held, paris, plan
from tests.factories import d, make_membership, make_person


def actions(committee_or_startup_id) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.startup_id == committee_or_startup_id).order_by(AuditEvent.id)))


def test_planning_stores_utc_and_invites_the_team_the_sponsor_the_coach_and_the_incubator_staff():
    c = cast()
    committee = plan(c, "2026-12-15", participants=None)  # the proposals
    assert committee.status == CommitteeStatus.PLANNED
    assert committee.scheduled_at == dt.datetime(2026, 12, 15, 13, 0, tzinfo=UTC)  # 14 h in Paris, winter
    assert datetime_fr(committee.scheduled_at) == "mardi 15 décembre 2026 à 14 h 00"
    invited = {(p.person.name, p.role) for p in committee.participants}
    assert invited == {("Inès Intra", ParticipantRole.INTRAPRENEUR), ("Sophie Sponsor", ParticipantRole.SPONSOR),
                       ("Camille Coach", ParticipantRole.COACH), ("Hugo Head", ParticipantRole.INCUBATOR_HEAD)}
    assert services.missing_roles(committee) == ["Responsable de portefeuille DINUM"]
    assert actions(c.startup.id) == ["committee.planned"]


def test_summer_time_is_entered_and_shown_in_paris():
    c = cast()
    committee = plan(c, "2027-06-15")
    assert committee.scheduled_at == dt.datetime(2027, 6, 15, 12, 0, tzinfo=UTC)
    assert datetime_fr(committee.scheduled_at) == "mardi 15 juin 2027 à 14 h 00"


def test_planning_refuses_a_past_date_and_a_committee_with_neither_place_nor_link():
    c = cast()
    with pytest.raises(CommitteeError, match="dans le futur"):
        plan(c, "2026-09-01")
    with pytest.raises(CommitteeError, match="lieu ou un lien"):
        plan(c, place="  ", video_link=None)


def test_the_same_committee_is_not_planned_twice():
    """A plan sent twice (a double click, a retried request) plans one committee and invites once."""
    c = cast()
    first = plan(c, "2026-12-15")
    with pytest.raises(CommitteeError, match=f"déjà planifié le mardi 15 décembre 2026 à 14 h 00 \\(comité n° {first.id}\\)"):
        plan(c, "2026-12-15")
    assert plan(c, "2026-12-16").id != first.id  # another day is another committee


def test_a_startup_that_left_the_programme_gets_no_committee():
    c = cast(phases=[("investigation", d("2026-01-01")), ("abandon-investigation", d("2026-05-01"))])
    with pytest.raises(CommitteeError, match="quitté le programme"):
        plan(c)


def test_rescheduling_keeps_the_committee_and_bumps_the_calendar_sequence_only_on_change():
    c = cast()
    committee = plan(c, "2026-12-15")
    assert committee.ical_sequence == 0
    changed = services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-12-17", 10),
                                  place=committee.place, video_link=None, chair=c.coach, actor=c.coach, now=NOW)
    assert changed and committee.ical_sequence == 1
    unchanged = services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-12-17", 10),
                                    place=committee.place, video_link=None, chair=c.coach, actor=c.coach, now=NOW)
    assert not unchanged and committee.ical_sequence == 1
    assert actions(c.startup.id)[-1] == "committee.rescheduled"


def test_cancelling_needs_a_reason_and_bumps_the_sequence():
    c = cast()
    committee = plan(c, "2026-12-15")
    with pytest.raises(CommitteeError, match="raison"):
        services.cancel(committee, reason=" ", actor=c.coach, now=NOW)
    services.cancel(committee, reason="Le sponsor est indisponible", actor=c.coach, now=NOW)
    assert committee.status == CommitteeStatus.CANCELLED
    assert committee.ical_sequence == 1
    with pytest.raises(CommitteeError):
        services.cancel(committee, reason="encore", actor=c.coach, now=NOW)


def test_participants_cover_the_mandatory_roles_unless_absent():
    c = cast()
    committee = plan(c)
    with pytest.raises(CommitteeError, match="participe déjà"):
        services.add_participant(committee, c.coach, ParticipantRole.COACH, actor=c.coach, now=NOW)
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    assert services.missing_roles(committee) == []
    services.mark_held(committee, actor=c.coach, today=d("2026-11-10"))
    sponsor = next(p for p in committee.participants if p.role == ParticipantRole.SPONSOR)
    services.record_attendance(committee, {sponsor.id: Attendance.EXCUSED}, "Démonstration, échanges.",
                               actor=c.coach, now=NOW)
    assert services.missing_roles(committee) == ["Sponsor (administration partenaire)"]
    assert committee.minutes == "Démonstration, échanges."
    services.remove_participant(committee, sponsor, actor=c.coach, now=NOW)
    assert "committee.participant_removed" in actions(c.startup.id)


def test_attendance_waits_for_the_committee_to_be_held():
    c = cast()
    committee = plan(c)
    with pytest.raises(CommitteeError, match="une fois le comité tenu"):
        services.record_attendance(committee, {}, "trop tôt", actor=c.coach, now=NOW)


def test_a_committee_is_held_on_or_after_its_date_only():
    c = cast()
    committee = plan(c, "2026-11-10")
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    with pytest.raises(CommitteeError, match="10 novembre 2026"):
        services.mark_held(committee, actor=c.coach, today=d("2026-11-09"))
    services.mark_held(committee, actor=c.coach, today=d("2026-11-10"))
    assert committee.status == CommitteeStatus.HELD
    assert committee.held_on == d("2026-11-10")


def test_no_decision_on_a_committee_not_held():
    c = cast()
    committee = plan(c)
    with pytest.raises(CommitteeError, match="tenu"):
        decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=1,
                                 next_committee_on=d("2027-05-01"), actor=c.coach, now=NOW)
    assert committee.decision is None and committee.status == CommitteeStatus.PLANNED


def test_a_committee_cannot_be_closed_without_a_decision():
    c = cast()
    committee = held(c)
    committee.status = CommitteeStatus.DECIDED
    with pytest.raises(CommitteeError, match="sans décision"):
        db.session.flush()
    db.session.rollback()


def test_next_phase_needs_a_later_phase():
    c = cast(phases=[("investigation", d("2026-01-01")), ("construction", d("2026-05-01"))])
    committee = held(c)
    for phase in (Phase.INVESTIGATION, Phase.CONSTRUCTION):
        with pytest.raises(CommitteeError, match="après celle-ci|arrêter"):
            decisions.record_decision(committee, kind=DecisionKind.NEXT_PHASE, next_phase=phase, envelope_eur=1,
                                     next_committee_on=d("2027-05-01"), actor=c.coach, now=NOW)
    with pytest.raises(CommitteeError, match="Choisissez la phase"):
        decisions.record_decision(committee, kind=DecisionKind.NEXT_PHASE, envelope_eur=1,
                                 next_committee_on=d("2027-05-01"), actor=c.coach, now=NOW)
    decisions.record_decision(committee, kind=DecisionKind.NEXT_PHASE, next_phase=Phase.ACCELERATION,
                             envelope_eur=1, next_committee_on=d("2027-05-01"), actor=c.coach, now=NOW)
    assert committee.status == CommitteeStatus.DECIDED


def test_the_decision_needs_an_envelope_and_a_next_committee_after_this_one():
    c = cast()
    committee = held(c)
    cases = [
        (dict(envelope_eur=-1, next_committee_on=d("2027-05-01")), "positif ou nul"),
        (dict(envelope_eur=None, next_committee_on=d("2027-05-01")), "enveloppe"),
        (dict(envelope_eur=100, next_committee_on=None), "prochain comité"),
        (dict(envelope_eur=100, next_committee_on=d("2026-11-10")), "postérieure"),
    ]
    for fields, message in cases:
        with pytest.raises(CommitteeError, match=message):
            decisions.record_decision(committee, kind=DecisionKind.CONTINUE, actor=c.coach, now=NOW, **fields)
    # A stop ends the startup: neither envelope nor next committee.
    decisions.record_decision(committee, kind=DecisionKind.STOP, actor=c.coach, now=NOW)
    assert committee.decision.next_committee_on is None


def test_a_decision_recorded_late_needs_a_next_committee_still_to_come():
    """The committee of 10 November recorded on 1 March: a next committee on 15 February, after this one and
    within six months, is already past; the sign-off would plan it in the past."""
    c = cast()
    committee = held(c)
    late = dt.datetime(2027, 3, 1, 9, tzinfo=dt.timezone.utc)
    with pytest.raises(CommitteeError, match="doit être dans le futur") as refused:
        decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100, actor=c.coach, now=late,
                                  next_committee_on=d("2027-02-15"))
    assert refused.value.field == "next_committee_on" and committee.decision is None
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100, actor=c.coach, now=late,
                              next_committee_on=d("2027-04-15"))
    assert committee.status == CommitteeStatus.DECIDED


def test_a_decision_caught_up_after_its_six_months_keeps_the_date_the_committee_fixed():
    """Recorded a year late, no date within the six months is still to come: the date fixed stands, and the
    next committee will show overdue."""
    c = cast()
    committee = held(c)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100, actor=c.coach,
                              now=dt.datetime(2027, 11, 10, 9, tzinfo=dt.timezone.utc), next_committee_on=d("2027-05-10"))
    assert committee.decision.next_committee_on == d("2027-05-10")


def test_the_sponsor_contests_with_a_comment_and_the_chair_revises():
    c = cast()
    committee = decided(c)
    with pytest.raises(CommitteeError, match="commentaire est obligatoire"):
        decisions.contest(committee, comment="  ", actor=c.sponsor, now=NOW)
    decisions.contest(committee, comment="L'enveloppe est trop élevée", actor=c.sponsor, now=NOW)
    assert committee.status == CommitteeStatus.HELD
    assert committee.decision.sign_off == SignOff.CONTESTED
    assert committee.decision.envelope_eur == 300_000  # kept for editing
    with pytest.raises(CommitteeError):
        decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE_LOWER, envelope_eur=200_000,
                             next_committee_on=d("2027-05-10"), actor=c.coach, now=NOW)
    assert committee.status == CommitteeStatus.DECIDED and committee.decision.sign_off == SignOff.PENDING
    assert actions(c.startup.id)[-2:] == ["committee.contested", "committee.decision_revised"]


def test_sign_off_applies_every_consequence_in_one_transaction():
    c = cast()  # in investigation since 2026-06-01
    committee = held(c)
    done = services.add_action_item(committee, title="Publier la page de statistiques", owner=c.intrapreneur,
                                    due_on=d("2026-12-01"), actor=c.coach, now=NOW)
    still_open = services.add_action_item(committee, title="Atelier d'analyse de risques", owner=c.coach,
                                          due_on=None, actor=c.coach, now=NOW)
    services.set_action_done(done, True, actor=c.coach, now=NOW)
    decisions.record_decision(committee, kind=DecisionKind.NEXT_PHASE, next_phase=Phase.CONSTRUCTION,
                             envelope_eur=450_000, team_size=6, next_committee_on=d("2027-05-10"),
                             actor=c.coach, now=NOW)
    db.session.commit()  # what came before; the sign-off is the transaction under test
    events_before = len(actions(c.startup.id))

    following = decisions.sign_off(committee, actor=c.sponsor, now=NOW)

    assert committee.status == CommitteeStatus.SIGNED_OFF
    assert committee.decision.signed_by == c.sponsor
    period = c.startup.periods[-1]
    assert (period.phase, period.start_on, period.effective_start_on) == (Phase.CONSTRUCTION, d("2026-11-10"), d("2026-11-10"))
    assert period.position == 1
    assert c.startup.current_phase(d("2026-11-27")) == Phase.CONSTRUCTION
    event = c.startup.events[-1]
    assert (event.kind, event.happened_on) == (EventKind.COMMITTEE, d("2026-11-10"))
    assert event.comment == "Passage à la phase suivante : Construction"
    assert following.status == CommitteeStatus.PLANNED
    assert following.kind == CommitteeKind.END_OF_CONSTRUCTION
    assert datetime_fr(following.scheduled_at) == "lundi 10 mai 2027 à 10 h 00"
    assert {p.person_id for p in following.participants} == {p.person_id for p in committee.participants}
    assert queries.carried_items(following) == [still_open]
    assert actions(c.startup.id)[events_before:] == [
        "committee.signed_off", "startup.phase_changed", "committee.planned", "committee.actions_carried"]

    # Nothing was committed by the service: rolling back undoes every consequence together.
    db.session.rollback()
    assert db.session.get(Committee, committee.id).status == CommitteeStatus.DECIDED
    assert [p.phase for p in c.startup.periods] == [Phase.INVESTIGATION]
    assert [e.kind for e in c.startup.events] == []
    assert db.session.scalar(sa.select(sa.func.count(Committee.id)).where(Committee.startup_id == c.startup.id)) == 1
    assert db.session.get(ActionItem, still_open.id).carried_into_id is None


@pytest.mark.parametrize("phases, kind, expected", [
    ([("investigation", d("2026-06-01"))], DecisionKind.STOP, Phase.ABANDON_INVESTIGATION),
    ([("investigation", d("2026-01-01")), ("construction", d("2026-04-01"))], DecisionKind.STOP, Phase.ABANDON),
    ([("investigation", d("2026-01-01")), ("construction", d("2026-04-01"))], DecisionKind.REDIRECT, Phase.ABANDON),
])
def test_a_stop_ends_the_startup_in_the_right_terminal_phase_without_a_next_committee(phases, kind, expected):
    c = cast(phases=phases)
    committee = decided(c, kind=kind, next_committee_on=None, envelope_eur=None)
    assert decisions.sign_off(committee, actor=c.sponsor, now=NOW) is None
    assert c.startup.current_phase(d("2026-11-27")) == expected
    assert db.session.scalar(sa.select(sa.func.count(Committee.id)).where(Committee.startup_id == c.startup.id)) == 1


def test_transfer_is_the_next_phase_transfere():
    c = cast(phases=[("investigation", d("2025-01-01")), ("consolidation", d("2026-01-01"))])
    committee = decided(c, kind=DecisionKind.NEXT_PHASE, next_phase=Phase.TRANSFERE, next_committee_on=None,
                        envelope_eur=None)
    assert decisions.sign_off(committee, actor=c.sponsor, now=NOW) is None
    assert c.startup.current_phase(d("2026-11-27")) == Phase.TRANSFERE


def test_a_continued_startup_gets_a_semestrial_committee_and_a_later_planned_one_is_not_duplicated():
    c = cast(phases=[("investigation", d("2026-01-01")), ("construction", d("2026-04-01"))])
    committee = decided(c)
    already = plan(c, "2027-04-20")
    assert decisions.sign_off(committee, actor=c.sponsor, now=NOW) == already
    assert c.startup.current_phase(d("2026-11-27")) == Phase.CONSTRUCTION
    assert [p.phase for p in c.startup.periods] == [Phase.INVESTIGATION, Phase.CONSTRUCTION]


def test_a_stale_form_is_refused_and_nothing_is_overwritten():
    c = cast()
    committee = plan(c, "2026-12-15")
    loaded_version = committee.version
    services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-12-16"), place="Salle A",
                        video_link=None, chair=c.coach, actor=c.coach, now=NOW, expected_version=loaded_version)
    with pytest.raises(CommitteeConflict, match="modifié par quelqu'un d'autre"):
        services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-12-18"), place="Salle B",
                            video_link=None, chair=c.coach, actor=c.head, now=NOW, expected_version=loaded_version)
    assert committee.place == "Salle A" and committee.scheduled_at == paris("2026-12-16")


def test_a_concurrent_update_is_caught_by_the_version_column():
    c = cast()
    committee = plan(c, "2026-12-15")
    # Someone else's transaction changed the row since it was loaded.
    db.session.execute(sa.update(Committee.__table__).where(Committee.__table__.c.id == committee.id)
                       .values(version=committee.version + 1, place="Ailleurs"))
    with pytest.raises(CommitteeConflict):
        services.cancel(committee, reason="Indisponible", actor=c.coach, now=NOW)
    db.session.rollback()


def test_action_items_are_decided_at_a_held_committee():
    c = cast()
    committee = plan(c)
    with pytest.raises(CommitteeError, match="comité tenu"):
        services.add_action_item(committee, title="x", owner=None, due_on=None, actor=c.coach, now=NOW)
    committee = held(c, "2026-11-12")
    with pytest.raises(CommitteeError, match="intitulé"):
        services.add_action_item(committee, title=" ", owner=None, due_on=None, actor=c.coach, now=NOW)


def test_calendar_tokens_are_secret_stored_hashed_and_revocable():
    c = cast()
    token = services.calendar_token(c.coach)
    assert len(token) >= 40
    assert services.person_for_token(token) == c.coach
    stored = db.session.get(CalendarToken, c.coach.id).token_hash
    assert token not in stored and stored == hashlib.sha256(token.encode()).hexdigest()
    assert services.person_for_token(stored) is None  # a copy of the table opens no feed
    renewed = services.calendar_token(c.coach)
    assert renewed != token
    assert services.person_for_token(token) is None
    assert services.person_for_token(renewed) == c.coach


def test_a_decision_the_history_contradicts_is_refused_at_sign_off_and_nothing_changes():
    # A later phase is already planned: entering construction now would go backwards in the lifecycle,
    # which the phase rule (startups.services.change_phase) refuses for decisions as for any change.
    c = cast(phases=(("investigation", d("2026-06-01")), ("acceleration", d("2027-09-01"))))
    committee = decided(c, kind=DecisionKind.NEXT_PHASE, next_phase=Phase.CONSTRUCTION)
    db.session.commit()

    with pytest.raises(services.CommitteeError, match="ne peut pas être appliquée"):
        decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    db.session.rollback()
    assert db.session.get(Committee, committee.id).status == CommitteeStatus.DECIDED
    assert [p.phase for p in c.startup.periods] == [Phase.INVESTIGATION, Phase.ACCELERATION]


def test_a_startup_stopped_after_its_committee_gets_no_next_committee_from_the_sign_off():
    """A decision to continue, recorded before the coach stopped the startup: signed off afterwards, it plans
    no committee for a startup that no longer passes any (plan_committee refuses one as well)."""
    from startups import services as startup_services

    c = cast()
    committee = decided(c)  # continue, next committee on 10 May 2027
    startup_services.change_phase(c.startup, phase=Phase.ABANDON_INVESTIGATION, starts_on=d("2026-11-20"),
                                  reason="Arrêt", actor=c.coach, today=d("2026-11-20"))
    assert decisions.sign_off(committee, actor=c.sponsor, now=dt.datetime(2026, 11, 25, 10, tzinfo=UTC)) is None
    assert committee.status == CommitteeStatus.SIGNED_OFF
    assert db.session.scalars(sa.select(Committee).where(Committee.startup_id == c.startup.id)).all() == [committee]
    assert c.startup.current_phase(d("2026-11-25")) == Phase.ABANDON_INVESTIGATION


# --- Separation of duties (issue 9): who reviews the decision -------------------------------------

def refusals(startup_id) -> list[tuple[str, int | None, str]]:
    return [(e.action, e.actor_id, e.reason) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.startup_id == startup_id, AuditEvent.action.like("%_refused"))
        .order_by(AuditEvent.id))]


def test_the_person_who_recorded_the_decision_cannot_sign_it_off_even_as_a_sponsor():
    c = cast()
    make_membership(c.head, c.startup, "sponsor")  # incubator staff (records decisions) and sponsor too
    committee = held(c)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=300_000,
                              next_committee_on=d("2027-05-10"), actor=c.head, now=NOW)
    db.session.commit()
    with pytest.raises(CommitteeForbidden, match="Vous avez saisi cette décision"):
        decisions.sign_off(committee, actor=c.head, now=NOW)
    with pytest.raises(CommitteeForbidden, match="Vous avez saisi cette décision"):
        decisions.contest(committee, comment="Je me conteste", actor=c.head, now=NOW)
    assert committee.status == CommitteeStatus.DECIDED and committee.decision.signed_by is None
    assert [(action, actor) for action, actor, _ in refusals(c.startup.id)] == [
        ("committee.signoff_refused", c.head.id), ("committee.contest_refused", c.head.id)]
    # Another current sponsor signs it off.
    decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    assert committee.status == CommitteeStatus.SIGNED_OFF and committee.decision.signed_by == c.sponsor


def test_the_chair_an_admin_and_a_former_sponsor_cannot_sign_off():
    c = cast()
    committee = decided(c)
    chair, committee.chair = committee.chair, c.sponsor
    with pytest.raises(CommitteeForbidden, match="Vous avez présidé ce comité"):
        decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    committee.chair = chair
    former = make_person("Fabien Former")
    make_membership(former, c.startup, "sponsor", starts_on=d("2024-01-01"), ends_on=d("2026-09-30"))
    for refused in (c.admin, c.coach, c.head, former, None):
        with pytest.raises(CommitteeForbidden, match="Seul un sponsor actuel"):
            decisions.sign_off(committee, actor=refused, now=NOW)  # NOW: 1 October 2026
    assert committee.status == CommitteeStatus.DECIDED
    assert len(refusals(c.startup.id)) == 6
    # On the last day of their membership, the sponsor still signs off.
    decisions.sign_off(committee, actor=former, now=dt.datetime(2026, 9, 30, 20, tzinfo=UTC))
    assert committee.decision.signed_by == former


def test_a_committee_and_an_action_item_stay_within_two_years():
    c = cast()
    with pytest.raises(CommitteeError, match="« Date » : la date doit être comprise entre le 1er janvier 2013 et le 1er octobre 2028."):
        plan(c, "2028-10-02")
    assert plan(c, "2028-10-01").scheduled_at == paris("2028-10-01")
    committee = held(c, "2026-11-12")
    for due_on in (d("3000-01-01"), d("2001-01-01")):
        with pytest.raises(CommitteeError, match="« Échéance » : la date doit être comprise entre"):
            services.add_action_item(committee, title="x", owner=None, due_on=due_on, actor=c.coach, now=NOW)
    assert services.add_action_item(committee, title="x", owner=None, due_on=d("2028-10-01"), actor=c.coach, now=NOW)


def test_a_decision_envelope_is_bounded():
    c = cast()
    committee = held(c, "2026-11-12")
    with pytest.raises(CommitteeError, match="« Enveloppe de la prochaine période » : la valeur doit être comprise"):
        decisions.record_decision(committee, kind=DecisionKind.CONTINUE, actor=c.coach, now=NOW,
                                  envelope_eur=100_000_001, next_committee_on=d("2027-03-01"))


def test_an_action_item_is_corrected_or_deleted_at_any_step_and_audited():
    c = cast()
    committee = held(c, "2026-11-12")
    item = services.add_action_item(committee, title="Pubiler les stats", owner=None, due_on=d("2027-01-15"),
                                    actor=c.coach, now=NOW)
    assert services.edit_action_item(item, title="Publier les statistiques", owner=c.intrapreneur,
                                     due_on=d("2027-02-15"), actor=c.coach, now=NOW) is True
    assert services.edit_action_item(item, title="Publier les statistiques", owner=c.intrapreneur,
                                     due_on=d("2027-02-15"), actor=c.coach, now=NOW) is False
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.action_edited")).one()
    assert event.before == {"action_item_id": item.id, "title": "Pubiler les stats", "owner_id": None, "due_on": "2027-01-15"}
    assert event.after == {"action_item_id": item.id, "title": "Publier les statistiques",
                           "owner_id": c.intrapreneur.id, "due_on": "2027-02-15"}
    with pytest.raises(CommitteeError, match="« Échéance » : la date doit être comprise"):
        services.edit_action_item(item, title="x", owner=None, due_on=d("3000-01-01"), actor=c.coach, now=NOW)
    with pytest.raises(CommitteeError, match="tenir sur une ligne"):
        services.edit_action_item(item, title="deux\nlignes", owner=None, due_on=None, actor=c.coach, now=NOW)
    db.session.refresh(item)
    item_id = item.id
    services.delete_action_item(item, actor=c.coach, now=NOW)
    assert db.session.get(ActionItem, item_id) is None and committee.action_items == []
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.action_deleted")).one()
    assert event.before["title"] == "Publier les statistiques" and event.actor_id == c.coach.id


def test_a_committee_place_holds_on_one_line():
    c = cast()
    with pytest.raises(CommitteeError, match="Le lieu doit tenir sur une ligne"):
        plan(c, "2026-12-15", place="Salle 1\nBâtiment B")
