"""Committee pages: lists, a committee and one form per action (an incubator's calendar and the iCalendar
feeds: committees/calendar_views.py).

Thin views: load (404), authorize (403), validate the form, call committees.services, commit, flash,
redirect 303. A refused change re-renders its form with the French message (422), or 409 when someone
else changed the committee since the form was loaded.
"""

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm.exc import StaleDataError

from committees import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from committees import decisions, queries, services
from committees.forms import (
    ActionDeleteForm,
    ActionDoneForm,
    ActionItemForm,
    CancelForm,
    CommitteeForm,
    ContestForm,
    DecisionForm,
    HeldForm,
    ParticipantForm,
    VersionForm,
    attendance_form,
    choices,
)
from committees.models import (
    PARIS,
    envelope_exceeds,
    ActionItem,
    Attendance,
    Committee,
    CommitteeConflict,
    CommitteeError,
    CommitteeForbidden,
    CommitteeKind,
    CommitteeStatus,
    DecisionKind,
    ParticipantRole,
    datetime_fr,
)
from core import clock
from core.db import db
from core.fields import show_at_field
from core import dates
from core.formats import date_fr
from startups.models import Startup
from startups.phases import Phase
from users.models import Person, StartupRole
from users.permissions import authorize, current_person, requires

bp = Blueprint("committees", __name__, url_prefix="/committees")
bp.add_app_template_filter(datetime_fr, "datetime_fr")

def _committee_or_404(committee_id: int) -> Committee:
    committee = queries.load_committee(committee_id)
    if committee is None:
        abort(404)
    return committee


def _startup_or_404(startup_id: str) -> Startup:
    startup = db.session.get(Startup, startup_id)
    if startup is None or startup.archived_at is not None:
        abort(404)
    return startup


def _run(change, *args, form=None, **kwargs) -> tuple[str | None, int]:
    """Apply a service call and commit; on refusal roll back and return (French message, HTTP status).
    A refusal about one value of `form` (CommitteeError.field) is also shown at that field. Refused by the
    permission policy: 403, the service having refused before changing anything and recorded the attempt,
    which is committed alone."""
    try:
        change(*args, **kwargs)
        db.session.commit()
        return None, 200
    except CommitteeForbidden as error:
        db.session.commit()
        abort(403, str(error))
    except CommitteeConflict as error:
        db.session.rollback()
        return str(error), 409
    except StaleDataError:
        db.session.rollback()
        return str(CommitteeConflict()), 409
    except CommitteeError as error:
        db.session.rollback()
        if form is not None:
            show_at_field(form, error.field, str(error))
        return str(error), 422


def _to_committee(committee_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("committees.show", committee_id=committee_id), 303)


def _warn_if_not_a_working_day(form: CommitteeForm) -> None:
    """Planned on a weekend or a public holiday: allowed (a committee may have a reason), but said."""
    reason = dates.non_working_day(form.day.data)
    if reason:
        flash(f"Attention : le {date_fr(form.day.data)} est {reason}. Vérifiez que les participants seront "
              "disponibles, ou changez la date.", "warning")


def _render(template: str, status: int = 200, **context):
    return render_template(template, active_section="committees", **context), status


# -- lists --------------------------------------------------------------------------------------------

def _concerned(person: Person, today: dt.date) -> dict[str, bool]:
    """Which sections of the committees page concern the person: the sponsor's sign-offs for sponsors
    (admins sign off nothing of their own right), the decisions to record for coaches, incubator staff and
    admins."""
    roles = {m.role for m in person.memberships if m.is_current(today)}
    staff = any(r.is_current(today) for r in person.incubator_roles)
    return {"to_sign": StartupRole.SPONSOR in roles,
            "to_decide": person.is_admin or staff or StartupRole.COACH in roles}


@bp.get("/")
@requires("account.use")
def index():
    person = current_person()
    authorize("account.use")
    sections = queries.my_committees(person, clock.now())
    concerned = _concerned(person, clock.today())
    shown = {name: concerned.get(name, True) or bool(committees) for name, committees in sections.items()}
    return _render("committees/index.html", sections=sections, shown=shown, **_calendar_token(person))


_FRESH_CALENDAR_TOKEN = "committees.calendar_token"


def _calendar_token(person: Person) -> dict:
    """For the calendar sections: the token just issued (shown once), and whether the person has one."""
    return {"token": session.pop(_FRESH_CALENDAR_TOKEN, None), "has_token": services.has_calendar_token(person)}


