"""The one permission policy of Jalons, read by views and templates alike.

Every route declares who may reach it, with one of two decorators:
- @public: readable without login (what beta.gouv.fr already publishes);
- @requires("action"): login required; the view then calls authorize("action", target) once it has
  loaded the target (a startup, a committee…), which answers 403 when the policy says no.
A route with neither decorator fails the permission walk test (tests/users/test_permission_walk.py).

The policy is the POLICY table below: action -> rule(person, target, today) -> bool. Targets expose
permission_scope() -> (startup_id | None, incubator_id | None).
"""

import datetime as dt
import functools
from collections.abc import Callable

from flask import abort, current_app, has_request_context, redirect, request, session, url_for

from core.db import db
from core import clock
from users.models import Person, StartupRole

ANY_STARTUP_ROLE = frozenset(StartupRole)


def scope_of(target) -> tuple[str | None, str | None]:
    if target is None:
        return (None, None)
    return target.permission_scope()


def is_admin(person: Person | None) -> bool:
    return bool(person and person.is_active and person.is_admin)


def incubator_staff(person: Person | None, incubator_id: str | None, on: dt.date) -> bool:
    if not person or not person.is_active or not incubator_id:
        return False
    return any(r.incubator_id == incubator_id and r.is_current(on) for r in person.incubator_roles)


def startup_roles(person: Person | None, startup_id: str | None, on: dt.date) -> set[StartupRole]:
    if not person or not person.is_active or not startup_id:
        return set()
    return {m.role for m in person.memberships if m.startup_id == startup_id and m.is_current(on)}


def _staff_or_admin(person, target, on) -> bool:
    _, incubator_id = scope_of(target)
    return is_admin(person) or incubator_staff(person, incubator_id, on)


def _team(*roles: StartupRole) -> Callable:
    """Admins, the startup's incubator staff, and the given current roles in the startup."""

    def rule(person, target, on) -> bool:
        startup_id, _ = scope_of(target)
        return _staff_or_admin(person, target, on) or bool(startup_roles(person, startup_id, on) & set(roles))

    return rule


def _sponsor_or_admin(person, target, on) -> bool:
    """Only a current sponsor member of the startup signs off its committees' decisions (or an admin)."""
    startup_id, _ = scope_of(target)
    return is_admin(person) or StartupRole.SPONSOR in startup_roles(person, startup_id, on)


def _participant(*excluded_roles: str) -> Callable:
    """A participant of the committee (the target, read by duck typing: users/ comes before committees/),
    except in the given roles (values of committees.models.ParticipantRole)."""

    def rule(person, target, on) -> bool:
        if not person or not person.is_active or target is None:
            return False
        return any(p.person_id == person.id and p.role not in excluded_roles for p in getattr(target, "participants", ()))

    return rule


def _grid_results(person, target, on) -> bool:
    """Participants of the committee, the startup's coach and sponsor, its incubator's staff, admins."""
    return _participant()(person, target, on) or _team(StartupRole.COACH, StartupRole.SPONSOR)(person, target, on)


def _committee_viewer(person, target, on) -> bool:
    """The committee's participants (the DINUM portfolio manager has no role in the startup), and the
    startup's whole team (coach and sponsor included), its incubator's staff, admins."""
    return _participant()(person, target, on) or _team(*ANY_STARTUP_ROLE)(person, target, on)


def _presentation_editor(person, target, on) -> bool:
    """The startup's intrapreneur and team members (they present), admins."""
    startup_id, _ = scope_of(target)
    return is_admin(person) or bool(
        startup_roles(person, startup_id, on) & {StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER})


def _logged_in(person, target, on) -> bool:
    return bool(person and person.is_active)


def _admin(person, target, on) -> bool:
    return is_admin(person)


def _startup_creator(person, target, on) -> bool:
    """In a given incubator: its staff (and admins). Without a target: may create somewhere, i.e. admins
    and the current staff of any incubator (the form then offers only their incubators)."""
    if target is None:
        return is_admin(person) or bool(
            person and person.is_active and any(r.is_current(on) for r in person.incubator_roles))
    return _staff_or_admin(person, target, on)


def _self_or_admin(person, target, on) -> bool:
    return is_admin(person) or bool(person and person.is_active and target is not None and target.id == person.id)


