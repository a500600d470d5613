import pytest

from core import config


def test_postgres_urls_from_hosting_platforms_use_psycopg():
    assert config.normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load(str(tmp_path), {"JALONS_ENV": "production"})
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load(str(tmp_path), {"JALONS_ENV": "production", "SECRET_KEY": config.DEV_SECRET})


def test_development_defaults_to_a_sqlite_file_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    loaded = config.load(str(tmp_path), {"JALONS_ENV": "development"})
    assert loaded["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/jalons.sqlite3"
    assert loaded["SESSION_COOKIE_SECURE"] is False


def test_behind_a_proxy_the_visitor_address_is_the_forwarded_one(tmp_path):
    from flask import request

    from app import create_app

    app = create_app({"JALONS_ENV": "test", "SECRET_KEY": "x", "PROXY_COUNT": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"})

    @app.get("/_adresse")
    def address():
        return request.remote_addr

    response = app.test_client().get("/_adresse", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "203.0.113.9"
