"""A startup's team and an incubator's staff: adding people by e-mail (a login link after the commit),
ending their roles. Rules as in startups/services.py: check, change, audit, flush; StartupError for a refusal.

Who grants or ends which role is the permission policy's (users.permissions.role_change_refusal), checked
here again whatever the caller: a refused attempt raises Forbidden before anything changes, with its audit
event `membership.refused` recorded for the caller to commit alone.
"""

import datetime as dt
from collections.abc import Callable

from audit.services import record, snapshot
from core import clock
from core import dates, mail
from core.bounds import TEAM_DATE
from core.db import db
from core.formats import date_fr
from startups.models import Incubator, Startup
from startups.services import Forbidden, StartupError, check_fingerprint, clean_text, flush
from users import services as users_services
from users.models import IncubatorStaff, Membership, Person, StartupRole
from users.permissions import role_change_refusal


MEMBERSHIP_FIELDS = ("person_id", "role", "starts_on", "ends_on")


def membership_state(membership: Membership) -> dict:
    # The person by id only: the log then names nobody once the person is anonymised.
    return snapshot(membership, MEMBERSHIP_FIELDS)


def invite_member(startup: Startup, *, email: str | None, name: str | None, role: StartupRole | None,
                  starts_on: dt.date | None, ends_on: dt.date | None, actor: Person | None, now: dt.datetime,
                  link_for: Callable[[str], str] | None = None, login_page: str | None = None) -> Membership:
    """Add someone to the team: the person of that e-mail (any case), or a new one with the name given.

    They are told by e-mail after the commit, with a one-time login link (link_for(token)).
    """
    if role is None:
        raise StartupError("Rôle : choisissez un rôle.")
    role = StartupRole(role)
    address = _address(email)
    # Before anything is written: a refused invitation leaves nothing but the trace of the attempt.
    _check_role_change(actor, startup, role, users_services.find_person_by_email(address),
                       on=clock.day_of(now), ends_on=ends_on)
    if starts_on is None:
        raise StartupError("Début : indiquez la date d'arrivée dans l'équipe.")
    today = clock.day_of(now)
    TEAM_DATE.check(starts_on, "Début", today, StartupError)
    TEAM_DATE.check(ends_on, "Fin", today, StartupError)
    if ends_on is not None and ends_on < starts_on:
        raise StartupError("Fin : la fin ne peut pas précéder le début.")
    person, created = _person_for(address, name, now=now, joining="une équipe")
    for existing in person.memberships:
        overlaps = (existing.ends_on is None or existing.ends_on >= starts_on) and (
            ends_on is None or existing.starts_on <= ends_on)
        if existing.startup_id == startup.id and existing.role == role and overlaps:
            raise StartupError(f"{person.name} est déjà {role.label} de cette startup sur ces dates.")
    membership = Membership(person=person, startup_id=startup.id, role=role, starts_on=starts_on, ends_on=ends_on,
                            created_at=now)
    db.session.add(membership)
    flush(f"L'équipe de « {startup.name} »", True)
    record("membership.created", "membership", membership.id, actor=actor, startup_id=startup.id,
           after={**membership_state(membership), "new_person": created})
    send_invitation(person, startup, role, now=now, link_for=link_for, login_page=login_page)
    return membership


def _address(email: str | None) -> str:
    try:
        return users_services.normalise_email(email)
    except users_services.UsersError as error:
        raise StartupError(f"Adresse e-mail : {error}") from error


def _person_for(address: str, name: str | None, *, now: dt.datetime, joining: str) -> tuple[Person, bool]:
    """The active person of that (normalised) e-mail, or a new one with the name given; and whether created."""
    person = users_services.find_person_by_email(address)
    if person is None:
        name = clean_text(name, "Nom", max_length=200)
        if not name:
            raise StartupError(f"Nom : personne n'a l'adresse {address} dans Jalons ; indiquez son nom pour l'inviter.")
        try:
            return users_services.create_person(email=address, name=name, now=now), True
        except users_services.UsersError as error:
            raise StartupError(str(error)) from error
    if not person.is_active:
        raise StartupError(f"Le compte de {person.name} est archivé : il ne peut pas rejoindre {joining}.")
    return person, False


