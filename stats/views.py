"""/stats: the programme's public statistics, every chart beside its table."""

from flask import Blueprint, render_template, request

from core import clock
from stats import page as stats_page
from stats import queries
from stats.forms import StatsFilterForm
from users.permissions import public

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.get("/")
@public
def index():
    form = StatsFilterForm(request.args, queries.incubator_choices(), queries.partner_choices())
    form.validate()
    figures = stats_page.build(clock.today(), clock.now(), form.filters())
    return render_template("stats/index.html", form=form, stats=figures, active_section="stats")
