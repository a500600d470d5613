"""Committees as the convention says (article 2): chaired by the partner administration's representative,
with the DINUM taking part; held otherwise only with a stated reason, kept in the minutes and the pack."""

import html as html_module
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from committees import decisions, services
from committees.models import Attendance, Committee, CommitteeError, CommitteeStatus, DecisionKind, ParticipantRole
from core.db import db
from tests.committees.lifecycle import NOW, cast, decided, held, plan
from tests.factories import d, login, make_membership, make_person
from users.permissions import sign_off_refusal

REASON = "La directrice, représentante du ministère, était empêchée : la coach a présidé."


def with_dinum(c, committee: Committee) -> Committee:
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    return committee


def text_of(response) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_chaired_by_the_partners_representative_with_the_dinum_the_committee_is_as_the_convention_says():
    c = cast()
    committee = with_dinum(c, plan(c))
    assert services.convention_gaps(committee) == []
    services.mark_held(committee, actor=c.coach, today=d("2026-11-10"))
    assert committee.status is CommitteeStatus.HELD
    assert committee.convention_reason is None


def test_the_startups_sponsor_may_chair_as_the_partners_side():
    c = cast()
    committee = with_dinum(c, plan(c, chair=c.sponsor, participants=services.propose_participants(c.startup, d("2026-11-10"))))
    assert services.convention_gaps(committee) == []


@pytest.mark.parametrize("case, expected", [
    ("coach", "Camille Coach préside la séance sans y représenter l'administration partenaire"),
    ("nobody", "Personne ne préside la séance"),
    ("no_dinum", "La DINUM ne participe pas"),
])
def test_each_gap_is_named(case, expected):
    c = cast()
    committee = plan(c, chair={"coach": c.coach, "nobody": None}.get(case, c.representative))
    if case != "no_dinum":
        with_dinum(c, committee)
    gaps = services.convention_gaps(committee)
    assert len(gaps) == 1 and expected in gaps[0]


def test_holding_it_otherwise_requires_the_reason_and_changes_nothing_without_it():
    c = cast()
    committee = plan(c, chair=c.coach)  # the coach chairs, and the DINUM is not invited
    with pytest.raises(CommitteeError, match="Indiquez le motif de cet écart") as refused:
        services.mark_held(committee, actor=c.coach, today=d("2026-11-10"))
    assert "Camille Coach préside" in str(refused.value) and "La DINUM ne participe pas" in str(refused.value)
    assert committee.status is CommitteeStatus.PLANNED
    with pytest.raises(CommitteeError, match="Indiquez le motif"):
        services.mark_held(committee, actor=c.coach, today=d("2026-11-10"), convention_reason="  \n ")

    services.mark_held(committee, actor=c.coach, today=d("2026-11-10"), convention_reason=f"  {REASON}  ")
    assert committee.status is CommitteeStatus.HELD
    assert committee.convention_reason == REASON
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.held")).one()
    assert event.after["convention_reason"] == REASON


@pytest.mark.parametrize("reason, message", [
    ("Empêchée\x00", r"U\+0000"),
    ("x" * 2001, "2000 caractères"),
])
def test_a_reason_that_cannot_be_kept_is_refused_in_french(reason, message):
    c = cast()
    committee = plan(c, chair=c.coach)
    with pytest.raises(CommitteeError, match=message):
        services.mark_held(committee, actor=c.coach, today=d("2026-11-10"), convention_reason=reason)
    assert committee.status is CommitteeStatus.PLANNED and committee.convention_reason is None


def test_the_dinum_excused_at_the_attendance_requires_the_reason_then():
    c = cast()
    committee = held(c)  # as the convention says when held
    dinum = next(p for p in committee.participants if p.person_id == c.manager.id)
    with pytest.raises(CommitteeError, match="La DINUM ne participe pas"):
        services.record_attendance(committee, {dinum.id: Attendance.EXCUSED}, "Compte rendu", actor=c.coach, now=NOW)
    services.record_attendance(committee, {dinum.id: Attendance.EXCUSED}, "Compte rendu", actor=c.coach, now=NOW,
                               convention_reason=REASON)
    assert committee.convention_reason == REASON
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "committee.minutes_recorded")).one()
    assert event.after["convention_reason"] == REASON


def test_a_participant_removed_after_holding_leaves_the_reason_owed_before_the_decision():
    c = cast()
    committee = held(c)
    dinum = next(p for p in committee.participants if p.person_id == c.manager.id)
    services.remove_participant(committee, dinum, actor=c.coach, now=NOW)
    with pytest.raises(CommitteeError, match="indiquez d'abord le motif"):
        decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100_000,
                                  next_committee_on=d("2027-05-10"), actor=c.coach, now=NOW)
    assert committee.decision is None
    services.record_attendance(committee, {}, None, actor=c.coach, now=NOW, convention_reason=REASON)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100_000,
                              next_committee_on=d("2027-05-10"), actor=c.coach, now=NOW)
    assert committee.status is CommitteeStatus.DECIDED


