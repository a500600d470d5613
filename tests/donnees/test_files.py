"""The nightly files of the open datasets: the job stores each dataset, the stable URLs serve what it stored
(until the next refresh), a dataset that fails keeps its previous files, and a harvester asking again gets a
304 with the stored ETag."""

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import types

import sqlalchemy as sa

from core import scheduler
from core.clock import PARIS
from core.db import db
from donnees.datasets import DATASETS
from donnees.jobs import refresh_files
from donnees.models import OpenFile
from tests.factories import d, make_startup
from tests.stats.conftest import TODAY

NIGHT = dt.datetime(2026, 6, 16, 5, 30, tzinfo=PARIS)  # the night after the history's day


def night(time_machine, moment: dt.datetime = NIGHT) -> dt.date:
    time_machine.move_to(moment.astimezone(dt.timezone.utc), tick=False)
    return moment.date()


def startup_ids(client) -> set[str]:
    return {row["id"] for row in csv.DictReader(io.StringIO(client.get("/donnees/startups.csv").text))}


def test_the_job_writes_every_dataset_in_both_formats(history, time_machine):
    done = refresh_files(today=night(time_machine))
    assert done.refreshed == list(DATASETS) and done.failed == []
    files = db.session.scalars(sa.select(OpenFile)).all()
    assert sorted((f.dataset, f.kind) for f in files) == sorted((name, kind) for name in DATASETS for kind in ("csv", "json"))
    for file in files:
        assert file.etag == hashlib.sha256(file.content).hexdigest()
        assert file.generated_at == NIGHT and file.row_count > 0
    startups = next(f for f in files if (f.dataset, f.kind) == ("startups", "csv"))
    assert startups.row_count == startups.content.decode().count("\n") - 1  # rows, not the header


def test_the_url_serves_the_stored_file_until_the_next_refresh(client, history, time_machine):
    refresh_files(today=night(time_machine))
    published = client.get("/donnees/startups.csv")
    assert published.data == db.session.get(OpenFile, ("startups", "csv")).content
    assert published.headers["Last-Modified"] == "Tue, 16 Jun 2026 03:30:00 GMT"
    assert published.headers["Cache-Control"] == "public, max-age=3600"

    night(time_machine, NIGHT + dt.timedelta(hours=6))
    make_startup("nouvelle", name="Nouvelle", phases=[("investigation", d("2026-06-01"))])
    assert "nouvelle" not in startup_ids(client)  # the day's change waits for the night
    assert client.get("/donnees/startups.csv").headers["ETag"] == published.headers["ETag"]

    refresh_files(today=night(time_machine, NIGHT + dt.timedelta(days=1)))
    assert "nouvelle" in startup_ids(client)
    assert client.get("/donnees/startups.csv").headers["ETag"] != published.headers["ETag"]
    json_ids = {row["id"] for row in client.get("/donnees/startups.json").get_json()}
    assert "nouvelle" in json_ids


def test_a_harvester_asking_again_gets_a_304_with_the_stored_etag(client, history, time_machine):
    refresh_files(today=night(time_machine))
    stored = db.session.get(OpenFile, ("comites", "json"))
    first = client.get("/donnees/comites.json")
    assert first.headers["ETag"] == f'"{stored.etag}"'
    again = client.get("/donnees/comites.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Cache-Control"] == "public, max-age=3600"
    since = client.get("/donnees/comites.json", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get("/donnees/comites.json", headers={"If-None-Match": '"autre"'})
    assert stale.status_code == 200 and stale.data == stored.content


def test_a_dataset_that_fails_keeps_its_previous_files_and_the_others_refresh(client, history, time_machine, monkeypatch, caplog):
    refresh_files(today=night(time_machine))
    db.session.commit()  # the history too, as in production: the failure must roll back only its own dataset
    before = {(f.dataset, f.kind): (f.content, f.generated_at) for f in db.session.scalars(sa.select(OpenFile))}

    def broken(today, now):
        raise RuntimeError("base indisponible")

    monkeypatch.setitem(DATASETS, "comites", dataclasses.replace(DATASETS["comites"], rows=broken))
    make_startup("nouvelle", name="Nouvelle", phases=[("investigation", d("2026-06-01"))])
    with caplog.at_level(logging.ERROR, logger="donnees.jobs"):
        done = refresh_files(today=night(time_machine, NIGHT + dt.timedelta(days=1)))
    assert done.failed == ["comites"] and done.refreshed == ["startups", "periodes", "conventions", "statistiques"]
    assert "comites not refreshed" in caplog.text and "base indisponible" in caplog.text
    after = {(f.dataset, f.kind): (f.content, f.generated_at) for f in db.session.scalars(sa.select(OpenFile))}
    assert after[("comites", "csv")] == before[("comites", "csv")] and after[("comites", "json")] == before[("comites", "json")]
    assert after[("startups", "csv")][1] == NIGHT + dt.timedelta(days=1)
    assert "nouvelle" in startup_ids(client)
    assert client.get("/donnees/comites.csv").data == before[("comites", "csv")][0]


def test_before_the_first_night_each_file_is_generated_on_request(client, history):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenFile)) == 0
    response = client.get("/donnees/startups.csv")
    assert response.status_code == 200 and "reprise" in response.text
    assert "produit à la demande" in client.get("/donnees/").text


