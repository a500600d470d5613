"""The one permission policy of Jalons, read by views and templates alike.

Every route declares who may reach it, with one of two decorators:
- @public: readable without login (what beta.gouv.fr already publishes);
- @requires("action"): login required; the view then calls authorize("action", target) once it has
  loaded the target (a startup, a committee…), which answers 403 when the policy says no.
A route with neither decorator fails the permission walk test (tests/users/test_permission_walk.py).

The policy is the POLICY table below: action -> rule(person, target, today) -> bool. Targets expose
permission_scope() -> (startup_id | None, incubator_id | None). A rule that can say why it refuses has
its French explanation in REFUSALS, which authorize() shows on the 403 page. Who grants or ends which
role in a startup's team depends on more than one target (the role, the person concerned): that rule is
role_change_refusal(), read by the team's views, templates and services alike.
"""

import datetime as dt
import functools
from collections.abc import Callable

from flask import abort, current_app, has_request_context, redirect, request, session, url_for

from core.db import db
from core import clock, dates, errors
from core.formats import date_fr
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


def sign_off_refusal(person, target, on) -> str | None:
    """Why person may not sign off (nor contest) the decision of the committee target on the day on, in
    French; None when they may. Separation of duties (issue 9): only a current sponsor of the startup
    reviews its committee's decision, and never the person who recorded it, the committee's chair, nor a
    sponsor who is also in the startup's team (intrapreneur, team member): the team does not review what
    concerns it, as it does not score itself in the grids.
    Admins have no override. The committee is read by duck typing (users/ comes before committees/)."""
    startup_id, _ = scope_of(target)
    roles = startup_roles(person, startup_id, on)
    if StartupRole.SPONSOR not in roles:
        return "Seul un sponsor actuel de la startup valide ou conteste la décision de son comité."
    if roles & {StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER}:
        return ("Vous faites aussi partie de l'équipe de la startup : un autre sponsor doit valider la décision "
                "de son comité, pour que l'équipe ne valide pas ce qui la concerne.")
    decision = getattr(target, "decision", None)
    if decision is not None and decision.decided_by_id == person.id:
        return ("Vous avez saisi cette décision : un autre sponsor de la startup doit la valider, "
                "pour qu'une même personne ne décide pas et ne valide pas.")
    if getattr(target, "chair_id", None) == person.id:
        return ("Vous avez présidé ce comité : un autre sponsor de la startup doit valider sa décision, "
                "pour qu'une même personne ne décide pas et ne valide pas.")
    return None


def _signs_off(person, target, on) -> bool:
    return sign_off_refusal(person, target, on) is None


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


def is_dinum_finance(person: Person | None) -> bool:
    return bool(person and person.is_active and (person.is_admin or person.is_dinum_finance))


def _finance(person, target, on) -> bool:
    """Admins and DINUM finance manage conventions and orders."""
    return is_dinum_finance(person)


def _funding(*roles: StartupRole, staff: bool = True, budget_contact: bool = False) -> Callable:
    """Money of a convention, an order or a startup (read by duck typing: conventions/ comes after users):
    admins and DINUM finance; the incubator staff and the given current roles in any startup it funds; the
    partner's budget contact named on the convention."""

    def rule(person, target, on) -> bool:
        if is_dinum_finance(person):
            return True
        if not person or not person.is_active or target is None:
            return False
        if budget_contact and getattr(target, "budget_contact_id", None) == person.id:
            return True
        scopes = target.funding_scopes() if hasattr(target, "funding_scopes") else [scope_of(target)]
        return any((staff and incubator_staff(person, incubator_id, on)) or startup_roles(person, startup_id, on) & set(roles)
                   for startup_id, incubator_id in scopes)

    return rule


def _convention_preparer(person, target, on) -> bool:
    """Without a target: may prepare a convention somewhere (admins, DINUM finance, current incubator staff
    and coaches; the form offers only their startups)."""
    if target is None:
        return is_dinum_finance(person) or bool(person and person.is_active and (
            any(r.is_current(on) for r in person.incubator_roles)
            or any(m.role is StartupRole.COACH and m.is_current(on) for m in person.memberships)))
    return _funding(StartupRole.COACH)(person, target, on)


def _intrapreneur_or_admin(person, target, on) -> bool:
    """The startup's intrapreneur validates the services faits of its orders (or an admin)."""
    startup_id, _ = scope_of(target)
    return is_admin(person) or StartupRole.INTRAPRENEUR in startup_roles(person, startup_id, on)


def _convention_lister(person, target, on) -> bool:
    """The portfolio of conventions: admins, DINUM finance, current incubator staff (their startups')."""
    return is_dinum_finance(person) or bool(person and person.is_active and any(r.is_current(on) for r in person.incubator_roles))


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


