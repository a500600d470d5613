"""Configuration from the environment, over defaults that suit a laptop."""

import os
from pathlib import Path

DEV_SECRET = "dev-secret-not-for-production"
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    pass


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// or postgresql://; SQLAlchemy wants the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": jalons_env == "production",
        "JSON_SORT_KEYS": False,
        "WTF_CSRF_TIME_LIMIT": None,
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["JALONS_ENV"] == "production" and config["SECRET_KEY"] in (None, "", DEV_SECRET):
        raise ConfigError("SECRET_KEY doit être défini en production (et différent du secret de développement).")
    return config
