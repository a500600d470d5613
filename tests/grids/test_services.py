"""Grid rules through the services: seeding, versions, suitability, filling, abstention, hidden scores,
results and the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from committees.models import Committee, CommitteeKind, CommitteeStatus, Decision, DecisionKind, Participant, ParticipantRole
from core.db import db
from grids import services, versions
from grids.models import (
    Criterion,
    CriterionKind,
    FieldType,
    FilledGrid,
    FilledStatus,
    GridError,
    GridTemplate,
    GridValidationError,
    GridVersion,
    PublishedVersionIsFrozen,
)
from grids.services import AnswerInput
from grids.versions import CriterionChange, NewCriterion
from indicators.queries import official_grids
from tests.grids.conftest import NOW, make_committee

LATER = NOW + dt.timedelta(hours=1)


def scores(version: GridVersion, values: dict[str, int | str]) -> dict[int, AnswerInput]:
    by_code = {c.code: c for c in version.criteria}
    return {by_code[code].id: AnswerInput(str(value)) for code, value in values.items()}


def fill(world, person, values=None, *, code="arbitrage_sponsor", submit=True, abstained=False, conflict=None,
         version=None):
    template = world.templates[code]
    version = version or template.latest_version
    if values is None:
        values = {c.code: 3 for c in version.scored_criteria}
    return services.save_grid(world.committee, template, person, answers=scores(version, values), abstained=abstained,
                              conflict_of_interest=conflict, comment=None, submit=submit, now=NOW, version=version)


def hold(committee):
    committee.status = CommitteeStatus.HELD
    committee.held_on = dt.date(2026, 12, 10)
    db.session.flush()


# -- seeding --

def test_seeding_creates_the_three_official_grids_as_version_1(templates):
    assert set(templates) == {"lancement", "acceleration", "arbitrage_sponsor"}
    lancement = templates["lancement"].latest_version
    assert lancement.number == 1 and (lancement.scale_min, lancement.scale_max) == (0, 10)
    kinds = [c.kind for c in lancement.criteria]
    assert kinds.count(CriterionKind.SCORED) == 3 and kinds.count(CriterionKind.QUALITATIVE) == 4
    assert kinds.count(CriterionKind.CONCLUSION) == 5
    assert lancement.criteria[0].questions[0].startswith("Le problème est-il bien qualifié")
    envelope = next(c for c in lancement.criteria if c.code == "enveloppe_6_mois")
    assert envelope.field_type is FieldType.MONEY_EUR

    sponsor = templates["arbitrage_sponsor"].latest_version
    assert (sponsor.scale_min, sponsor.scale_max) == (0, 5)
    assert [c.code for c in sponsor.scored_criteria] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    assert sponsor.scored_criteria[0].section == "Bilan des 6 derniers mois"
    decision = next(c for c in sponsor.criteria if c.code == "decision")
    assert decision.field_type is FieldType.CHOICE and len(decision.choices) == 3
    assert all(c.weight == 1 for c in sponsor.criteria)


def test_seeding_twice_changes_nothing(templates):
    counts = lambda: [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (GridTemplate, GridVersion, Criterion)]
    before = counts()
    assert versions.seed_official_grids(official_grids(), now=LATER) == []
    assert counts() == before


def test_seeding_is_in_the_audit_trail(templates):
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "grid.version_published")).all()
    assert len(events) == 3 and {e.actor_label for e in events} == {"flask grids seed"}


# -- versions --

def publish(template, admin, **changes_by_code):
    latest = template.latest_version
    changes = []
    for c in latest.criteria:
        change = CriterionChange(c.code, c.label, list(c.questions), c.weight, c.archived_at is not None)
        for key, value in changes_by_code.get(c.code, {}).items():
            setattr(change, key, value)
        changes.append(change)
    return changes


def test_a_new_version_is_a_copy_with_the_changes(world):
    template, admin = world.templates["arbitrage_sponsor"], world.people.admin
    changes = publish(template, admin, **{"1.1": {"label": "Le positionnement est-il clair ?", "weight": Decimal(2)},
                                          "3.3": {"archived": True}})
    version = versions.publish_version(template, changes=changes, new=[NewCriterion("4.1", "L'équipe est-elle au complet ?", CriterionKind.SCORED, ["Des postes vacants ?"])],
                                       intro=None, change_note="Pondération du positionnement", actor=admin, now=LATER)
    assert version.number == 2 and template.latest_version is version
    by_code = {c.code: c for c in version.criteria}
    assert by_code["1.1"].label == "Le positionnement est-il clair ?" and by_code["1.1"].weight == 2
    assert by_code["3.3"].archived_at is not None and by_code["3.3"] not in version.active_criteria
    assert by_code["4.1"].questions == ["Des postes vacants ?"]
    assert version.has_weights
    first = template.versions[0]
    assert {c.code: c.label for c in first.criteria}["1.1"].startswith("Le positionnement du produit")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "grid.version_published",
                                                           AuditEvent.object_id == str(version.id))).one()
    assert event.actor_id == admin.id and event.reason == "Pondération du positionnement"


def test_a_new_version_without_change_is_refused(world):
    template = world.templates["lancement"]
    with pytest.raises(GridError, match="Aucune modification"):
        versions.publish_version(template, changes=publish(template, world.people.admin), intro=template.latest_version.intro,
                                 change_note=None, actor=world.people.admin, now=LATER)


@pytest.mark.parametrize("change, message", [
    ({"weight": Decimal(0)}, "poids"),
    ({"weight": Decimal("1.234")}, "deux décimales"),
    ({"label": "  "}, "libellé"),
])
def test_bad_version_changes_are_refused_in_french(world, change, message):
    template = world.templates["lancement"]
    with pytest.raises(GridError, match=message):
        versions.publish_version(template, changes=publish(template, world.people.admin, probleme=change), intro=None,
                                 change_note=None, actor=world.people.admin, now=LATER)


def test_a_new_criterion_needs_a_fresh_valid_code(world):
    template = world.templates["lancement"]
    for code in ("probleme", "Pas un code!"):
        with pytest.raises(GridError):
            versions.publish_version(template, changes=[], new=[NewCriterion(code, "Libellé", CriterionKind.SCORED, [])],
                                     intro=None, change_note=None, actor=world.people.admin, now=LATER)


def test_a_published_version_cannot_be_edited_in_place(world):
    criterion = world.templates["lancement"].latest_version.criteria[0]
    criterion.label = "Changé en douce"
    with pytest.raises(PublishedVersionIsFrozen):
        db.session.flush()


def test_a_filled_grid_keeps_its_version_after_a_new_one_is_published(world):
    template = world.templates["arbitrage_sponsor"]
    draft = fill(world, world.people.sponsor, {"1.1": 4}, submit=False)
    v1 = template.latest_version
    v2 = versions.publish_version(template, changes=publish(template, world.people.admin, **{"1.1": {"weight": Decimal(3)}}),
                                  intro=None, change_note=None, actor=world.people.admin, now=LATER)
    answers = scores(v1, {c.code: 3 for c in v1.scored_criteria})
    again = services.save_grid(world.committee, template, world.people.sponsor, answers=answers, abstained=False,
                               conflict_of_interest=None, comment=None, submit=True, now=LATER, version=v2)
    assert again.id == draft.id and again.version_id == v1.id
    newcomer = fill(world, world.people.head, submit=True)
    assert newcomer.version_id == v2.id
    results = services.results(services.filled_grids(world.committee, template))
    assert [r.version.number for r in results] == [1, 2]  # never mixed


def test_a_draft_saved_while_the_same_grid_was_submitted_elsewhere_is_refused_and_changes_nothing(world):
    """Two windows, or a double click: the page loaded the draft, another request submitted it meanwhile."""
    template = world.templates["arbitrage_sponsor"]
    draft = fill(world, world.people.sponsor, {"1.1": 2}, submit=False)
    assert services.own_grid(world.committee, template, world.people.sponsor) is draft and not draft.is_submitted
    db.session.execute(sa.update(FilledGrid.__table__).where(FilledGrid.__table__.c.id == draft.id)
                       .values(status=FilledStatus.SUBMITTED.value, submitted_at=NOW))
    with pytest.raises(GridError, match="déjà soumise"):
        fill(world, world.people.sponsor, {"1.1": 5}, submit=False)
    assert [a.score for a in draft.answers if a.score is not None] == [2]


def test_a_grid_submitted_while_the_committee_was_marked_held_is_refused(world):
    template = world.templates["lancement"]
    world.committee.kind = CommitteeKind.END_OF_INVESTIGATION
    db.session.flush()
    db.session.execute(sa.update(Committee.__table__).where(Committee.__table__.c.id == world.committee.id)
                       .values(status=CommitteeStatus.HELD.value))
    assert world.committee.status is not CommitteeStatus.HELD  # as the page loaded it
    with pytest.raises(GridError, match="ne peuvent plus être remplies"):
        fill(world, world.people.sponsor, code=template.code)


# -- which grid suits which committee --

@pytest.mark.parametrize("kind, codes", [
    (CommitteeKind.END_OF_INVESTIGATION, ["lancement", "arbitrage_sponsor"]),
    (CommitteeKind.END_OF_CONSTRUCTION, ["acceleration", "arbitrage_sponsor"]),
    (CommitteeKind.SEMESTRIAL, ["arbitrage_sponsor"]),
    (CommitteeKind.END_OF_ACCELERATION, ["arbitrage_sponsor"]),
    (CommitteeKind.EXTRAORDINARY, ["arbitrage_sponsor"]),
])
def test_each_committee_kind_gets_its_grids(world, kind, codes):
    committee = make_committee(world.startup, kind=kind)
    assert [t.code for t in services.templates_for(committee)] == codes


def test_a_grid_that_does_not_suit_the_committee_is_refused(world):
    with pytest.raises(GridError, match="ne s'applique pas"):
        fill(world, world.people.sponsor, {"probleme": 5}, code="lancement")


def test_an_archived_template_is_no_longer_offered(world):
    world.templates["arbitrage_sponsor"].archived_at = NOW
    db.session.flush()
    assert services.templates_for(world.committee) == []


# -- filling --

def test_a_draft_can_be_incomplete_and_edited_then_submitted_and_frozen(world):
    draft = fill(world, world.people.sponsor, {"1.1": 2}, submit=False)
    assert draft.status is FilledStatus.DRAFT and [a.score for a in draft.answers] == [2]
    submitted = fill(world, world.people.sponsor, submit=True)
    assert submitted.status is FilledStatus.SUBMITTED and submitted.submitted_at == NOW
    assert len([a for a in submitted.answers if a.score is not None]) == 10
    with pytest.raises(GridError, match="déjà soumise"):
        fill(world, world.people.sponsor, submit=False)


def test_submitting_requires_every_score(world):
    with pytest.raises(GridValidationError) as refused:
        fill(world, world.people.sponsor, {"1.1": 3}, submit=True)
    assert len(refused.value.errors) == 9
    assert "Donnez une note entre 0 et 5 à « Le produit est-il utilisable" in " ".join(refused.value.errors.values())
    assert services.own_grid(world.committee, world.templates["arbitrage_sponsor"], world.people.sponsor) is None


@pytest.mark.parametrize("bad", ["6", "-1", "2,5", "trois", "99999999999"])
def test_a_score_outside_the_scale_is_refused_with_a_french_message(world, bad):
    version = world.templates["arbitrage_sponsor"].latest_version
    with pytest.raises(GridValidationError) as refused:
        fill(world, world.people.sponsor, {"1.1": bad}, submit=False)
    field = f"c{version.criteria[0].id}"
    assert refused.value.errors == {
        field: "La note de « Le positionnement du produit (cible, proposition de valeur) est-il bon ? » "
               "doit être un nombre entier entre 0 et 5."
    }


def test_amounts_and_choices_are_checked(world):
    committee = make_committee(world.startup, kind=CommitteeKind.END_OF_INVESTIGATION,
                               participants=[(world.people.sponsor, ParticipantRole.SPONSOR)])
    template = world.templates["lancement"]
    version = template.latest_version
    answers = scores(version, {"enveloppe_6_mois": "450 000 €", "avis_equipe": "Favorable"})
    grid = services.save_grid(committee, template, world.people.sponsor, answers=answers, abstained=False,
                              conflict_of_interest=None, comment=None, submit=False, now=NOW)
    assert {a.criterion.code: a.text for a in grid.answers} == {"enveloppe_6_mois": "450000", "avis_equipe": "Favorable"}
    with pytest.raises(GridValidationError, match="montant en euros"):
        services.save_grid(committee, template, world.people.sponsor, answers=scores(version, {"enveloppe_6_mois": "beaucoup"}),
                           abstained=False, conflict_of_interest=None, comment=None, submit=False, now=NOW)
    sponsor_version = world.templates["arbitrage_sponsor"].latest_version
    with pytest.raises(GridValidationError, match="Choisissez une des réponses"):
        fill(world, world.people.sponsor, {"decision": "Tout arrêter"}, submit=False, version=sponsor_version)


def test_only_evaluating_participants_fill(world):
    for person in (world.people.intrapreneur, world.people.outsider, world.people.admin, world.people.coach):
        with pytest.raises(GridError, match="Seuls les participants"):
            fill(world, person)


def test_no_grid_once_the_committee_is_held_but_the_sponsors_until_the_sign_off(world):
    world.committee.kind = CommitteeKind.END_OF_INVESTIGATION
    fill(world, world.people.head, code="lancement", submit=False)
    hold(world.committee)
    for person in (world.people.sponsor, world.people.head):
        with pytest.raises(GridError, match="ne peuvent plus être remplies"):
            fill(world, person, code="lancement")
    # The sponsor's grid informs the sign-off: held, then decided, it can still be filled.
    assert fill(world, world.people.sponsor, submit=False).status is FilledStatus.DRAFT
    world.committee.decision = Decision(kind=DecisionKind.CONTINUE)
    world.committee.status = CommitteeStatus.DECIDED
    assert fill(world, world.people.sponsor).is_submitted
    world.committee.status = CommitteeStatus.SIGNED_OFF
    with pytest.raises(GridError, match="ne peut plus être remplie"):
        fill(world, world.people.head)


def test_a_coach_does_not_fill_the_sponsors_grid_and_each_grid_says_whom_it_is_for(world):
    coach = world.people.coach
    world.committee.participants.append(Participant(person=coach, role=ParticipantRole.COACH))
    world.committee.kind = CommitteeKind.END_OF_INVESTIGATION
    db.session.flush()
    sponsor_grid, lancement = world.templates["arbitrage_sponsor"], world.templates["lancement"]
    assert not services.fills(world.committee, sponsor_grid, coach)
    assert services.fills(world.committee, lancement, coach)
    with pytest.raises(GridError, match="pas par le coach"):
        fill(world, coach)
    assert coach not in services.fillers(world.committee, sponsor_grid)
    assert "Grille du sponsor" in services.audience(sponsor_grid)
    assert "Grille des participants" in services.audience(lancement)


def test_the_grids_not_started_name_their_fillers(world):
    world.committee.kind = CommitteeKind.END_OF_INVESTIGATION
    fill(world, world.people.head, submit=False)
    missing = {t.code: [p.name for p in people] for t, people in services.not_started(world.committee)}
    assert missing == {"lancement": ["Sophie Sponsor", "Hugo Responsable", "Maya Portefeuille"],
                       "arbitrage_sponsor": ["Sophie Sponsor", "Maya Portefeuille"]}
    assert services.sponsor_grid_submitted(world.committee) is False
    fill(world, world.people.sponsor)
    assert services.sponsor_grid_submitted(world.committee) is True


# -- abstention --

def test_abstaining_requires_a_declaration(world):
    with pytest.raises(GridValidationError) as refused:
        fill(world, world.people.sponsor, abstained=True, conflict="  ")
    assert refused.value.errors == {"conflict_of_interest": "Déclarez le conflit d'intérêts qui motive votre abstention."}


def test_an_abstention_carries_no_score_and_is_left_out_of_the_statistics(world):
    fill(world, world.people.sponsor, {c: 5 for c in ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]})
    fill(world, world.people.head, {c: 1 for c in ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]})
    abstention = fill(world, world.people.manager, abstained=True, conflict="Ancien membre de l'équipe")
    assert abstention.answers == [] and abstention.conflict_of_interest == "Ancien membre de l'équipe"
    [result] = services.results(services.filled_grids(world.committee, world.templates["arbitrage_sponsor"]))
    assert [g.person for g in result.abstentions] == [world.people.manager]
    first = result.criteria[0].stats
    assert (first.count, first.mean, first.median, first.std, first.disagreement) == (2, 3, 3, 2, True)
    assert result.overall_mean == 3


# -- results --

def test_results_count_only_submitted_grids_and_apply_weights(world):
    template = world.templates["arbitrage_sponsor"]
    changes = publish(template, world.people.admin, **{"1.1": {"weight": Decimal(3)}})
    versions.publish_version(template, changes=changes, intro=None, change_note=None, actor=world.people.admin, now=LATER)
    others = {c: 2 for c in ["1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]}
    fill(world, world.people.sponsor, {"1.1": 5, **others})
    fill(world, world.people.head, {"1.1": 3, **others})
    fill(world, world.people.manager, {"1.1": 0}, submit=False)  # a draft counts for nothing
    [result] = services.results(services.filled_grids(world.committee, template))
    assert result.criteria[0].stats.count == 2 and result.criteria[0].stats.mean == 4
    # (3 × 4 + 9 × 2) / 12
    assert result.overall_mean == pytest.approx(2.5)


# -- hidden scores --

def test_scores_are_hidden_until_one_has_submitted_or_the_committee_is_held(world):
    template = world.templates["arbitrage_sponsor"]
    fill(world, world.people.sponsor)
    visible = lambda person: services.scores_visible(world.committee, template, person)
    assert visible(world.people.sponsor)
    assert not visible(world.people.head)  # has not submitted
    fill(world, world.people.head, submit=False)
    assert not visible(world.people.head)  # a draft is not enough
    for person in (world.people.admin, world.people.coach, world.people.intrapreneur):
        assert not visible(person)  # no exception before the committee is held
    hold(world.committee)
    for person in (world.people.admin, world.people.coach, world.people.intrapreneur):
        assert visible(person)
    # The sponsor's grid stays open after the committee is held: who fills it and has not submitted waits.
    assert not visible(world.people.head)


@pytest.mark.parametrize("status", [CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF])
def test_scores_stay_visible_after_the_decision(world, status):
    fill(world, world.people.head)
    world.committee.decision = Decision(kind=DecisionKind.CONTINUE)
    world.committee.status = status
    db.session.flush()
    assert services.scores_visible(world.committee, world.templates["arbitrage_sponsor"], world.people.head)
    assert services.scores_visible(world.committee, world.templates["arbitrage_sponsor"], world.people.coach)


@pytest.mark.parametrize("status", [CommitteeStatus.HELD, CommitteeStatus.DECIDED])
def test_the_sponsors_grid_is_masked_to_its_fillers_until_the_sign_off(world, status):
    fill(world, world.people.sponsor)
    if status == CommitteeStatus.DECIDED:
        world.committee.decision = Decision(kind=DecisionKind.CONTINUE)
    world.committee.status = status
    db.session.flush()
    template = world.templates["arbitrage_sponsor"]
    assert services.filling_open(world.committee, template)
    assert not services.scores_visible(world.committee, template, world.people.head)
    assert services.scores_visible(world.committee, template, world.people.sponsor)
    world.committee.decision = world.committee.decision or Decision(kind=DecisionKind.CONTINUE)
    world.committee.status = CommitteeStatus.SIGNED_OFF
    db.session.flush()
    assert services.scores_visible(world.committee, template, world.people.head)


def test_cancelled_committees_do_not_reveal_scores(world):
    fill(world, world.people.sponsor)
    world.committee.status = CommitteeStatus.CANCELLED
    db.session.flush()
    assert not services.scores_visible(world.committee, world.templates["arbitrage_sponsor"], world.people.head)


# -- audit --

def test_submitted_scores_are_in_the_audit_trail(world):
    grid = fill(world, world.people.sponsor, {"1.1": 4, **{c: 3 for c in ["1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]}})
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "grid.submitted")).one()
    assert event.object_id == str(grid.id) and event.actor_id == world.people.sponsor.id
    assert event.startup_id == world.startup.id
    assert event.after["scores"]["1.1"] == 4 and event.after["version"] == 1 and event.after["abstained"] is False


def test_drafts_are_not_audited(world):
    fill(world, world.people.sponsor, {"1.1": 4}, submit=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "grid.submitted")) == 0


# -- the committee's kind --

def test_a_kind_change_that_would_hide_grids_already_filled_is_refused(world):
    """The kind says which grids a committee is evaluated with: turned into a semestrial committee, an end
    of investigation's « lancement » grids, scores included, would leave its pages and its pack."""
    from committees import services as committee_services
    from committees.models import CommitteeError

    committee = world.committee
    committee.kind = CommitteeKind.END_OF_INVESTIGATION
    db.session.flush()
    fill(world, world.people.head, code="lancement", submit=False)  # a draft counts too
    version = committee.version
    with pytest.raises(CommitteeError) as refused:
        committee_services.reschedule(committee, kind=CommitteeKind.SEMESTRIAL, scheduled_at=committee.scheduled_at,
                                      place="Paris", video_link=None, chair=None, actor=world.people.coach, now=NOW)
    assert refused.value.field == "kind"
    assert str(refused.value) == (
        "Type de comité : la grille « Grille d'éligibilité au programme beta.gouv.fr (fin d'investigation) » est "
        f"déjà commencée pour ce comité, et un comité de type « {CommitteeKind.SEMESTRIAL.label} » n'est pas évalué "
        "avec : ses notes disparaîtraient des pages du comité et de son dossier. Gardez le type, ou annulez ce "
        "comité et planifiez-en un autre.")
    db.session.flush()
    assert (committee.kind, committee.version) == (CommitteeKind.END_OF_INVESTIGATION, version)
    assert [t.code for t in services.templates_for(committee)] == ["lancement", "arbitrage_sponsor"]
    # A grid every kind is evaluated with does not stand in the way; nor does a change that keeps it.
    fill(world, world.people.sponsor)
    assert committee_services.reschedule(committee, kind=CommitteeKind.END_OF_INVESTIGATION,
                                         scheduled_at=committee.scheduled_at, place="Paris", video_link=None,
                                         chair=None, actor=world.people.coach, now=NOW)


