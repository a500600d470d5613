from flask import Blueprint, render_template

bp = Blueprint("startups", __name__)


@bp.get("/startups")
def portfolio():
    return render_template("startups/portfolio.html", active_section="startups")


@bp.get("/incubators")
def incubators():
    return render_template("startups/portfolio.html", active_section="incubators")


@bp.get("/organisations")
def organisations():
    return render_template("startups/portfolio.html", active_section="organisations")