def test_a_participant_removed_after_the_decision_leaves_the_reason_owed_before_the_sign_off():
    c = cast()
    committee = decided(c)
    dinum = next(p for p in committee.participants if p.person_id == c.manager.id)
    services.remove_participant(committee, dinum, actor=c.coach, now=NOW)
    with pytest.raises(CommitteeError, match="indiquez d'abord le motif"):
        decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    assert committee.status is CommitteeStatus.DECIDED and committee.decision.signed_by is None
    services.record_attendance(committee, {}, None, actor=c.coach, now=NOW, convention_reason=REASON)
    decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    assert committee.status is CommitteeStatus.SIGNED_OFF


def test_a_sponsor_who_chairs_does_not_sign_off_another_sponsor_does():
    """Issue 9's separation of duties stands: the partner's side chairs, a sponsor who did not chair signs."""
    c = cast()
    second = make_person("Serge Second-Sponsor")
    make_membership(second, c.startup, "sponsor")
    committee = with_dinum(c, plan(c, chair=c.sponsor,
                                   participants=services.propose_participants(c.startup, d("2026-11-10"))))
    services.mark_held(committee, actor=c.coach, today=d("2026-11-10"))
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=100_000,
                              next_committee_on=d("2027-05-10"), actor=c.coach, now=NOW)
    assert "Vous avez présidé ce comité" in sign_off_refusal(c.sponsor, committee, d("2026-11-12"))
    assert sign_off_refusal(second, committee, d("2026-11-12")) is None


# -- through the pages --------------------------------------------------------------------------------

def test_planning_warns_and_the_committee_page_says_what_the_convention_asks(client, clock_on):
    clock_on(d("2026-10-01"))
    c = cast()
    login(client, c.coach)
    form = client.get(f"/committees/startup/{c.startup.id}/plan")
    assert "La convention confie la présidence au représentant de l'administration partenaire" in text_of(form)
    version = re.search(r'name="version"[^>]*value="(\d*)"', form.get_data(as_text=True))
    response = client.post(f"/committees/startup/{c.startup.id}/plan", data={
        "kind": "semestriel", "day": "2026-11-10", "time": "14:00", "duration_minutes": "50",
        "place": "Ségur", "chair": str(c.coach.id), "version": version.group(1) if version else ""},
        follow_redirects=True)
    text = text_of(response)
    assert "Selon la convention : Camille Coach préside la séance" in text
    assert "Composition prévue par la convention" in text
    assert "Motif de l'écart à la convention" not in text  # asked when holding, on its day


def test_holding_through_the_page_asks_the_reason_and_the_minutes_and_the_pack_show_it(client, clock_on):
    clock_on(d("2026-11-10"))
    c = cast()
    committee = plan(c, chair=c.coach)
    db.session.commit()
    login(client, c.coach)
    page = text_of(client.get(f"/committees/{committee.id}"))
    assert "Motif de l'écart à la convention" in page
    refused = client.post(f"/committees/{committee.id}/held", data={"version": committee.version})
    assert refused.status_code == 422
    assert "Indiquez le motif de cet écart" in text_of(refused)
    # Said at the field too, which points to it (the DSFR's error state, for a screen reader as well).
    field = re.search(r'<textarea[^>]*id="convention_reason"[^>]*>', refused.get_data(as_text=True)).group()
    assert 'aria-describedby="convention_reason-erreur"' in field and "fr-input--error" in field
    assert 'id="convention_reason-erreur"' in refused.get_data(as_text=True)
    assert db.session.get(Committee, committee.id).status is CommitteeStatus.PLANNED

    response = client.post(f"/committees/{committee.id}/held",
                           data={"version": committee.version, "convention_reason": REASON})
    assert response.status_code == 303
    page = text_of(client.get(f"/committees/{committee.id}"))
    assert f"Écart à la convention {REASON}" in page
    pack = text_of(client.get(f"/presentations/committee/{committee.id}/pack"))
    assert "La séance" in pack and "Présidence de séance Camille Coach" in pack
    assert f"Écart à la convention {REASON}" in pack
    assert "Pour l'administration partenaire Sophie Sponsor" in pack


def test_the_pack_names_the_partners_representative_and_the_dinum(client, clock_on):
    clock_on(d("2026-11-01"))
    c = cast()
    committee = with_dinum(c, plan(c))
    db.session.commit()
    login(client, c.coach)
    pack = text_of(client.get(f"/presentations/committee/{committee.id}/pack"))
    assert "Présidence de séance Rémi Représentant" in pack
    assert ("Pour l'administration partenaire Sophie Sponsor, Rémi Représentant "
            "(représentant·e de l'administration partenaire)") in pack
    assert "Pour la DINUM Paula Portefeuille" in pack
    assert "Écart à la convention" not in pack and "Selon la convention" not in pack