def send_invitation(person: Person, startup: Startup, role: StartupRole, *, now: dt.datetime,
                    link_for: Callable[[str], str] | None, login_page: str | None) -> None:
    """The e-mail telling a person they joined a team; it leaves after the commit, never on rollback."""
    send_welcome(person, subject=f"Vous rejoignez l'équipe de « {startup.name} » sur Jalons",
                 news=f"Vous avez été ajouté·e à l'équipe de la startup d'État « {startup.name} » sur Jalons, "
                      f"en tant que {role.label}.", now=now, link_for=link_for, login_page=login_page)


def send_welcome(person: Person, *, subject: str, news: str, now: dt.datetime,
                 link_for: Callable[[str], str] | None, login_page: str | None) -> None:
    """An e-mail telling a person of a new role (news), with a one-time login link when link_for is given
    (link_for(token)); it leaves after the commit, never on rollback."""
    lines = [f"Bonjour {person.name},", "", news, ""]
    if link_for is not None:
        token = users_services.issue_login_token(person, now=now)
        from flask import current_app

        minutes = current_app.config["LOGIN_TOKEN_MINUTES"]
        lines += ["Pour vous connecter, ouvrez ce lien puis confirmez :", "", link_for(token), "",
                  f"Il est valable {minutes} minutes et ne sert qu'une fois."]
    if login_page:
        lines += [f"Vous pourrez à tout moment demander un nouveau lien de connexion sur {login_page}"]
    lines += ["", "— Jalons, le suivi des Startups d'État de beta.gouv.fr"]
    mail.send_after_commit(mail.Mail(to=person.email, subject=subject, body="\n".join(lines) + "\n"))


def end_membership(membership: Membership, *, ends_on: dt.date | None, actor: Person | None,
                   expected: str | None = None, today: dt.date | None = None) -> None:
    """The person leaves the team on ends_on (their role counts up to that day included). today: the day
    the actor's rights are read on."""
    _check_role_change(actor, membership.startup, membership.role, membership.person, ending=True,
                       on=today or clock.today(), membership=membership)
    what = "Cette participation à l'équipe"
    check_fingerprint(membership_state(membership), expected, what, True)
    if ends_on is None:
        raise StartupError("Fin : indiquez la date de départ.")
    TEAM_DATE.check(ends_on, "Date de départ", clock.today(), StartupError)
    if ends_on < membership.starts_on:
        raise StartupError(f"Fin : la participation a commencé le {date_fr(membership.starts_on)} ; "
                           "elle ne peut pas finir avant.")
    if membership.ends_on is not None and membership.ends_on <= ends_on:
        raise StartupError(f"Cette participation a déjà pris fin le {date_fr(membership.ends_on)}.")
    before = {"ends_on": membership.ends_on}
    membership.ends_on = ends_on
    flush(what, True)
    record("membership.ended", "membership", membership.id, actor=actor, startup_id=membership.startup_id,
           before=before, after={"ends_on": ends_on, "person_id": membership.person_id, "role": membership.role})



def _check_role_change(actor: Person | None, startup: Startup, role: StartupRole, concerned: Person | None, *,
                       on: dt.date, ending: bool = False, membership: Membership | None = None,
                       ends_on: dt.date | None = None) -> None:
    """Raise Forbidden, with the attempt recorded, unless the policy lets actor grant (or end) role to
    concerned in startup's team (until ends_on, None: without an end)."""
    reason = role_change_refusal(actor, startup, role, concerned, ending=ending, on=on, ends_on=ends_on)
    if reason is None:
        return
    after = {"change": "end" if ending else "grant", "role": role,
             "person_id": concerned.id if concerned is not None else None}
    if membership is not None:
        record("membership.refused", "membership", membership.id, actor=actor, startup_id=startup.id,
               after=after, reason=reason)
    else:
        record("membership.refused", "startup", startup.id, actor=actor, startup_id=startup.id, after=after,
               reason=reason)
    raise Forbidden(reason)


