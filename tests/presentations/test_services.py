"""Rules of the presentation: pre-filling, editing, submitting, review, freezing, the J-21 filter."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from committees import jobs as committee_jobs
from committees import services as committee_services
from committees.models import CommitteeStatus
from core.db import db
from indicators.queries import objective_set_by, objectives_by_committee
from core import pdf
from presentations import attachments, services
from presentations.models import PresentationConflict, PresentationError, PresentationStatus
from presentations.services import LineInput
from tests.presentations.conftest import NOW, PDF, committee_at, complete


def _line(presentation, indicator):
    return next(line for line in presentation.lines if line.indicator_id == indicator.id)


def _actions(presentation):
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "presentation",
                                    AuditEvent.object_id == str(presentation.id)).order_by(AuditEvent.id))]


def test_prefill_shows_the_objective_set_at_the_previous_committee_and_the_value_reached(world, presentation):
    users, delay = _line(presentation, world.users), _line(presentation, world.delay)
    assert presentation.status is PresentationStatus.DRAFT
    assert [line.indicator.name for line in presentation.lines] == ["Utilisateurs actifs", "Délai de réponse"]
    # Set six months ago by the previous committee's presentation, recorded when it was held.
    assert (users.previous_objective_value, users.previous_objective_on) == (Decimal("2000"), dt.date(2026, 12, 1))
    assert users.previous_objective_committee_id == world.previous.id
    # The last value on or before the committee's day.
    assert (users.reached_value, users.reached_period) == (Decimal("2100"), dt.date(2026, 11, 1))
    assert users.objective_met is True
    # Lower is better: 7 days reached against 5 aimed at.
    assert (delay.previous_objective_value, delay.reached_value) == (Decimal("5"), Decimal("7"))
    assert delay.objective_met is False
    assert users.new_objective_value is None and users.new_objective_on is None


def test_prefill_copies_what_was_shown_even_if_the_indicators_change_later(world, presentation):
    from indicators.services import enter_values, set_objective

    set_objective(world.users, target_value=Decimal("9999"), target_on=dt.date(2027, 1, 1), now=NOW)
    enter_values(world.startup, {(world.users.id, dt.date(2026, 11, 1)): "2500"}, today=dt.date(2026, 11, 27), now=NOW)
    db.session.expire_all()
    line = _line(presentation, world.users)
    assert (line.previous_objective_value, line.reached_value) == (Decimal("2000"), Decimal("2100"))
    services.refresh_values(presentation, actor=world.people.intrapreneur, now=NOW)
    assert line.reached_value == Decimal("2500")
    assert line.previous_objective_value == Decimal("2000")  # still what the previous committee set


def test_prefill_carries_the_standards_from_the_previous_presentation(presentation):
    rows = {row.code: row for row in presentation.standards}
    assert len(rows) == 8
    # What the team committed to six months ago ("in six months" then)…
    assert rows["accessibilite"].six_months_ago == "Audit RGAA à 75 %"
    # …or, when it left that empty, where it stood then.
    assert rows["securite"].six_months_ago == "Non homologué"
    assert rows["rgpd"].six_months_ago is None
    assert all(row.today is None and row.in_six_months is None for row in rows.values())


def test_first_committee_is_prefilled_with_the_objective_in_force(world):
    from indicators.services import create_indicator, set_objective
    from indicators.models import Category

    indicator = create_indicator(world.other, name="Démarches", category=Category.NORTH_STAR)
    set_objective(indicator, target_value=Decimal("50"), target_on=dt.date(2027, 1, 1), now=NOW - dt.timedelta(days=30))
    committee = committee_at(world.other, dt.date(2026, 12, 15))
    presentation = services.prefill(committee, actor=None, now=NOW)
    line = presentation.lines[0]
    assert (line.previous_objective_value, line.previous_objective_committee_id) == (Decimal("50"), None)
    assert line.reached_value is None
    assert all(row.six_months_ago is None for row in presentation.standards)


def test_prefill_is_refused_twice_and_for_a_held_committee(world, presentation):
    with pytest.raises(PresentationError, match="existe déjà"):
        services.prefill(world.committee, actor=None, now=NOW)
    with pytest.raises(PresentationError, match="planifié"):
        services.prefill(world.previous, actor=None, now=NOW)


def test_submitting_needs_the_request(world, presentation):
    with pytest.raises(PresentationError) as refused:
        services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    assert "l'enveloppe demandée pour six mois" in str(refused.value)
    assert presentation.status is PresentationStatus.DRAFT
    complete(presentation, world.people.intrapreneur)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    assert presentation.status is PresentationStatus.SUBMITTED
    assert presentation.submitted_by_id == world.people.intrapreneur.id
    assert not presentation.is_editable
    with pytest.raises(PresentationError, match="ne peut plus être modifiée"):
        complete(presentation, world.people.intrapreneur)


def test_update_refuses_a_half_objective_or_a_date_before_the_committee_and_writes_nothing(world, presentation):
    line = _line(presentation, world.users)
    for given, message in [(LineInput(Decimal("10"), None), "à la fois la valeur et la date"),
                           (LineInput(Decimal("10"), dt.date(2026, 12, 1)), "doit suivre celle du comité"),
                           (LineInput(Decimal("-1"), dt.date(2027, 6, 1)), "négatif")]:
        with pytest.raises(PresentationError, match=message):
            services.update(presentation, fields={"done_and_learned": "Écrit", "team_size": 2}, lines={line.id: given},
                            standards={}, actor=None, now=NOW)
        assert presentation.done_and_learned is None and line.new_objective_value is None


def test_a_stale_form_is_refused(world, presentation):
    loaded = presentation.version
    complete(presentation, world.people.intrapreneur)
    with pytest.raises(PresentationConflict):
        services.submit(presentation, actor=world.people.member, now=NOW, expected_version=loaded)
    assert presentation.status is PresentationStatus.DRAFT


def test_coach_accepts_or_asks_for_changes_with_a_comment(world, presentation):
    complete(presentation, world.people.intrapreneur)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    with pytest.raises(PresentationError, match="commentaire est obligatoire"):
        services.request_changes(presentation, comment="  ", actor=world.people.coach, now=NOW)
    services.request_changes(presentation, comment="Chiffrez les hypothèses", actor=world.people.coach, now=NOW)
    assert presentation.status is PresentationStatus.CHANGES_REQUESTED
    assert presentation.review_comment == "Chiffrez les hypothèses"
    assert presentation.is_editable
    with pytest.raises(PresentationError, match="Seule une présentation soumise"):
        services.accept(presentation, actor=world.people.coach, now=NOW)

    complete(presentation, world.people.intrapreneur)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    services.accept(presentation, actor=world.people.coach, now=NOW)
    assert presentation.status is PresentationStatus.ACCEPTED
    assert presentation.reviewed_by_id == world.people.coach.id
    assert _actions(presentation) == ["presentation.created", "presentation.updated",
                                      "presentation.objectives_changed", "presentation.submitted",
                                      "presentation.changes_requested", "presentation.submitted",
                                      "presentation.accepted"]


def test_holding_the_committee_freezes_the_presentation_and_its_objectives_become_the_targets(world, presentation):
    complete(presentation, world.people.intrapreneur)
    attachments.add_attachment(presentation, filename="deck.pdf", data=PDF, actor=world.people.intrapreneur, now=NOW)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    services.accept(presentation, actor=world.people.coach, now=NOW)

    committee_services.mark_held(world.committee, actor=world.people.coach, today=dt.date(2026, 12, 10))

    assert presentation.is_frozen and presentation.frozen_at is not None
    objectives = objectives_by_committee(world.committee.id)
    assert {i: (o.target_value, o.target_on) for i, o in objectives.items()} == {
        world.users.id: (Decimal("4000"), dt.date(2027, 6, 1)),
        world.delay.id: (Decimal("3"), dt.date(2027, 6, 1)),
    }
    assert _actions(presentation)[-1] == "presentation.frozen"
    for change in (lambda: complete(presentation, world.people.intrapreneur),
                   lambda: attachments.add_attachment(presentation, filename="v2.pdf", data=PDF, actor=None, now=NOW),
                   lambda: attachments.remove_attachment(presentation.attachments[0], actor=None, now=NOW),
                   lambda: services.refresh_values(presentation, actor=None, now=NOW)):
        with pytest.raises(PresentationError, match="figée"):
            change()
    assert len(presentation.attachments) == 1
    # Freezing twice records nothing more.
    assert services.freeze(presentation, actor=None, now=NOW) == []

    # The next committee checks them.
    following = committee_at(world.startup, dt.date(2027, 6, 10))
    later = services.prefill(following, actor=None, now=dt.datetime(2027, 5, 20, tzinfo=dt.timezone.utc))
    line = _line(later, world.users)
    assert (line.previous_objective_value, line.previous_objective_on) == (Decimal("4000"), dt.date(2027, 6, 1))
    assert line.previous_objective_committee_id == world.committee.id
    assert {row.code: row.six_months_ago for row in later.standards}["accessibilite"] == "Audit RGAA à 90 %"


def test_a_presentation_of_a_committee_held_without_the_hook_is_frozen_and_caught_up(world, presentation):
    complete(presentation, world.people.intrapreneur)
    world.committee.status = CommitteeStatus.HELD  # as older data would have it
    world.committee.held_on = dt.date(2026, 12, 10)
    db.session.flush()
    assert presentation.is_frozen and presentation.frozen_at is None
    with pytest.raises(PresentationError, match="figée"):
        services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    following = committee_at(world.startup, dt.date(2027, 6, 10))
    later = services.prefill(following, actor=None, now=dt.datetime(2027, 5, 20, tzinfo=dt.timezone.utc))
    assert presentation.frozen_at is not None
    assert objective_set_by(world.users, world.committee.id).target_value == Decimal("4000")
    assert _line(later, world.users).previous_objective_value == Decimal("4000")


def test_the_j21_reminder_waits_only_for_presentations_not_submitted(world):
    committee = world.committee
    assert services.presentation_submitted(committee) is False
    assert committee_jobs.presentation_expected([committee.id]) == {committee.id}
    presentation = services.prefill(committee, actor=None, now=NOW)
    assert services.presentation_submitted(committee) is False
    complete(presentation, world.people.intrapreneur)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    assert services.presentation_submitted(committee) is True
    assert committee_jobs.presentation_expected([committee.id]) == set()
    services.request_changes(presentation, comment="À reprendre", actor=world.people.coach, now=NOW)
    assert services.presentation_submitted(committee) is False
    assert services.not_submitted([committee.id, world.previous.id]) == {committee.id, world.previous.id}
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    services.accept(presentation, actor=world.people.coach, now=NOW)
    assert services.presentation_submitted(committee) is True
    assert services.not_submitted([]) == set()


@pytest.mark.parametrize(("data", "valid"), [
    (PDF, True),
    (PDF + b"\n\x00\x00", True),  # a few bytes after %%EOF
    (b"%PDF-1.7\n" + b"x" * 10, False),  # header without an end
    (b"PK\x03\x04 a zip named deck.pdf " + PDF[9:], False),
    (b"<html>%PDF-1.4 startxref %%EOF</html>", False),
    (b"", False),
])
def test_a_pdf_is_recognised_by_its_content(data, valid):
    assert pdf.is_pdf(data) is valid


def test_attachments_refused_with_a_french_message_and_nothing_stored(world, presentation):
    actor = world.people.intrapreneur
    with pytest.raises(PresentationError, match="vide"):
        attachments.add_attachment(presentation, filename="deck.pdf", data=b"", actor=actor, now=NOW)
    with pytest.raises(PresentationError, match="n'est pas un PDF"):
        attachments.add_attachment(presentation, filename="deck.pdf", data=b"GIF89a" + b"\x00" * 100, actor=actor, now=NOW)
    too_big = PDF[:-6] + b" " * (attachments.MAX_ATTACHMENT_BYTES) + PDF[-6:]
    with pytest.raises(PresentationError, match="ne peut pas dépasser 20,0 Mo"):
        attachments.add_attachment(presentation, filename="deck.pdf", data=too_big, actor=actor, now=NOW)
    assert presentation.attachments == []
    from presentations.models import Attachment
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_filenames_are_cleaned(world):
    assert attachments.clean_filename("C:\\Users\\inès\\Présentation comité.PDF") == "Présentation comité.PDF"
    assert attachments.clean_filename("../../etc/passwd") == "passwd.pdf"
    assert attachments.clean_filename("deck\x00\n.pdf") == "deck.pdf"
    assert attachments.clean_filename("") == "presentation.pdf"


def test_a_correction_or_removal_of_a_new_objective_is_audited(world, presentation):
    from audit.models import AuditEvent

    line = _line(presentation, world.users)
    actor = world.people.intrapreneur
    line.new_objective_value = line.new_objective_on = None  # whatever the prefill proposed
    db.session.flush()
    services.update(presentation, fields={}, lines={line.id: LineInput(Decimal("5000"), dt.date(2027, 6, 1))},
                    standards={}, actor=actor, now=NOW)
    services.update(presentation, fields={}, lines={line.id: LineInput(Decimal("500"), dt.date(2027, 6, 1))},
                    standards={}, actor=actor, now=NOW)
    services.update(presentation, fields={}, lines={line.id: LineInput(None, None)}, standards={}, actor=actor, now=NOW)
    services.update(presentation, fields={}, lines={line.id: LineInput(None, None)}, standards={}, actor=actor, now=NOW)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "presentation.objectives_changed",
                                                            AuditEvent.object_id == str(presentation.id))
                                .order_by(AuditEvent.id)).all()
    others = len([o for o in events[-1].before["objectives"] if o["indicator_id"] != world.users.id])
    assert [len(e.after["objectives"]) - others for e in events] == [1, 1, 0]
    assert events[1].before["objectives"][0]["target_on"] == "2027-06-01" and events[2].actor_id == actor.id
    for day in (dt.date(3000, 1, 1),):
        with pytest.raises(PresentationError, match="la date doit être comprise entre le 1er janvier 2013"):
            services.update(presentation, fields={}, lines={line.id: LineInput(Decimal("5"), day)},
                            standards={}, actor=actor, now=NOW)


def test_what_the_team_changes_in_its_draft_is_audited_field_by_field(world, presentation):
    from audit.models import AuditEvent

    actor = world.people.intrapreneur
    start = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    services.update(presentation, fields={"done_and_learned": "Premier bilan", "envelope_eur": 500_000, "team_size": 3},
                    lines={}, standards={}, actor=actor, now=NOW)
    services.update(presentation, fields={"done_and_learned": "Premier bilan", "envelope_eur": 900_000, "team_size": 3},
                    lines={}, standards={}, actor=actor, now=NOW)
    services.update(presentation, fields={"done_and_learned": "Premier bilan", "envelope_eur": 900_000, "team_size": 3},
                    lines={}, standards={}, actor=actor, now=NOW)  # nothing changed: nothing written
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "presentation.updated",
                                                            AuditEvent.id > start).order_by(AuditEvent.id)).all()
    assert len(events) == 2 and events[1].actor_id == actor.id
    assert events[1].before == {"envelope_eur": 500_000} and events[1].after == {"envelope_eur": 900_000}
    assert events[0].after["done_and_learned"] == "Premier bilan" and events[0].before["done_and_learned"] is None


def test_taking_the_values_again_from_the_indicators_is_audited_when_they_changed(world, presentation):
    from audit.models import AuditEvent

    services.refresh_values(presentation, actor=world.people.coach, now=NOW)  # nothing new since the pre-fill
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "presentation.values_refreshed")).all()
    line = _line(presentation, world.users)
    line.reached_value, line.reached_period = None, None
    db.session.flush()
    services.refresh_values(presentation, actor=world.people.coach, now=NOW)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "presentation.values_refreshed")).one()
    assert event.actor_id == world.people.coach.id
    assert event.before["reached"] != event.after["reached"]


def test_submitting_needs_for_each_indicator_the_value_reached_and_the_objective_at_six_months(world, presentation):
    complete(presentation, world.people.intrapreneur)
    users = next(line for line in presentation.lines if line.indicator_id == world.users.id)
    users.reached_value, users.new_objective_value = None, None
    with pytest.raises(PresentationError) as refused:
        services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    assert "la valeur atteinte de « Utilisateurs actifs »" in str(refused.value)
    assert "l'objectif à 6 mois de « Utilisateurs actifs »" in str(refused.value)
    assert presentation.status is not PresentationStatus.SUBMITTED
    # Not measured yet: a comment saying why stands for the value; the objective is still required.
    users.comment, users.new_objective_value = "Mesure en place en janvier", Decimal("4000")
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    assert presentation.status is PresentationStatus.SUBMITTED