def _personal_data(person, target, on) -> bool:
    """One's own data, and everyone's for admins; an anonymised person's, nobody's: what was recorded of
    their identity (the name and e-mail an account was created with) is not read again anywhere."""
    if target is not None and getattr(target, "anonymised_at", None) is not None:
        return False
    return _self_or_admin(person, target, on)


# Who may do what. Anonymous visitors read what beta.gouv.fr publishes (routes marked @public). Admins
# (programme staff) may do everything but review a committee's decision; incubator staff everything on
# their incubator's startups but that review; in a startup, every current member (team member,
# intrapreneur, coach, sponsor) sees its private data, the intrapreneur and the coach edit it and its team
# roles (role_change_refusal below), the coach changes its phase; the sponsor reads and reviews decisions.
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
    # People: one sees one's own data; admins see and manage everyone's accounts and roles. Nobody reads again
    # the data of an anonymised person.
    "person.view": _personal_data,
    "person.manage": _admin,
    # Indicators: the whole team and its sponsor read them; the team and its coach enter them.
    "indicators.view": _team(*ANY_STARTUP_ROLE),
    "indicators.edit": _team(StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER, StartupRole.COACH),
    # Correcting or deleting an objective: whoever may enter one.
    "indicators.correct_objective": _team(StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER, StartupRole.COACH),
    # An objective a committee set is part of that committee's record: only an admin corrects it (a typo).
    "indicators.correct_committee_objective": _admin,
    # Committees: the team sees them; the coach and the incubator staff run them; the sponsor signs off.
    "committee.view": _committee_viewer,
    "committee.plan": _team(StartupRole.COACH),
    "committee.edit": _team(StartupRole.COACH),
    # Correcting or deleting an action item, at any step: whoever may enter one (its coach, the incubator
    # staff, admins).
    "committee.correct_action": _team(StartupRole.COACH),
    "committee.decide": _team(StartupRole.COACH),
    # The sponsor's review (sign-off or contest): a current sponsor, neither the decision's recorder nor the
    # committee's chair; no admin override.
    "committee.sign_off": _signs_off,
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
    # The money (conventions area): admins and DINUM finance manage conventions and orders; incubator staff
    # and coaches see and prepare them for their startups; the intrapreneur validates services faits and sees
    # the money of the startup; the sponsor and the partner's budget contact see their conventions.
    "convention.list": _convention_lister,
    "convention.prepare": _convention_preparer,
    "convention.view": _funding(StartupRole.COACH, StartupRole.INTRAPRENEUR, StartupRole.SPONSOR, budget_contact=True),
    "convention.manage": _finance,
    "service_fait.record": _funding(StartupRole.COACH),
    "service_fait.validate": _intrapreneur_or_admin,
    "funding.view": _funding(StartupRole.COACH, StartupRole.INTRAPRENEUR, StartupRole.SPONSOR),
    # The partner's commitments (commitments area): the team sees them (startup.view_private); the
    # intrapreneur and the coach state them and record risk workshops; the portfolio's commitments × startups
    # for the programme's staff (admins, DINUM finance, incubator staff).
    "commitment.state": _team(StartupRole.INTRAPRENEUR, StartupRole.COACH),
    "commitments.portfolio": _convention_lister,
    # Quotes (devis): the startup's coach and incubator staff record them; DINUM finance decides and orders.
    "quote.prepare": _funding(StartupRole.COACH),
    # FAST, DINUM's acceleration fund: recorded by admins and DINUM finance.
    "fast.manage": _finance,
}

# action -> refusal(person, target, on) -> French explanation, or None: the 403 page of a rule that says why.
REFUSALS: dict[str, Callable[[Person | None, object, dt.date], str | None]] = {
    "committee.sign_off": sign_off_refusal,
}


# --- Who grants and ends which role in a startup's team ---------------------------------------------

# The roles that run a startup's governance: the coach runs its committees, the sponsor signs off their
# decisions. Only admins and the startup's incubator staff grant or end them (issue 9); the startup's
# coach and intrapreneur manage the other, team roles.
GOVERNANCE_ROLES = frozenset({StartupRole.COACH, StartupRole.SPONSOR})
# « Higher » for a role one grants oneself: what the role adds. The sponsor's sign-off comes above all.
ROLE_RANK = {StartupRole.TEAM_MEMBER: 1, StartupRole.INTRAPRENEUR: 2, StartupRole.COACH: 3, StartupRole.SPONSOR: 4}