@bp.get("/startup/<startup_id>")
@requires("committee.view")
def startup(startup_id: str):
    startup = _startup_or_404(startup_id)
    authorize("committee.view", startup)
    return _render("committees/startup.html", startup=startup,
                   committees=queries.startup_committees(startup.id),
                   history=queries.history_committees(startup.id))


# -- one committee ------------------------------------------------------------------------------------

def _show(committee: Committee, status: int = 200, error: str | None = None, held_form: "HeldForm | None" = None):
    return _render("committees/show.html", status, committee=committee, error=error,
                   missing=services.missing_roles(committee), carried=queries.carried_items(committee),
                   gaps=services.convention_gaps(committee),
                   form=VersionForm(version=committee.version), held_form=held_form or HeldForm(version=committee.version),
                   today=clock.today(),
                   done_form=ActionDoneForm(), todo=queries.team_todo(committee, current_person(), clock.today()))


@bp.get("/<int:committee_id>")
@requires("committee.view")
def show(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.view", committee)
    return _show(committee)


def _chair_choices(startup: Startup, committee: Committee | None = None) -> list[tuple]:
    people = {person.id: person for person, _ in services.propose_participants(startup, clock.today())}
    if committee is not None:
        people.update({p.person_id: p.person for p in committee.participants})
        if committee.chair is not None:
            people[committee.chair.id] = committee.chair
    me = current_person()
    people.setdefault(me.id, me)
    return choices([(None, "—")] + [(p.id, p.name) for p in sorted(people.values(), key=lambda p: p.name)])


def _schedule(form: CommitteeForm) -> dict:
    chair = db.session.get(Person, form.chair.data) if form.chair.data else None
    return dict(kind=CommitteeKind(form.kind.data), scheduled_at=services.paris_to_utc(form.day.data, form.time.data),
                duration_minutes=form.duration_minutes.data, place=form.place.data, video_link=form.video_link.data,
                chair=chair)


@bp.route("/startup/<startup_id>/plan", methods=["GET", "POST"])
@requires("committee.plan")
def plan(startup_id: str):
    startup = _startup_or_404(startup_id)
    authorize("committee.plan", startup)
    form = CommitteeForm()
    form.chair.choices = _chair_choices(startup)
    if request.method == "GET":
        form.chair.data = current_person().id
        form.day.data = clock.today() + dt.timedelta(days=30)
        # The committee that closes the startup's phase, else the semestrial one.
        form.kind.data = decisions.KIND_CLOSING_PHASE.get(startup.current_phase(clock.today()),
                                                          CommitteeKind.SEMESTRIAL).value
    proposals = services.propose_participants(startup, clock.today())
    open_ones = [c for c in queries.startup_committees(startup.id)
                 if c.status in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED)]
    if form.validate_on_submit():
        try:
            committee = services.plan_committee(startup, actor=current_person(), now=clock.now(), **_schedule(form))
            db.session.commit()
            response = _to_committee(committee.id, "Le comité est planifié ; les participants sont invités.")
            _warn_if_not_a_working_day(form)
            _warn_of_convention_gaps(committee)
            return response
        except CommitteeError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
    status = 422 if request.method == "POST" else 200
    return _render("committees/plan.html", status, startup=startup, form=form, proposals=proposals,
                   open_ones=open_ones, CommitteeStatus=CommitteeStatus)


