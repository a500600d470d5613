"""Error pages in French: HTML (DSFR) for people, JSON under /api/ for programs. Never a bare 500.

The error pages never need the database: the failed transaction is rolled back first (a rollback that
itself fails, on a dead connection, is swallowed), and the header shows the person from what the request
already knows (the session), never from a new query. So the 500 page, the 409 of a concurrent write and the
503 of a database that does not answer render the same whether the database is up, hung or down.

Input no database could store is refused here, before any view: control characters (NUL first — PostgreSQL
refuses it in text) in the path, the query string or a form field answer 400. Tab, carriage return and line
feed stay allowed in form fields (multi-line text); single-line fields refuse them through their validators.
"""

import contextlib
import functools
import logging
import re
import secrets
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app, g, json, render_template, request, session
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter

log = logging.getLogger("jalons.errors")

TITLES = {
    400: ("Requête invalide", "La requête n'a pas pu être comprise."),
    403: ("Accès refusé", "Vous n'avez pas le droit d'accéder à cette page."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable."),
    405: ("Méthode non autorisée", "Cette adresse n'accepte pas cette méthode."),
    409: ("Modification concurrente",
          "Quelqu'un d'autre vient de modifier ces données en même temps que vous : rien n'a été enregistré. "
          "Rechargez la page et réessayez."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives", "Trop de demandes en peu de temps : réessayez dans quelques minutes."),
    500: ("Erreur inattendue", "Une erreur est survenue. L'équipe en a été informée."),
    503: ("Service momentanément indisponible",
          "Jalons ne parvient pas à joindre sa base de données. Réessayez dans quelques instants."),
}
API_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
             413: "too_large", 429: "too_many_requests", 500: "internal_error", 503: "unavailable"}
RETRY_AFTER_SECONDS = 30
# The exit code of a `flask` command stopped by a database that cannot be reached or does not answer: distinct
# from the commands' own codes (1 and 2: rejected input, unreadable source) and from 3 (configuration, wsgi.py),
# so that cron, systemd and an operator tell « try again later » from « someone has to look at the data ».
EXIT_DATABASE_UNAVAILABLE = 4
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_OR_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CURRENT_PERSON = "jalons.current_person"  # request.environ: the person users.permissions loaded, or None


class Refused(Exception):
    """Input refused at the edge: answered 400, with `message` (French) and the parameter in cause."""

    def __init__(self, message: str, parameter: str | None = None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class DatabaseInteger(IntegerConverter):
    """<int:…> in a URL: an id beyond the database's integer (PostgreSQL's integer, 2**31 - 1) matches no
    route, a 404, instead of an overflow in SQL."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Before any route is declared: the converters are read when a rule is added."""
    app.url_map.converters["int"] = DatabaseInteger


def request_id() -> str:
    """The request's id: the proxy's X-Request-Id when it is a sane token, else a new one (logged, and sent
    back in X-Request-Id so that a person reporting an error can quote it)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return g.request_id


# URL arguments that are secrets (a login link's token, a calendar feed's): never written in a log.
SECRET_ARGUMENTS = ("token",)


def logged_path() -> str:
    """The request's path as the logs write it: a secret URL argument reads as its name (`/users/login/<token>`),
    so that a copy of the logs, like one of the database (which keeps their hashes), opens nothing."""
    path = request.path
    for name in SECRET_ARGUMENTS:
        secret = (request.view_args or {}).get(name)
        if isinstance(secret, str) and secret:
            path = path.replace(secret, f"<{name}>")
    return path


def check_input() -> None:
    """Refuse control characters in the path, the query string and the form fields (not uploaded files)."""
    if CONTROL_OR_LINE.search(request.path):
        raise Refused("L'adresse contient un caractère de contrôle.")
    for name, value in request.args.items(multi=True):
        if CONTROL_OR_LINE.search(name) or CONTROL_OR_LINE.search(value):
            raise Refused(f"Le paramètre « {_printable(name)} » contient un caractère de contrôle.", _printable(name))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if CONTROL_OR_LINE.search(name) or CONTROL.search(value):
                raise Refused(f"Le champ « {_printable(name)} » contient un caractère de contrôle.", _printable(name))


def _printable(text: str) -> str:
    return CONTROL_OR_LINE.sub("", text)[:60]


def viewer_name() -> str | None:
    """The logged-in person's name for an error page, from what the request already holds — the person
    users.permissions.current_person() loaded earlier (without reloading an expired attribute), else the
    name kept in the session at login — never from a new query: the database may be what failed."""
    if CURRENT_PERSON in request.environ:
        person = request.environ[CURRENT_PERSON]
        if person is None:
            return None
        name = sa.inspect(person).dict.get("name")
        if name:
            return name
    if session.get("person_id") is None:
        return None
    return session.get("person_name") or "Mon compte"


def rollback_quietly() -> None:
    """Roll the request's transaction back; on a dead connection the rollback itself fails, which must not
    turn the error page into another error."""
    from core.db import db

    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed on an unusable connection", exc_info=True)


def respond(code: int, description: str | None = None, *, parameter: str | None = None, headers=None,
            title: str | None = None):
    """The French error page (JSON under /api/) for code, rendered without touching the database; title: another
    title than the code's (core/once.py's « Formulaire déjà envoyé »)."""
    default_title, default_message = TITLES.get(code, (f"Erreur {code}", ""))
    title = title or default_title
    # Werkzeug's own English descriptions are not shown; a view that aborts with a French description is.
    message = description if description and not description.isascii() else default_message
    headers = dict(headers or {})
    headers["X-Request-Id"] = request_id()
    if request.path.startswith("/api/"):
        code_name = "invalid_parameter" if code == 400 else API_CODES.get(code, "internal_error")
        body = {"error": {"code": code_name, "message": message, "parameter": parameter}}
        return app_json(body, code, headers)
    html = render_template("error.html", code=code, title=title, message=message, error_page=True,
                           error_viewer=viewer_name(), request_id=request_id())
    return current_app.response_class(html, status=code, headers=headers, mimetype="text/html")


def app_json(body: dict, code: int, headers=None):
    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=code, headers=headers,
                                      mimetype="application/json")


def is_unavailable(error: Exception) -> bool:
    """A database that does not answer in time, or cannot be reached: connect, pool or statement timeout,
    a dropped connection."""
    if isinstance(error, sa.exc.TimeoutError):  # no connection free in the pool within DB_POOL_TIMEOUT
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa.exc.OperationalError):
        text = str(error.orig).lower()
        return not _is_lock(error) and any(word in text for word in (
            "timeout", "timed out", "statement_timeout", "canceling statement", "could not connect",
            "connection refused", "connection failed", "server closed", "terminating connection",
            "no such host", "unable to open database", "connection is closed", "consuming input failed"))
    return isinstance(error, sa.exc.InterfaceError)


def _is_lock(error: Exception) -> bool:
    """Two writes at once: SQLite's lock outlasting its busy timeout, PostgreSQL's serialisation and
    deadlock failures, a unique row inserted by both."""
    text = str(getattr(error, "orig", error)).lower()
    if isinstance(error, sa.exc.IntegrityError):
        # A row both inserted, or one deleted under the other's feet; a NOT NULL or CHECK failure is a bug (500).
        return any(word in text for word in ("unique", "duplicate key", "foreign key"))
    return isinstance(error, sa.exc.OperationalError) and any(word in text for word in (
        "database is locked", "database table is locked", "deadlock detected", "could not serialize",
        "lock timeout", "canceling statement due to lock timeout"))


def register(app: Flask) -> None:
    @app.before_request
    def _check_input():
        request_id()
        check_input()

    @app.after_request
    def _send_request_id(response):
        response.headers.setdefault("X-Request-Id", request_id())
        return response

    @app.errorhandler(Refused)
    def refused(error: Refused):
        return respond(400, error.message, parameter=error.parameter)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # The exception's own headers (Allow of a 405, Retry-After…) are kept; its body is replaced.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if error.code >= 500:
            rollback_quietly()
        return respond(error.code, error.description, headers=headers)

    @app.errorhandler(sa.exc.SQLAlchemyError)
    def database_error(error: sa.exc.SQLAlchemyError):
        rollback_quietly()
        if _is_lock(error):
            log.warning("concurrent write refused (409) [request %s] %s %s: %s", request_id(), request.method,
                        logged_path(), str(error).splitlines()[0][:300])
            return respond(409)
        if is_unavailable(error):
            log.error("database unavailable (503) [request %s] %s %s: %s", request_id(), request.method,
                      logged_path(), str(error).splitlines()[0][:300])
            return respond(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.exception("database error [request %s] %s %s", request_id(), request.method, logged_path())
        return respond(500)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        rollback_quietly()
        original = getattr(error, "original_exception", None)
        if isinstance(original, sa.exc.SQLAlchemyError):
            return database_error(original)
        log.error("unexpected error [request %s] %s %s", request_id(), request.method, logged_path(),
                  exc_info=original if isinstance(original, BaseException) else None)
        return respond(500)

    # The traceback is logged above, on the line that carries the request id: not a second time by Flask.
    app.log_exception = lambda exc_info: None

    @app.teardown_appcontext
    def _close_session_quietly(exc):
        """The session's closing rollback, on a connection lost since the view's last statement (a database
        restarted, a round trip cut by DB_CLIENT_TIMEOUT), raised out of Flask-SQLAlchemy's teardown after
        the page was ready, and gunicorn answered its raw 500 instead. Flask runs teardowns in reverse order:
        registered after db.init_app(), this one closes the session first; the connection is then discarded."""
        from core.db import close_session, db

        try:
            if exc is None:
                close_session(db.session())
            else:
                db.session.close()
        except Exception as error:
            log.warning("database connection lost after the request [request %s]: %s", g.get("request_id", "-"),
                        str(error).splitlines()[0][:300])
            # Whatever the session still holds is let go without a round trip: Flask-SQLAlchemy's own teardown,
            # next, would otherwise roll it back on the lost connection and raise.
            with contextlib.suppress(Exception):
                db.session.invalidate()


def register_cli(app: Flask) -> None:
    """Every `flask` command of the application (app.cli, its groups included): a database that cannot be
    reached or stops answering is one French line on stderr and exit code 4, instead of SQLAlchemy's
    traceback and exit code 1 — which `flask sync-betagouv`, `flask import-betagouv` and others give to fiches
    rejected or in conflict. Call it once every area has registered its commands."""
    for command in _leaf_commands(app.cli):
        if command.callback is not None and not getattr(command.callback, "guards_database", False):
            command.callback = _guarded(command.callback)


def _leaf_commands(group: click.Group):
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command)
        else:
            yield command


def _guarded(callback):
    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except sa.exc.SQLAlchemyError as error:
            if not is_unavailable(error):
                raise
            rollback_quietly()
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()
            print(f"Jalons — base de données injoignable ou sans réponse, la commande s'est arrêtée "
                  f"(relancez-la quand la base répondra) : {cause[0][:300] if cause else type(error).__name__}",
                  file=sys.stderr)
            raise click.exceptions.Exit(EXIT_DATABASE_UNAVAILABLE) from None

    guarded.guards_database = True
    return guarded