# --- Incubator staff ---------------------------------------------------------------------------------

STAFF_FIELDS = ("person_id", "incubator_id", "starts_on", "ends_on")


def staff_state(staff: IncubatorStaff) -> dict:
    return snapshot(staff, STAFF_FIELDS)


def add_incubator_staff(incubator: Incubator, *, email: str | None, name: str | None, starts_on: dt.date | None,
                        actor: Person | None, now: dt.datetime, link_for: Callable[[str], str] | None = None,
                        login_page: str | None = None) -> IncubatorStaff:
    """Make someone incubator staff from starts_on: the person of that e-mail (any case), or a new one with
    the name given. They create startups in the incubator, see and edit its startups, plan their committees.

    They are told by e-mail after the commit, with a one-time login link (link_for(token)).
    """
    address = _address(email)
    if starts_on is None:
        raise StartupError("Début : indiquez la date d'arrivée dans l'équipe de l'incubateur.")
    TEAM_DATE.check(starts_on, "Début", clock.day_of(now), StartupError)
    if incubator.archived_at is not None:
        raise StartupError(f"L'incubateur « {incubator.name} » est archivé : son équipe ne change plus.")
    person, created = _person_for(address, name, now=now, joining="l'équipe d'un incubateur")
    for existing in person.incubator_roles:
        if existing.incubator_id == incubator.id and (existing.ends_on is None or existing.ends_on >= starts_on):
            until = f" jusqu'au {date_fr(existing.ends_on)}" if existing.ends_on else ""
            raise StartupError(f"{person.name} fait déjà partie de l'équipe de l'incubateur « {incubator.name} » "
                               f"(depuis le {date_fr(existing.starts_on)}{until}).")
    staff = IncubatorStaff(person=person, incubator_id=incubator.id, starts_on=starts_on, created_at=now)
    db.session.add(staff)
    flush(f"L'équipe de l'incubateur « {incubator.name} »", True)
    record("incubator_staff.created", "incubator_staff", staff.id, actor=actor, startup_id=None,
           after={**staff_state(staff), "new_person": created})
    send_welcome(person, subject=f"Vous rejoignez l'équipe de l'incubateur « {incubator.name} » sur Jalons",
                 news=f"Vous avez été ajouté·e à l'équipe de l'incubateur « {incubator.name} » sur Jalons : vous "
                      "pouvez y créer des startups, suivre et modifier celles de l'incubateur et planifier leurs "
                      "comités.", now=now, link_for=link_for, login_page=login_page)
    return staff


def end_incubator_staff(staff: IncubatorStaff, *, ends_on: dt.date | None, actor: Person | None,
                        expected: str | None = None) -> None:
    """The person leaves the incubator's staff on ends_on (their rights count up to that day included)."""
    what = "Cette participation à l'équipe de l'incubateur"
    check_fingerprint(staff_state(staff), expected, what, True)
    if ends_on is None:
        raise StartupError("Fin : indiquez la date de départ.")
    TEAM_DATE.check(ends_on, "Date de départ", clock.today(), StartupError)
    if ends_on < staff.starts_on:
        raise StartupError(f"Fin : la participation a commencé le {date_fr(staff.starts_on)} ; "
                           "elle ne peut pas finir avant.")
    if staff.ends_on is not None and staff.ends_on <= ends_on:
        raise StartupError(f"Cette participation a déjà pris fin le {date_fr(staff.ends_on)}.")
    before = {"ends_on": staff.ends_on}
    staff.ends_on = ends_on
    flush(what, True)
    record("incubator_staff.ended", "incubator_staff", staff.id, actor=actor, startup_id=None,
           before=before, after={"ends_on": ends_on, "person_id": staff.person_id, "incubator_id": staff.incubator_id})