def _rank_in(person: Person, startup, on: dt.date) -> int:
    """The highest role person holds in startup on the day; admins and its incubator staff already do
    everything a coach does."""
    held = [ROLE_RANK[role] for role in startup_roles(person, scope_of(startup)[0], on)]
    if _staff_or_admin(person, startup, on):
        held.append(ROLE_RANK[StartupRole.COACH])
    return max(held, default=0)


def _held_until(person: Person, startup, rank: int, on: dt.date) -> dt.date | None:
    """The last day person holds in startup, from the day on and without a gap, a role of at least rank
    (admins and its incubator staff count as coaches); dt.date.max when it has no end, None without one."""
    startup_id, incubator_id = scope_of(startup)
    spans = [(m.starts_on, m.ends_on or dt.date.max) for m in person.memberships
             if m.startup_id == startup_id and ROLE_RANK[m.role] >= rank]
    if rank <= ROLE_RANK[StartupRole.COACH]:
        spans += [(r.starts_on, r.ends_on or dt.date.max) for r in person.incubator_roles
                  if incubator_id and r.incubator_id == incubator_id]
        if is_admin(person):
            spans.append((dt.date.min, dt.date.max))
    until = max((end for start, end in spans if start <= on <= end), default=None)
    extended = True
    while extended and until is not None and until < dt.date.max:
        following = [end for start, end in spans if start <= until + dt.timedelta(days=1) and end > until]
        extended = bool(following)
        until = max(following, default=until)
    return until


def role_change_refusal(person: Person | None, startup, role: StartupRole, concerned: Person | None, *,
                        ending: bool = False, on: dt.date | None = None, ends_on: dt.date | None = None) -> str | None:
    """Why person may not grant (ending=False) or end (ending=True) role in startup's team to concerned, in
    French; None when they may. concerned=None: someone not known yet (the invitation form). ends_on: the last
    day of the role granted (None: no end).

    The sponsor and coach roles: admins and the startup's incubator staff. The team roles (intrapreneur,
    team member): also the startup's current coach and intrapreneur. Nobody grants themselves a role above
    the ones they hold in the startup (an admin no more makes themselves sponsor than an intrapreneur does),
    nor beyond the end of their own (an intrapreneur whose role an admin ended would give it back to
    themselves from the next day).
    """
    on = on or clock.today()
    role = StartupRole(role)
    if not (person and person.is_active) or not POLICY["startup.manage_members"](person, startup, on):
        return "Vous ne pouvez pas modifier l'équipe de cette startup."
    if role in GOVERNANCE_ROLES and not _staff_or_admin(person, startup, on):
        change = "mettre fin au rôle" if ending else "attribuer le rôle"
        return (f"Seuls les administrateurs et l'équipe de l'incubateur de la startup peuvent {change} "
                f"de {role.label.lower()}.")
    if not ending and concerned is not None and concerned.id == person.id and ROLE_RANK[role] > _rank_in(person, startup, on):
        return (f"Vous ne pouvez pas vous attribuer vous-même le rôle de {role.label.lower()} : "
                "demandez-le à l'équipe de l'incubateur de la startup.")
    if not ending and concerned is not None and concerned.id == person.id:
        until = _held_until(person, startup, ROLE_RANK[role], on)
        if until is not None and until < dt.date.max and (ends_on is None or ends_on > until):
            return (f"Vous ne pouvez pas vous attribuer vous-même le rôle de {role.label.lower()} au-delà de la fin "
                    f"du vôtre, le {date_fr(until)} : demandez-le à l'équipe de la startup ou de son incubateur.")
    return None


def grantable_roles(person: Person | None, startup, on: dt.date | None = None) -> list[StartupRole]:
    """The roles person may give someone in startup's team: the choices of the invitation form."""
    return [role for role in StartupRole if role_change_refusal(person, startup, role, None, on=on) is None]


_CACHE_KEY = errors.CURRENT_PERSON  # the error pages read it too, without a query


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
            if person is None or not person.is_active or session.get("session_version") != person.session_version:
                # Ended by a logout or an archiving since this cookie was issued (users.services.end_sessions).
                session.clear()
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


def refusal(action: str, target=None, person: Person | None = None, on: dt.date | None = None) -> str | None:
    """None when person may do action on target; else why not, in French (REFUSALS), or a general reason."""
    if can(action, target, person=person, on=on):
        return None
    person = current_person() if person is None else person
    explain = REFUSALS.get(action)
    reason = explain(person, target, on or clock.today()) if explain and person is not None else None
    return reason or "Vous n'avez pas le droit de faire cette action."


def authorize(action: str, target=None) -> None:
    """Abort with 403 unless the current person may do action on target; the page says why when the rule
    can (REFUSALS)."""
    if not can(action, target):
        abort(403, refusal(action, target) if action in REFUSALS else None)


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
    app.add_template_global(refusal)
    app.add_template_global(current_person)