# Who may do what. Anonymous visitors read what beta.gouv.fr publishes (routes marked @public). Admins
# (programme staff) may do everything; incubator staff everything on their incubator's startups; in a
# startup, every current member (team member, intrapreneur, coach, sponsor) sees its private data, the
# intrapreneur and the coach edit it and its team, the coach changes its phase; the sponsor reads.
# Roles count only between their dates, and archived people have none.
POLICY: dict[str, Callable[[Person | None, object, dt.date], bool]] = {
    "account.use": _logged_in,
    "admin": _admin,
    "startup.view_private": _team(*ANY_STARTUP_ROLE),
    "startup.create": _startup_creator,
    "startup.edit": _team(StartupRole.INTRAPRENEUR, StartupRole.COACH),
    "startup.change_phase": _team(StartupRole.COACH),
    "startup.manage_members": _team(StartupRole.INTRAPRENEUR, StartupRole.COACH),
    "organisation.manage": _admin,
    "incubator.manage": _admin,
    # People: one sees one's own data; admins see and manage everyone's accounts and roles.
    "person.view": _self_or_admin,
    "person.manage": _admin,
    # Indicators: the whole team and its sponsor read them; the team and its coach enter them.
    "indicators.view": _team(*ANY_STARTUP_ROLE),
    "indicators.edit": _team(StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER, StartupRole.COACH),
    # Committees: the team sees them; the coach and the incubator staff run them; the sponsor signs off.
    "committee.view": _committee_viewer,
    "committee.plan": _team(StartupRole.COACH),
    "committee.edit": _team(StartupRole.COACH),
    "committee.decide": _team(StartupRole.COACH),
    "committee.sign_off": _sponsor_or_admin,
    # Evaluation grids (target: the committee): its participants fill them, except the startup's own team
    # (intrapreneur, team members), who present rather than judge; admins publish new versions.
    "grid.fill": _participant("intrapreneur", "membre_equipe"),
    "grid.results": _grid_results,
    "grid.publish": _admin,
    # The team's presentation to a committee (target: the committee): the team writes it, the coach or
    # the incubator staff review it; the pack (presentation, indicators, grids' results) is read by the
    # committee's participants and the startup's team, coach, sponsor and incubator staff.
    "presentation.edit": _presentation_editor,
    "presentation.review": _team(StartupRole.COACH),
    "presentation.view": _committee_viewer,
    "pack.view": _committee_viewer,
    # Editing the lifecycle: only an admin rewrites the phase history (with a reason).
    "startup.correct_history": _admin,
    # The audit trail: a startup's history for its team, its incubator staff and admins; the whole log
    # for admins only. Personal data: anyone exports their own; an admin anonymises a person.
    "audit.view_startup": _team(*ANY_STARTUP_ROLE),
    "audit.view_all": _admin,
    "person.export_data": _self_or_admin,
    "person.anonymise": _admin,
}


_CACHE_KEY = "jalons.current_person"


def current_person() -> Person | None:
    """The logged-in person of this request, loaded once with their roles."""
    # Cached on the request, not on g: an app context (and its g) may outlive one request (tests, CLI).
    if not has_request_context():
        return None
    cache = request.environ
    if _CACHE_KEY not in cache:
        person = None
        person_id = session.get("person_id")
        if person_id is not None and _session_expired():
            session.clear()
            person_id = None
        if person_id is not None:
            person = db.session.get(Person, person_id)
            if person is not None and not person.is_active:
                person = None
        cache[_CACHE_KEY] = person
    return cache[_CACHE_KEY]


def _session_expired() -> bool:
    """Sessions end PERMANENT_SESSION_LIFETIME after login, whatever the activity in between."""
    login_at = session.get("login_at")
    if login_at is None:
        return False
    try:
        opened = dt.datetime.fromisoformat(login_at)
    except (TypeError, ValueError):
        return True
    return clock.now() - opened > current_app.permanent_session_lifetime


def can(action: str, target=None, person: Person | None = None, on: dt.date | None = None) -> bool:
    if action not in POLICY:
        raise KeyError(f"no permission rule for {action!r}")
    person = current_person() if person is None else person
    return POLICY[action](person, target, on or clock.today())


def authorize(action: str, target=None) -> None:
    """Abort with 403 unless the current person may do action on target."""
    if not can(action, target):
        abort(403)


def public(view):
    view.permission = "public"
    return view


def requires(action: str):
    """Login required (redirect to the login page), then the view calls authorize(action, target)."""
    if action not in POLICY:
        raise KeyError(f"no permission rule for {action!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_person() is None:
                return redirect(url_for("users.login", next=request.full_path.rstrip("?")), 303)
            return view(*args, **kwargs)

        wrapper.permission = action
        return wrapper

    return decorator


def register(app) -> None:
    app.add_template_global(can)
    app.add_template_global(current_person)
