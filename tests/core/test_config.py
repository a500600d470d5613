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


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def run_flask(*args, **env):
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items()
            if k not in ("JALONS_ENV", "SECRET_KEY", "BASE_URL", "FLASK_APP", "LOG_LEVEL", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_a_configuration_error_is_one_french_line_and_a_failure_exit_code():
    # Flask finds wsgi.py in the repository by itself: what `flask --help` on a laptop loads.
    result = run_flask("--help")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Jalons — erreur de configuration : SECRET_KEY doit être défini en production")
    assert "make run" in lines[0] and "JALONS_ENV=development" in lines[0]
    bad_level = run_flask("--help", JALONS_ENV="development", LOG_LEVEL="bavard")
    assert bad_level.returncode == 3 and "LOG_LEVEL='BAVARD'" in bad_level.stderr
    assert "Traceback" not in bad_level.stderr and "make run" not in bad_level.stderr


def test_flask_in_development_lists_the_project_commands():
    result = run_flask("--help", JALONS_ENV="development")
    assert result.returncode == 0, result.stderr
    assert "import-betagouv" in result.stdout and "db" in result.stdout


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_a_number_that_is_not_one_is_a_configuration_error_naming_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("JALONS_ENV", "development")
    monkeypatch.setenv("DB_POOL_TIMEOUT", value)
    with pytest.raises(config.ConfigError, match=f"DB_POOL_TIMEOUT='{value}' : un nombre positif ou nul est attendu"):
        config.load(str(tmp_path))
    monkeypatch.setenv("DB_POOL_TIMEOUT", "2.5")
    monkeypatch.setenv("SMTP_PORT", "25.5")
    with pytest.raises(config.ConfigError, match="SMTP_PORT='25.5' : un nombre entier positif ou nul est attendu"):
        config.load(str(tmp_path))
    monkeypatch.setenv("SMTP_PORT", "2525")
    loaded = config.load(str(tmp_path))
    assert (loaded["DB_POOL_TIMEOUT"], loaded["SMTP_PORT"]) == (2.5, 2525)


def test_the_sponsors_grid_policy_warns_by_default_and_refuses_an_unknown_value(monkeypatch, tmp_path):
    monkeypatch.delenv("SIGN_OFF_SPONSOR_GRID", raising=False)
    assert config.load(str(tmp_path), {"JALONS_ENV": "development"})["SIGN_OFF_SPONSOR_GRID"] == "avertir"
    monkeypatch.setenv("SIGN_OFF_SPONSOR_GRID", "Exiger")
    assert config.load(str(tmp_path), {"JALONS_ENV": "development"})["SIGN_OFF_SPONSOR_GRID"] == "exiger"
    monkeypatch.setenv("SIGN_OFF_SPONSOR_GRID", "toujours")
    with pytest.raises(config.ConfigError, match="SIGN_OFF_SPONSOR_GRID='toujours' : valeurs possibles avertir, exiger"):
        config.load(str(tmp_path), {"JALONS_ENV": "development"})


@pytest.mark.parametrize("value", ["github.com/betagouv/jalons", "javascript:alert(1)", "https://", "https://exemple.fr/a b",
                                   "https://exemple.fr/\x07", "http://[::1"])
def test_the_source_address_must_be_a_web_address(monkeypatch, tmp_path, value):
    monkeypatch.setenv("SOURCE_URL", value)
    with pytest.raises(config.ConfigError, match="SOURCE_URL=.* : une adresse en http:// ou https:// est attendue"):
        config.load(str(tmp_path), {"JALONS_ENV": "development"})


def test_the_footer_links_to_the_source_when_its_address_is_set(tmp_path):
    # The AGPL (section 13) owes the running code to every user of the site: the footer says where it is.
    from app import create_app

    database = {"JALONS_ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.sqlite3"}
    page = create_app(database).test_client().get("/ceci-n-existe-pas").get_data(as_text=True)
    assert "Code source" not in page
    page = create_app({**database, "SOURCE_URL": "https://github.com/betagouv/jalons"}).test_client() \
        .get("/ceci-n-existe-pas").get_data(as_text=True)
    assert '<a class="fr-footer__bottom-link" href="https://github.com/betagouv/jalons">Code source (licence AGPL-3.0)</a>' in page
