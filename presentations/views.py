from flask import Blueprint

bp = Blueprint("presentations", __name__, url_prefix="/presentations")
