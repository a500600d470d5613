"""The policy itself: what each role may do on a startup, with dates, archives and incubators."""

import datetime as dt

import pytest

from core import clock
from tests.factories import make_incubator, make_incubator_staff, make_membership, make_person, make_startup
from users.models import StartupRole
from users.permissions import POLICY, can, grantable_roles, requires, role_change_refusal, sign_off_refusal

TODAY = dt.date(2026, 11, 27)

# role -> the startup actions it is granted on its own startup
EXPECTED = {
    "team_member": {"startup.view_private"},
    "sponsor": {"startup.view_private"},
    "intrapreneur": {"startup.view_private", "startup.edit", "startup.manage_members"},
    "coach": {"startup.view_private", "startup.edit", "startup.manage_members", "startup.change_phase"},
    "incubator_staff": {"startup.view_private", "startup.edit", "startup.manage_members", "startup.change_phase",
                        "startup.create"},
    "admin": {"startup.view_private", "startup.edit", "startup.manage_members", "startup.change_phase",
              "startup.create"},
}
STARTUP_ACTIONS = ("startup.view_private", "startup.edit", "startup.manage_members", "startup.change_phase",
                   "startup.create")


@pytest.fixture
def startup():
    incubator = make_incubator()
    return make_startup(incubator_id=incubator.id, phases=[("construction", dt.date(2025, 1, 6))])


def person_with(role, startup, **dates):
    if role == "admin":
        return make_person(is_admin=True)
    person = make_person()
    if role == "incubator_staff":
        make_incubator_staff(person, startup.incubator, **dates)
    else:
        make_membership(person, startup, role, **dates)
    return person


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_gets_exactly_its_startup_actions(startup, role):
    person = person_with(role, startup)
    granted = {action for action in STARTUP_ACTIONS if can(action, startup, person=person, on=TODAY)}
    assert granted == EXPECTED[role]


@pytest.mark.parametrize("role", sorted(set(EXPECTED) - {"admin"}))
def test_roles_count_only_between_their_dates(startup, role):
    ended = person_with(role, startup, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2026, 11, 26))
    future = person_with(role, startup, starts_on=dt.date(2026, 11, 28))
    last_day = person_with(role, startup, starts_on=dt.date(2024, 1, 1), ends_on=TODAY)
    assert not can("startup.view_private", startup, person=ended, on=TODAY)
    assert not can("startup.view_private", startup, person=future, on=TODAY)
    assert can("startup.view_private", startup, person=last_day, on=TODAY)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_archived_people_have_no_role(startup, role):
    person = person_with(role, startup)
    person.archived_at = clock.now()
    assert not any(can(action, startup, person=person, on=TODAY) for action in STARTUP_ACTIONS)


@pytest.mark.parametrize("role", sorted(set(EXPECTED) - {"admin"}))
def test_a_role_gives_nothing_on_another_startup(startup, role):
    person = person_with(role, startup)
    elsewhere = make_startup(incubator_id=make_incubator().id)
    assert not any(can(action, elsewhere, person=person, on=TODAY) for action in STARTUP_ACTIONS)


def test_anonymous_visitors_get_nothing(startup):
    with_no_one = [action for action in POLICY if can(action, startup, person=None, on=TODAY)]
    assert with_no_one == []


def test_people_see_their_own_account_and_admins_everyone():
    alice, bob, admin = make_person("Alice"), make_person("Bob"), make_person("Admin", is_admin=True)
    assert can("person.view", alice, person=alice, on=TODAY)
    assert not can("person.view", bob, person=alice, on=TODAY)
    assert can("person.view", bob, person=admin, on=TODAY)
    assert not can("person.manage", bob, person=alice, on=TODAY)
    assert can("person.manage", bob, person=admin, on=TODAY)


def test_only_admins_manage_organisations_and_incubators(startup):
    staff = person_with("incubator_staff", startup)
    admin = make_person(is_admin=True)
    for action in ("organisation.manage", "incubator.manage", "admin"):
        assert not can(action, None, person=staff, on=TODAY)
        assert can(action, None, person=admin, on=TODAY)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        requires("startup.fly")
    with pytest.raises(KeyError):
        can("startup.fly", None, person=None, on=TODAY)


