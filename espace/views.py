"""« Mon espace »: one page of what the logged-in person has to do, section by section of their roles."""

from flask import Blueprint, render_template

from core import dates
from core.db import utcnow
from espace import queries
from users.permissions import authorize, current_person, requires

bp = Blueprint("espace", __name__, url_prefix="/espace")


@bp.get("/")
@requires("account.use")
def index():
    authorize("account.use")
    espace = queries.espace_of(current_person(), dates.today(), utcnow())
    return render_template("espace/index.html", espace=espace, shown=queries.SHOWN, active_section="espace")
