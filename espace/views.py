"""« Mon espace »: one page of what the logged-in person has to do, section by section of their roles."""

from flask import Blueprint, render_template

from committees.jobs import failing_reminders
from core import clock
from espace import queries
from startups import sync
from users.permissions import authorize, current_person, requires

bp = Blueprint("espace", __name__, url_prefix="/espace")


@bp.get("/")
@requires("account.use")
def index():
    authorize("account.use")
    person, now = current_person(), clock.now()
    espace = queries.espace_of(person, clock.today(), now)
    # Admins are told here of committee reminders that have been failing for more than a day.
    failing = failing_reminders(now) if person.is_admin else 0
    # And of the daily synchronisation from beta.gouv.fr when its last run failed.
    sync_failing = sync.failing_since() if person.is_admin else None
    return render_template("espace/index.html", espace=espace, shown=queries.SHOWN, active_section="espace",
                           failing_reminders=failing, sync_failing_since=sync_failing)
