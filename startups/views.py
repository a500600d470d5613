"""Editing the lifecycle of a startup (the read pages are in the portfolio area)."""

from flask import Blueprint

bp = Blueprint("startups", __name__, url_prefix="/startups")