def test_the_page_tells_when_each_file_was_updated_and_its_rows(client, history, time_machine):
    refresh_files(today=night(time_machine))
    html = client.get("/donnees/").text
    assert "mis à jour le 16 juin 2026 à 05:30" in html
    rows = db.session.get(OpenFile, ("startups", "csv")).row_count
    assert f"({rows} lignes)" in html and "produit à la demande" not in html


def test_flask_donnees_refresh_says_what_it_did_and_fails_when_a_dataset_fails(app, history, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["donnees", "refresh"])
    assert result.exit_code == 0, result.output
    assert "5 jeu(x) de données mis à jour" in result.output

    def broken(today, now):
        raise RuntimeError("base indisponible")

    monkeypatch.setitem(DATASETS, "statistiques", dataclasses.replace(DATASETS["statistiques"], rows=broken))
    result = runner.invoke(args=["donnees", "refresh"])
    assert result.exit_code == 1
    assert "en échec (fichiers précédents gardés) : statistiques" in result.output


def test_flask_donnees_refresh_stops_at_an_unreachable_database_with_one_line_and_exit_code_4(app, history, monkeypatch):
    attempted = []

    def unreachable(today, now):
        attempted.append(today)
        raise sa.exc.OperationalError("SELECT …", {}, Exception("server closed the connection unexpectedly"))

    for name in list(DATASETS):
        monkeypatch.setitem(DATASETS, name, dataclasses.replace(DATASETS[name], rows=unreachable))
    result = app.test_cli_runner().invoke(args=["donnees", "refresh"])

    assert result.exit_code == 4, result.output
    assert len(attempted) == 1  # not one timeout, and one traceback, per dataset
    assert result.stderr.strip().splitlines() == [
        "Jalons — base de données injoignable ou sans réponse, la commande s'est arrêtée (relancez-la quand la "
        "base répondra) : server closed the connection unexpectedly"]


def test_the_scheduler_refreshes_the_files_each_night_after_the_betagouv_sync(tmp_path, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    stub = types.SimpleNamespace(config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/jobs.sqlite3"})
    monkeypatch.setattr(scheduler, "_app", None)
    instance = scheduler.build(stub, BackgroundScheduler)
    instance.start(paused=True)
    refresh, sync = instance.get_job("donnees.refresh"), instance.get_job("startups.sync")
    instance.shutdown(wait=False)
    assert refresh.args == ("donnees.refresh",)
    assert (refresh.next_run_time.hour, refresh.next_run_time.minute, str(refresh.next_run_time.tzinfo)) == (5, 30, "Europe/Paris")
    assert refresh.next_run_time.time() > sync.next_run_time.time()


def test_the_scheduled_job_runs_in_an_application_context(app, history, monkeypatch):
    monkeypatch.setattr(scheduler, "_app", app)
    assert scheduler.run_job("donnees.refresh", today=TODAY).refreshed == list(DATASETS)
    assert db.session.get(OpenFile, ("periodes", "csv")) is not None


def test_a_stored_file_is_served_in_one_statement(client, history, time_machine, count_queries):
    refresh_files(today=night(time_machine))
    for name in DATASETS:
        with count_queries() as statements:
            assert client.get(f"/donnees/{name}.json").status_code == 200
        assert len(statements) == 1, statements