def test_startup_creation_is_for_admins_and_incubator_staff(startup):
    staff = person_with("incubator_staff", startup)
    former_staff = person_with("incubator_staff", startup, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2025, 1, 1))
    coach = person_with("coach", startup)
    other_incubator = make_incubator()
    # Without an incubator: "may create somewhere".
    assert can("startup.create", None, person=staff, on=TODAY)
    assert not can("startup.create", None, person=former_staff, on=TODAY)
    assert not can("startup.create", None, person=coach, on=TODAY)
    # In an incubator: its own staff only.
    assert can("startup.create", startup.incubator, person=staff, on=TODAY)
    assert not can("startup.create", other_incubator, person=staff, on=TODAY)
    assert can("startup.create", other_incubator, person=make_person(is_admin=True), on=TODAY)


# --- Who grants and ends which role (issue 9) -------------------------------------------------------

ACTORS = ("outsider", "team_member", "intrapreneur", "coach", "sponsor", "incubator_staff", "admin")
# actor -> the roles it may grant to someone else, or end, in the startup's team
GRANTS = {
    "outsider": set(),
    "team_member": set(),
    "sponsor": set(),
    "intrapreneur": {StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER},
    "coach": {StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER},
    "incubator_staff": set(StartupRole),
    "admin": set(StartupRole),
}


def actor_for(kind, startup):
    if kind == "outsider":
        person = make_person()
        make_membership(person, make_startup(incubator_id=make_incubator().id), "coach")
        return person
    return person_with(kind, startup)


@pytest.mark.parametrize("ending", [False, True], ids=["grant", "end"])
@pytest.mark.parametrize("role", list(StartupRole))
@pytest.mark.parametrize("actor", ACTORS)
def test_who_grants_and_ends_each_role(startup, actor, role, ending):
    person = actor_for(actor, startup)
    someone = make_person()
    refusal = role_change_refusal(person, startup, role, someone, ending=ending, on=TODAY)
    assert (refusal is None) == (role in GRANTS[actor])
    if refusal is not None:
        assert not refusal.isascii()  # a French explanation for the 403 page
    assert set(grantable_roles(person, startup, on=TODAY)) == GRANTS[actor]


@pytest.mark.parametrize("actor", ("intrapreneur", "coach", "incubator_staff", "admin"))
def test_nobody_grants_themselves_the_sponsor_role(startup, actor):
    person = person_with(actor, startup)
    assert role_change_refusal(person, startup, StartupRole.SPONSOR, person, on=TODAY) is not None
    # A role below the ones they hold is not an escalation.
    assert role_change_refusal(person, startup, StartupRole.TEAM_MEMBER, person, on=TODAY) is None


def test_an_intrapreneur_does_not_make_themselves_coach_nor_a_team_member_intrapreneur(startup):
    intrapreneur, member = person_with("intrapreneur", startup), person_with("team_member", startup)
    assert role_change_refusal(intrapreneur, startup, StartupRole.COACH, intrapreneur, on=TODAY) is not None
    assert role_change_refusal(intrapreneur, startup, StartupRole.INTRAPRENEUR, intrapreneur, on=TODAY) is None
    assert role_change_refusal(member, startup, StartupRole.INTRAPRENEUR, member, on=TODAY) is not None
    # Incubator staff may be the startup's coach (they already do all a coach does), not its sponsor.
    staff = person_with("incubator_staff", startup)
    assert role_change_refusal(staff, startup, StartupRole.COACH, staff, on=TODAY) is None
    assert "vous-même" in role_change_refusal(staff, startup, StartupRole.SPONSOR, staff, on=TODAY)


