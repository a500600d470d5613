"""An incubator's calendar of committees, the personal calendar token, and the iCalendar feeds that calendar
apps read with it: routes of the committees blueprint (committees/views.py, which imports this module)."""

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, session, url_for

from committees import ical, queries, services
from committees.due import CommitteeDueStatus, committee_due, with_status
from committees.forms import VersionForm
from committees.models import Committee
from committees.views import _FRESH_CALENDAR_TOKEN, _calendar_token, _render, bp
from core import clock
from core.db import db
from core.formats import de
from startups.models import Incubator, Startup
from users.permissions import authorize, can, current_person, public, requires


@bp.post("/calendar-token")
@requires("account.use")
def calendar_token():
    authorize("account.use")
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    token = services.calendar_token(current_person())
    db.session.commit()
    # Only the token's hash is stored: the next page shows the URL this once (the session is the person's own).
    session[_FRESH_CALENDAR_TOKEN] = token
    flash("Votre adresse d'agenda est prête. Copiez-la maintenant : elle ne sera plus affichée. Gardez-la pour "
          "vous : elle donne accès à vos comités.", "success")
    target = request.form.get("next", "")
    if not target.startswith("/committees/") or "//" in target:
        target = url_for("committees.index")
    return redirect(target, 303)


@bp.get("/incubator/<incubator_id>")
@requires("committee.view")
def calendar(incubator_id: str):
    incubator = db.session.get(Incubator, incubator_id)
    if incubator is None:
        abort(404)
    authorize("committee.view", incubator)
    today = clock.today()
    # The incubator's startups overdue or due soon, found by the kept due dates' index; then their rows dated
    # with what the table shows (last and planned committee), reading those startups only.
    late = sa.select(Startup.id).where(Startup.incubator_id == incubator.id,
                                       with_status(today, CommitteeDueStatus.OVERDUE, CommitteeDueStatus.DUE45))
    due = committee_due(today, startup_ids=late)
    overdue = db.session.execute(
        sa.select(Startup.id, Startup.name, due.c.next_committee_due, due.c.last_committee_on,
                  due.c.next_planned_at, due.c.committee_status)
        .join(due, due.c.startup_id == Startup.id)
        .where(due.c.committee_status.in_([CommitteeDueStatus.OVERDUE.value, CommitteeDueStatus.DUE45.value]))
        .order_by(due.c.next_committee_due, Startup.name)
    ).all()
    return _render("committees/calendar.html", incubator=incubator,
                   sections=queries.incubator_calendar(incubator.id, clock.now()), overdue=overdue,
                   **_calendar_token(current_person()))


# -- iCalendar feeds ----------------------------------------------------------------------------------

def _ics(name: str, committees: list[Committee], filename: str) -> Response:
    body = ical.calendar(name, committees,
                         lambda c: url_for("committees.show", committee_id=c.id, _external=True))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, max-age=300"})


# Calendar apps fetch feeds without a session: these routes are @public and check their token
# themselves. The token is a random secret stored per person (committees.models.CalendarToken),
# revocable by regenerating it; an unknown token answers 404, revealing nothing.
@bp.get("/ical/person/<token>.ics")
@public
def person_feed(token: str):
    person = services.person_for_token(token)
    if person is None:
        abort(404)
    return _ics(f"Comités {de(person.name)} — Jalons", queries.person_feed_committees(person), "comites.ics")


@bp.get("/ical/incubator/<incubator_id>.ics")
@public
def incubator_feed(incubator_id: str):
    """The incubator's committees, for its staff: `?jeton=` carries a staff member's personal token (the
    feed lists attendees' e-mail addresses, so it is not public); a logged-in session works too."""
    incubator = db.session.get(Incubator, incubator_id)
    person = services.person_for_token(request.args.get("jeton", "")) or current_person()
    # 404 rather than 403 for someone without access: like an unknown token, it reveals nothing.
    if incubator is None or person is None or not can("committee.view", incubator, person=person):
        abort(404)
    return _ics(f"Comités — {incubator.name}", queries.incubator_feed_committees(incubator.id),
                f"comites-{incubator.id}.ics")