def test_once_held_who_already_reads_the_open_grids_scores_is_not_invited_to_fill_it(world):
    """A sponsor not invited reads the sponsor's grid's scores once the committee is held: invited then, they
    would fill that grid (open until the sign-off) having read the others'. Someone who could not read them
    is still invited, and anyone is before the committee."""
    from committees import services as committees
    from committees.models import CommitteeError
    from tests.factories import make_membership, make_person

    late = make_person("Léa Tardive")
    make_membership(late, world.startup, "sponsor")
    before = make_person("Paul Avant")
    make_membership(before, world.startup, "sponsor")
    committees.add_participant(world.committee, before, ParticipantRole.SPONSOR, actor=world.people.admin, now=NOW)
    hold(world.committee)
    assert services.scores_visible(world.committee, world.templates["arbitrage_sponsor"], late)
    for role in (ParticipantRole.SPONSOR, ParticipantRole.OTHER):
        with pytest.raises(CommitteeError, match="Léa Tardive peut déjà lire les notes de la grille"):
            committees.add_participant(world.committee, late, role, actor=world.people.admin, now=NOW)
    # Invited as a coach, who does not fill the sponsor's grid, they may be.
    committees.add_participant(world.committee, late, ParticipantRole.COACH, actor=world.people.admin, now=NOW)
    # An outsider reads no score: invited after the committee, they fill the grid masked as everyone.
    committees.add_participant(world.committee, world.people.outsider, ParticipantRole.OTHER,
                               actor=world.people.admin, now=NOW)
    assert not services.scores_visible(world.committee, world.templates["arbitrage_sponsor"], world.people.outsider)
    assert {p.person_id for p in world.committee.participants} >= {late.id, before.id, world.people.outsider.id}
