"""Jalons — create_app(): configuration, extensions, blueprints, CLI."""

import importlib
import importlib.util
import os

from flask import Flask, redirect, render_template, url_for
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from core import clock
from core import config as config_module
from core import collector, deadline, errors, formats, health, http_cache, logs, mail, once, security, sqlite, static
from core.db import db
from users import permissions

migrate = Migrate()
csrf = CSRFProtect()


def create_app(overrides: dict | None = None) -> Flask:
    collector.start()  # Python 3.11: the garbage collector at safe points only (core/collector.py)
    app = Flask(__name__, instance_relative_config=True, static_folder="static", template_folder="templates")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.load(app.instance_path, overrides))

    # Static files first, inside ProxyFix: HSTS on a static file follows the scheme the proxy forwarded.
    static.init_app(app)
    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    security.init_app(app)
    http_cache.init_app(app)
    mail.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine)
        deadline.init_app(app, db.engine)

    formats.register(app)
    permissions.register(app)
    errors.install_converters(app)
    _register_areas(app)
    health.register(app)
    errors.register(app)
    once.register(app)
    logs.register(app)
    errors.register_cli(app)  # last: every area's commands are registered
    return app


# The areas, in import order: an area may import those listed before it, never those after.
AREAS = ("users", "audit", "startups", "indicators", "committees", "conventions", "commitments", "grids", "presentations",
         "portfolio", "stats", "donnees", "api", "espace", "admin")


def _register_areas(app: Flask) -> None:
    for area in AREAS:
        # Models first, so that Alembic and the mappers see every table.
        importlib.import_module(f"{area}.models")
    for area in AREAS:
        views = importlib.import_module(f"{area}.views")
        app.register_blueprint(views.bp)
        if importlib.util.find_spec(f"{area}.cli") is not None:
            importlib.import_module(f"{area}.cli").register(app)
    csrf.exempt(importlib.import_module("api.views").bp)

    @app.get("/")
    @permissions.public
    def home():
        # A logged-in person lands on what they have to do; visitors keep the presentation of Jalons.
        if permissions.current_person() is not None:
            return redirect(url_for("espace.index"), 303)
        return render_template("home.html")
