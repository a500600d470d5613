"""Configuration from the environment, over defaults that suit a laptop."""

import datetime as dt
import math
import os
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

DEV_SECRET = "dev-secret-not-for-production"
ENVIRONMENTS = ("development", "test", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SIGN_OFF_SPONSOR_GRID = ("avertir", "exiger")


class ConfigError(RuntimeError):
    pass


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// or postgresql://; SQLAlchemy wants the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _number(env, name: str, default, kind=int):
    """The variable as a number, or its default when unset; anything else is a configuration error said in
    one French line (wsgi.py prints it), not a traceback."""
    text = env.get(name)
    if not text:
        return default
    expected = "un nombre entier positif ou nul" if kind is int else "un nombre positif ou nul"
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name}={text!r} : {expected} est attendu.")
    return value


def load(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    jalons_env = overrides.get("JALONS_ENV") or env.get("JALONS_ENV", "production")
    if jalons_env not in ENVIRONMENTS:
        raise ConfigError(f"JALONS_ENV={jalons_env!r} : valeurs possibles {', '.join(ENVIRONMENTS)}")
    default_db = "sqlite:///" + str(Path(instance_path) / "jalons.sqlite3")
    config = {
        "JALONS_ENV": jalons_env,
        "SECRET_KEY": env.get("SECRET_KEY") or (DEV_SECRET if jalons_env != "production" else None),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL") or default_db),
        # A database that does not answer must not hold a web worker until gunicorn kills it (30 s): past
        # these, the request gets the French 503 (core/errors.py). 0 turns a timeout off.
        "DB_CONNECT_TIMEOUT": _number(env, "DB_CONNECT_TIMEOUT", 5, float),
        "DB_POOL_TIMEOUT": _number(env, "DB_POOL_TIMEOUT", 10, float),
        "DB_STATEMENT_TIMEOUT_MS": _number(env, "DB_STATEMENT_TIMEOUT_MS", 20_000, int),
        # The same for a database that cannot enforce its own statement timeout (frozen): each round trip of
        # a web request waits at most this long for PostgreSQL's answer (core/deadline.py).
        "DB_CLIENT_TIMEOUT": _number(env, "DB_CLIENT_TIMEOUT", 5, float),
        # How long a write waits for another's lock (SQLite's busy timeout, PostgreSQL's lock_timeout)
        # before the French 409 « réessayez ».
        "DB_LOCK_TIMEOUT_MS": _number(env, "DB_LOCK_TIMEOUT_MS", 5_000, int),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": jalons_env == "production",
        # The cookie is sent again only when the session changes (login, logout, a flashed message): a
        # session ends SESSION_LIFETIME_HOURS after login anyway (users.permissions), not after inactivity.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "JSON_SORT_KEYS": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # Largest request body: a 20 MB PDF attachment (presentations) and its form. Bigger requests get
        # the French 413 page (core/errors.py) before any view runs.
        "MAX_CONTENT_LENGTH": _number(env, "MAX_CONTENT_LENGTH", 21 * 1024 * 1024, int),
        # The sponsor's grid at sign-off (grids/services.py): « avertir » says it is missing, « exiger »
        # also refuses the sign-off until a sponsor of the committee has submitted it.
        "SIGN_OFF_SPONSOR_GRID": (env.get("SIGN_OFF_SPONSOR_GRID") or "avertir").strip().lower(),
    }
    config.update(_accounts(env, jalons_env))
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
    if config["JALONS_ENV"] == "production" and config["SECRET_KEY"] in (None, "", DEV_SECRET):
        raise ConfigError("SECRET_KEY doit être défini en production (et différent du secret de développement).")
    _check_accounts(config)
    if config["SIGN_OFF_SPONSOR_GRID"] not in SIGN_OFF_SPONSOR_GRID:
        raise ConfigError(f"SIGN_OFF_SPONSOR_GRID={config['SIGN_OFF_SPONSOR_GRID']!r} : valeurs possibles "
                          f"{', '.join(SIGN_OFF_SPONSOR_GRID)}")
    source = config.get("SOURCE_URL")
    if source and not _web_address(source):
        raise ConfigError(f"SOURCE_URL={source!r} : une adresse en http:// ou https:// est attendue.")
    if config["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={config['LOG_LEVEL']!r} : valeurs possibles {', '.join(LOG_LEVELS)}")
    return config


def engine_options(config: dict) -> dict:
    """Connect, pool, statement and lock timeouts (DB_*), in the form each database's driver takes them."""
    url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    options: dict = {"pool_pre_ping": True}
    connect_args: dict = {}
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    if config["DB_POOL_TIMEOUT"] > 0 and not in_memory:  # an in-memory SQLite has no pool to wait for
        options["pool_timeout"] = config["DB_POOL_TIMEOUT"]
    if url.get_backend_name() == "postgresql":
        if config["DB_CONNECT_TIMEOUT"] > 0:
            connect_args["connect_timeout"] = max(1, round(config["DB_CONNECT_TIMEOUT"]))
        settings = [f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT_MS']}",
                    f"-c lock_timeout={config['DB_LOCK_TIMEOUT_MS']}"]
        connect_args["options"] = " ".join(settings)
    elif url.get_backend_name() == "sqlite":
        # pysqlite's timeout is SQLite's busy timeout: a write waits this long for another to finish.
        connect_args["timeout"] = config["DB_LOCK_TIMEOUT_MS"] / 1000
    if connect_args:
        options["connect_args"] = connect_args
    return options


def _web_address(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:  # « http://[:: » and the like
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and text.isprintable() and " " not in text


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "oui", "on")


def _accounts(env, jalons_env: str) -> dict:
    """Accounts, login and e-mail (users area, core/mail.py)."""
    development = jalons_env == "development"
    return {
        # The daily synchronisation's source: a checkout of beta.gouv.fr (pulled) or a folder (startups/sync.py).
        "BETAGOUV_SOURCE": env.get("BETAGOUV_SOURCE") or None,
        # The absolute address of the site, for links in e-mails and the ProConnect callback. Required in
        # production: links built from the request's Host header could be pointed at another site.
        "BASE_URL": env.get("BASE_URL") or ("http://127.0.0.1:5000" if development else None),
        # A session lasts this long after login, whatever the activity (absolute expiry).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=_number(env, "SESSION_LIFETIME_HOURS", 8, float)),
        "LOGIN_TOKEN_MINUTES": _number(env, "LOGIN_TOKEN_MINUTES", 15, int),
        # Login link requests allowed per e-mail address and per IP address within the window.
        "LOGIN_RATE_LIMIT": _number(env, "LOGIN_RATE_LIMIT", 5, int),
        "LOGIN_RATE_WINDOW_MINUTES": _number(env, "LOGIN_RATE_WINDOW_MINUTES", 15, int),
        # E-mail over SMTP. In development the e-mails are printed on the console, and sent only when
        # SMTP_HOST is set; elsewhere SMTP_HOST defaults to the local mail server.
        "SMTP_HOST": env.get("SMTP_HOST") or (None if jalons_env != "production" else "localhost"),
        "SMTP_PORT": _number(env, "SMTP_PORT", 25, int),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag(env.get("SMTP_STARTTLS")),
        "SMTP_TIMEOUT": _number(env, "SMTP_TIMEOUT", 10, float),
        "MAIL_FROM": env.get("MAIL_FROM") or "Jalons <ne-pas-repondre@jalons.beta.gouv.fr>",
        "MAIL_ECHO": development,
        # ProConnect (OpenID Connect); the button shows only when the three first are set.
        "PROCONNECT_CLIENT_ID": env.get("PROCONNECT_CLIENT_ID") or None,
        "PROCONNECT_CLIENT_SECRET": env.get("PROCONNECT_CLIENT_SECRET") or None,
        "PROCONNECT_SERVER_METADATA_URL": env.get("PROCONNECT_SERVER_METADATA_URL") or None,
        "PROCONNECT_SCOPES": env.get("PROCONNECT_SCOPES") or "openid email given_name usual_name",
        # Demo personas on the login page: `make run` only, refused in production.
        "JALONS_DEMO": _flag(env.get("JALONS_DEMO")),
        # Number of reverse proxies in front of the web process (their X-Forwarded-* headers are trusted),
        # so that the login rate limit counts visitors, not the proxy.
        "PROXY_COUNT": _number(env, "PROXY_COUNT", 0, int),
        # Where the running code can be downloaded: the AGPL (section 13) owes it to every user of the site,
        # so the footer links to it when set (« Code source »).
        "SOURCE_URL": (env.get("SOURCE_URL") or "").strip() or None,
        # Level of the logs on stderr (core/logs.py): INFO has one line per request.
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").upper(),
    }


def _check_accounts(config: dict) -> None:
    if config["JALONS_ENV"] == "production":
        if config.get("JALONS_DEMO"):
            raise ConfigError("JALONS_DEMO est interdit en production : les personas de démonstration ouvrent une session sans mot de passe.")
        if not config.get("BASE_URL"):
            raise ConfigError("BASE_URL doit être défini en production (adresse du site, pour les liens de connexion envoyés par e-mail).")
    elif config["JALONS_ENV"] != "development":
        # Honoured in development only (`make run`).
        config["JALONS_DEMO"] = False