def test_nobody_grants_themselves_a_role_beyond_the_end_of_their_own(startup):
    staff = person_with("incubator_staff", startup, starts_on=dt.date(2025, 1, 6), ends_on=dt.date(2026, 12, 31))
    assert "au-delà de la fin du vôtre, le 31 décembre 2026" in role_change_refusal(
        staff, startup, StartupRole.COACH, staff, on=TODAY)
    assert role_change_refusal(staff, startup, StartupRole.COACH, staff, on=TODAY, ends_on=dt.date(2026, 12, 31)) is None
    # A role that follows without a gap, granted by someone else, counts: the end is the last one's.
    make_membership(staff, startup, "coach", starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 6, 30))
    assert role_change_refusal(staff, startup, StartupRole.TEAM_MEMBER, staff, on=TODAY,
                               ends_on=dt.date(2027, 6, 30)) is None
    assert "le 30 juin 2027" in role_change_refusal(staff, startup, StartupRole.TEAM_MEMBER, staff, on=TODAY)
    # An admin's own role has no end; another person's roles are not bounded by the actor's.
    admin = person_with("admin", startup)
    assert role_change_refusal(admin, startup, StartupRole.COACH, admin, on=TODAY) is None
    assert role_change_refusal(staff, startup, StartupRole.INTRAPRENEUR, make_person(), on=TODAY) is None


def test_ending_one_s_own_team_role_is_not_an_escalation(startup):
    intrapreneur = person_with("intrapreneur", startup)
    assert role_change_refusal(intrapreneur, startup, StartupRole.INTRAPRENEUR, intrapreneur, ending=True,
                               on=TODAY) is None


# --- Who reviews a committee's decision (issue 9) ---------------------------------------------------

class Decided:
    """A committee awaiting its sponsor's review, read by duck typing like the policy reads it."""

    def __init__(self, startup, chair=None, recorder=None):
        self.startup_id, self.incubator_id = startup.id, startup.incubator_id
        self.chair_id = chair.id if chair else None
        self.decision = type("Decision", (), {"decided_by_id": recorder.id if recorder else None})()

    def permission_scope(self):
        return (self.startup_id, self.incubator_id)


def test_only_a_current_sponsor_who_neither_recorded_nor_chaired_signs_off(startup):
    sponsor, other_sponsor = person_with("sponsor", startup), person_with("sponsor", startup)
    coach, admin = person_with("coach", startup), make_person(is_admin=True)
    former = person_with("sponsor", startup, starts_on=dt.date(2024, 1, 1), ends_on=TODAY - dt.timedelta(days=1))
    committee = Decided(startup, chair=coach, recorder=coach)
    assert can("committee.sign_off", committee, person=sponsor, on=TODAY)
    for refused in (coach, admin, former, person_with("incubator_staff", startup)):
        assert not can("committee.sign_off", committee, person=refused, on=TODAY)
    assert not can("committee.sign_off", Decided(startup, chair=coach, recorder=sponsor), person=sponsor, on=TODAY)
    assert not can("committee.sign_off", Decided(startup, chair=sponsor, recorder=coach), person=sponsor, on=TODAY)
    assert can("committee.sign_off", Decided(startup, chair=sponsor, recorder=coach), person=other_sponsor, on=TODAY)
    # The membership counts on the day of the sign-off, its last day included.
    assert can("committee.sign_off", committee, person=former, on=TODAY - dt.timedelta(days=1))
    assert "saisi cette décision" in sign_off_refusal(sponsor, Decided(startup, recorder=sponsor), TODAY)
    assert "présidé ce comité" in sign_off_refusal(sponsor, Decided(startup, chair=sponsor), TODAY)
    assert "sponsor actuel" in sign_off_refusal(admin, committee, TODAY)


def test_a_sponsor_who_is_also_in_the_startups_team_does_not_sign_off_its_decision(startup):
    """Separation of duties: the team does not review the decision that concerns it (nor score itself)."""
    coach = person_with("coach", startup)
    committee = Decided(startup, chair=coach, recorder=coach)
    for team_role in ("intrapreneur", "team_member"):
        sponsor = person_with("sponsor", startup)
        assert can("committee.sign_off", committee, person=sponsor, on=TODAY)
        make_membership(sponsor, startup, team_role)
        assert not can("committee.sign_off", committee, person=sponsor, on=TODAY)
        assert "partie de l'équipe de la startup" in sign_off_refusal(sponsor, committee, TODAY)
    # Once out of the team, the sponsor reviews again.
    former_member = person_with("sponsor", startup)
    make_membership(former_member, startup, "intrapreneur", starts_on=dt.date(2024, 1, 1), ends_on=TODAY - dt.timedelta(days=1))
    assert can("committee.sign_off", committee, person=former_member, on=TODAY)
