from flask import Blueprint, render_template

from users.permissions import public

bp = Blueprint("portfolio", __name__)


@bp.get("/startups")
@public
def portfolio():
    return render_template("portfolio/portfolio.html", active_section="startups")


@bp.get("/incubators")
@public
def incubators():
    return render_template("portfolio/portfolio.html", active_section="incubators")


@bp.get("/organisations")
@public
def organisations():
    return render_template("portfolio/portfolio.html", active_section="organisations")