@bp.route("/<int:committee_id>/edit", methods=["GET", "POST"])
@requires("committee.edit")
def edit(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = CommitteeForm()
    form.chair.choices = _chair_choices(committee.startup, committee)
    if request.method == "GET":
        local = committee.scheduled_at.astimezone(PARIS) if committee.scheduled_at else None
        form.process(data=dict(kind=committee.kind.value, day=local.date() if local else None,
                               time=local.time().replace(tzinfo=None) if local else dt.time(14, 0),
                               duration_minutes=committee.duration_minutes, place=committee.place,
                               video_link=committee.video_link, chair=committee.chair_id, version=committee.version))
    status = 200
    if form.validate_on_submit():
        error, status = _run(services.reschedule, committee, actor=current_person(), now=clock.now(),
                             expected_version=form.version.data, **_schedule(form))
        if error is None:
            response = _to_committee(committee_id, "Le comité est modifié ; les agendas des participants sont mis à jour.")
            _warn_if_not_a_working_day(form)
            _warn_of_convention_gaps(_committee_or_404(committee_id))
            return response
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/edit.html", status, committee=committee, form=form)


@bp.route("/<int:committee_id>/cancel", methods=["GET", "POST"])
@requires("committee.edit")
def cancel(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = CancelForm(version=committee.version)
    status = 200
    if form.validate_on_submit():
        error, status = _run(services.cancel, committee, reason=form.reason.data, actor=current_person(),
                             now=clock.now(), expected_version=form.version.data)
        if error is None:
            return _to_committee(committee_id, "Le comité est annulé ; les agendas des participants sont mis à jour.")
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/cancel.html", status, committee=committee, form=form)


@bp.route("/<int:committee_id>/participants", methods=["GET", "POST"])
@requires("committee.edit")
def participants(committee_id: int):
    """Inviting takes two steps, without JavaScript: the name typed (suggested from the known people) is
    looked up, and the person found is confirmed — or chosen, when several match — before being added."""
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = ParticipantForm(version=committee.version)
    status, found = 200, None
    if form.validate_on_submit():
        found = queries.find_people(committee, form.person.data, clock.today())
        chosen = next((p for p in found if p.id == form.person_id.data), None)
        if not found:
            form.person.errors.append(f"Aucune personne connue de Jalons ne correspond à « {form.person.data} » : "
                                      "vérifiez l'orthographe, donnez son adresse électronique, ou ajoutez-la "
                                      "d'abord à l'équipe de la startup.")
            status, found = 422, None
        elif form.confirm.data and chosen is not None:
            error, status = _run(services.add_participant, committee, chosen, ParticipantRole(form.role.data),
                                 actor=current_person(), now=clock.now(), expected_version=form.version.data)
            if error is None:
                flash(f"{chosen.name} est invité·e au comité ({ParticipantRole(form.role.data).label}).", "success")
                return redirect(url_for("committees.participants", committee_id=committee_id), 303)
            form.form_errors.append(error)
            committee, found = _committee_or_404(committee_id), None
        elif form.confirm.data:
            form.form_errors.append("Choisissez la personne à inviter.")
            status = 422
    elif request.method == "POST":
        status = 422
    return _participants_page(committee, form, status, found)


def _participants_page(committee: Committee, form: ParticipantForm, status: int = 200, found=None):
    return _render("committees/participants.html", status, committee=committee, form=form, found=found,
                   found_role=ParticipantRole(form.role.data).label if found else None,
                   known=queries.known_people(committee, clock.today()), missing=services.missing_roles(committee),
                   remove_form=VersionForm(version=committee.version))


@bp.post("/<int:committee_id>/participants/<int:participant_id>/remove")
@requires("committee.edit")
def remove_participant(committee_id: int, participant_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    participant = next((p for p in committee.participants if p.id == participant_id), None)
    if participant is None:
        abort(404)
    form = VersionForm()
    form.validate_on_submit() or abort(400)
    error, status = _run(services.remove_participant, committee, participant, actor=current_person(), now=clock.now(),
                         expected_version=form.version.data)
    if error is None:
        flash("La personne ne participe plus à ce comité.", "success")
        return redirect(url_for("committees.participants", committee_id=committee_id), 303)
    committee = _committee_or_404(committee_id)
    add_form = ParticipantForm(formdata=None, version=committee.version)
    add_form.form_errors.append(error)
    return _participants_page(committee, add_form, status)


@bp.route("/<int:committee_id>/attendance", methods=["GET", "POST"])
@requires("committee.edit")
def attendance(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = attendance_form(committee, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.validate():
        values = {p.id: (Attendance(field.data) if field.data else None) for p, field in form.participant_fields}
        error, status = _run(services.record_attendance, committee, values, form.minutes.data,
                             convention_reason=form.convention_reason.data, actor=current_person(), now=clock.now(),
                             expected_version=form.version.data, form=form)
        if error is None:
            return _to_committee(committee_id, "La présence et le compte rendu sont enregistrés.")
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/attendance.html", status, committee=committee, form=form,
                   gaps=services.convention_gaps(committee))


@bp.post("/<int:committee_id>/held")
@requires("committee.edit")
def held(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = HeldForm()
    form.validate_on_submit() or abort(400)
    error, status = _run(services.mark_held, committee, actor=current_person(), today=clock.today(),
                         convention_reason=form.convention_reason.data, expected_version=form.version.data,
                         form=form)
    if error is None:
        response = _to_committee(committee_id, "Le comité est marqué comme tenu : saisissez sa décision.")
        _warn_of_grids_not_started(_committee_or_404(committee_id))
        return response
    return _show(_committee_or_404(committee_id), status, error, held_form=form)


def _warn_of_convention_gaps(committee: Committee) -> None:
    """Planning checks what the convention asks of the committee's composition, as the page does."""
    gaps = services.convention_gaps(committee)
    if gaps:
        flash("Selon la convention : " + " ".join(gaps) + " Complétez les participants ou la présidence ; "
              "sinon, le motif de l'écart sera demandé pour marquer le comité comme tenu.", "warning")


def _warn_of_grids_not_started(committee: Committee) -> None:
    """Marking held closes the participants' grids: the grids area names who has not even started theirs."""
    for message in services.notices("held", committee):
        flash(message, "warning")


@bp.route("/<int:committee_id>/decision", methods=["GET", "POST"])
@requires("committee.decide")
def decision(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.decide", committee)
    form = DecisionForm()
    if request.method == "GET":
        current = committee.decision
        data = {"version": committee.version}
        if current is not None:
            data.update(kind=current.kind.value, next_phase=current.next_phase.value if current.next_phase else "",
                        envelope_eur=current.envelope_eur, team_size=current.team_size, hypotheses=current.hypotheses,
                        success_criteria=current.success_criteria, conditions=current.conditions,
                        next_committee_on=current.next_committee_on)
        form.process(data=data)
    status = 200
    if form.validate_on_submit():
        error, status = _run(
            decisions.record_decision, committee, kind=DecisionKind(form.kind.data),
            next_phase=Phase(form.next_phase.data) if form.next_phase.data else None,
            envelope_eur=form.envelope_eur.data, team_size=form.team_size.data, hypotheses=form.hypotheses.data,
            success_criteria=form.success_criteria.data, conditions=form.conditions.data,
            next_committee_on=form.next_committee_on.data, actor=current_person(), now=clock.now(),
            expected_version=form.version.data, form=form,
        )
        if error is None:
            return _to_committee(committee_id, "La décision est enregistrée ; le sponsor est invité à la valider.")
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    # The figure the decision will store (committees.decisions.funds_available, given by the conventions area).
    funds = decisions.funds_available(committee.startup, clock.today())
    envelope = form.envelope_eur.data if isinstance(form.envelope_eur.data, int) else None
    return _render("committees/decision.html", status, committee=committee, form=form, funds=funds,
                   funds_exceeded=envelope_exceeds(envelope, funds),
                   phase_then=decisions.phase_then(committee) if committee.scheduled_at or committee.held_on else None)


def _owner_choices(committee: Committee) -> list[tuple]:
    return choices([(None, "—")] + [(p.person_id, p.person.name) for p in committee.participants])


@bp.route("/<int:committee_id>/actions", methods=["GET", "POST"])
@requires("committee.edit")
def actions(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    form = ActionItemForm(version=committee.version)
    form.owner.choices = _owner_choices(committee)
    status = 200
    if form.validate_on_submit():
        owner = db.session.get(Person, form.owner.data) if form.owner.data else None
        error, status = _run(services.add_action_item, committee, title=form.title.data, owner=owner,
                             due_on=form.due_on.data, actor=current_person(), now=clock.now(),
                             expected_version=form.version.data)
        if error is None:
            return _to_committee(committee_id, "L'action est ajoutée.")
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/actions.html", status, committee=committee, form=form)


@bp.post("/<int:committee_id>/actions/<int:item_id>/done")
@requires("committee.edit")
def action_done(committee_id: int, item_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.edit", committee)
    item = db.session.get(ActionItem, item_id)
    # An action is shown (and ticked) on its own committee or on the one it is carried into.
    if item is None or committee_id not in (item.committee_id, item.carried_into_id):
        abort(404)
    form = ActionDoneForm()
    form.validate_on_submit() or abort(400)
    services.set_action_done(item, bool(form.done.data), actor=current_person(), now=clock.now())
    db.session.commit()
    return _to_committee(committee_id, "L'action est marquée comme faite." if form.done.data else "L'action est rouverte.")


def _action_item_or_404(committee_id: int, item_id: int) -> ActionItem:
    item = db.session.get(ActionItem, item_id)
    # An action is shown (and corrected) on its own committee or on the one it is carried into.
    if item is None or committee_id not in (item.committee_id, item.carried_into_id):
        abort(404)
    return item


@bp.route("/<int:committee_id>/actions/<int:item_id>/edit", methods=["GET", "POST"])
@requires("committee.correct_action")
def action_edit(committee_id: int, item_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.correct_action", committee)
    item = _action_item_or_404(committee_id, item_id)
    form = ActionItemForm(title=item.title, owner=item.owner_id, due_on=item.due_on)
    form.owner.choices = _owner_choices(item.committee)
    status = 200
    if form.validate_on_submit():
        owner = db.session.get(Person, form.owner.data) if form.owner.data else None
        error, status = _run(services.edit_action_item, item, title=form.title.data, owner=owner,
                             due_on=form.due_on.data, actor=current_person(), now=clock.now())
        if error is None:
            return _to_committee(committee_id, "L'action est corrigée.")
        form.form_errors.append(error)
        item = _action_item_or_404(committee_id, item_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/action_edit.html", status, committee=committee, item=item, form=form,
                   delete_form=ActionDeleteForm())


@bp.post("/<int:committee_id>/actions/<int:item_id>/delete")
@requires("committee.correct_action")
def action_delete(committee_id: int, item_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.correct_action", committee)
    item = _action_item_or_404(committee_id, item_id)
    ActionDeleteForm().validate_on_submit() or abort(400)
    services.delete_action_item(item, actor=current_person(), now=clock.now())
    db.session.commit()
    return _to_committee(committee_id, "L'action est supprimée.")


@bp.route("/<int:committee_id>/sign-off", methods=["GET", "POST"])
@requires("committee.sign_off")
def sign_off(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.sign_off", committee)
    form = VersionForm(version=committee.version)
    contest_form = ContestForm(formdata=None, version=committee.version)
    status = 200
    if form.validate_on_submit():
        error, status = _run(decisions.sign_off, committee, actor=current_person(), now=clock.now(),
                             expected_version=form.version.data)
        if error is None:
            return _to_committee(committee_id, "La décision est validée : ses conséquences sont appliquées.")
        form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    elif request.method == "POST":
        status = 422
    return _render("committees/sign_off.html", status, committee=committee, form=form, contest_form=contest_form,
                   consequences=_consequences(committee), notices=services.notices("sign_off", committee),
                   required=services.notices("sign_off_required", committee))


@bp.post("/<int:committee_id>/contest")
@requires("committee.sign_off")
def contest(committee_id: int):
    committee = _committee_or_404(committee_id)
    authorize("committee.sign_off", committee)
    contest_form = ContestForm()
    status = 422
    if contest_form.validate_on_submit():
        error, status = _run(decisions.contest, committee, comment=contest_form.comment.data, actor=current_person(),
                             now=clock.now(), expected_version=contest_form.version.data, form=contest_form)
        if error is None:
            return _to_committee(committee_id, "Votre contestation est transmise à la présidence du comité.")
        contest_form.form_errors.append(error)
        committee = _committee_or_404(committee_id)
    return _render("committees/sign_off.html", status, committee=committee,
                   form=VersionForm(formdata=None, version=committee.version), contest_form=contest_form,
                   consequences=_consequences(committee), notices=services.notices("sign_off", committee),
                   required=services.notices("sign_off_required", committee))


def _consequences(committee: Committee) -> list[str]:
    """What signing off will do, in words, so that the sponsor signs knowingly."""
    decision = committee.decision
    if decision is None or committee.status != CommitteeStatus.DECIDED:
        return []
    before = decisions.phase_then(committee)
    after = decisions.phase_after(decision, before)
    lines = []
    if after is not None:
        lines.append(f"La startup passe en phase « {after.label} » à la date du comité.")
    lines.append(f"Le comité est inscrit dans l'historique de la startup (« {decision.kind.label} »).")
    if decisions.plans_next_committee(committee, after, clock.today()):
        kind = decisions.next_committee_kind(before, after)
        lines.append(f"Le prochain comité ({kind.label.lower()}) est planifié le "
                     f"{datetime_fr(services.paris_to_utc(decision.next_committee_on, decisions.NEXT_COMMITTEE_TIME))}, "
                     "avec les actions encore ouvertes à son ordre du jour.")
    elif decision.next_committee_on and (after is None or after.active):
        lines.append("La startup a quitté le programme depuis le comité : le prochain comité que fixe la décision "
                     "n'est pas planifié.")
    return lines


# The incubators' calendars, the calendar token and the iCalendar feeds: committees/calendar_views.py.
from committees import calendar_views  # noqa: E402, F401  (registers its routes on bp)
