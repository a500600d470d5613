"""The policy itself: what each role may do on a startup, with dates, archives and incubators."""

import datetime as dt

import pytest

from core import clock
from tests.factories import make_incubator, make_incubator_staff, make_membership, make_person, make_startup
from users.permissions import POLICY, can, requires

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
