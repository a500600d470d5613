from flask import Blueprint

bp = Blueprint("grids", __name__, url_prefix="/grids")
