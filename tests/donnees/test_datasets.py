"""The open datasets: every file valid against its Table Schema (frictionless, as data.gouv.fr's validator
reads them), CSV and JSON alike, the nightly files as well as those generated on request, no personal data,
a stable URL answered with an ETag."""

import csv
import io
import json

import pytest
from markupsafe import escape
from frictionless import Resource, Schema

from donnees.datasets import DATASETS
from donnees.jobs import refresh_files

NAMES = sorted(DATASETS)


@pytest.mark.parametrize("published", [False, True], ids=["on-request", "nightly-file"])
@pytest.mark.parametrize("name", NAMES)
def test_each_csv_is_valid_against_its_table_schema(client, history, tmp_path, name, published):
    if published:
        refresh_files(today=history)
    schema = client.get(f"/donnees/{name}.schema.json").get_json()
    assert schema["licenses"][0]["name"] == "etalab-2.0"
    assert all(field["description"] for field in schema["fields"])
    response = client.get(f"/donnees/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    path = tmp_path / f"{name}.csv"
    path.write_bytes(response.data)
    report = Resource(path=path.name, basepath=str(tmp_path), schema=Schema.from_descriptor(schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert rows, "le jeu de données de l'historique de test n'est pas vide"
    assert list(rows[0]) == [field["name"] for field in schema["fields"]]
    # The JSON holds the same rows.
    data = client.get(f"/donnees/{name}.json").get_json()
    assert len(data) == len(rows) and list(data[0]) == list(rows[0])


def test_the_startups_and_their_periods(client, history):
    startups = {r["id"]: r for r in csv.DictReader(io.StringIO(client.get("/donnees/startups.csv").text))}
    assert startups["reprise"]["phase"] == "construction" and startups["reprise"]["debut_phase"] == "2025-03-01"
    assert startups["reprise"]["sponsors"] == "partenaire" and startups["reprise"]["active"] == "true"
    assert startups["transferee"]["active"] == "false" and startups["future"]["phase"] == ""
    periods = [r for r in csv.DictReader(io.StringIO(client.get("/donnees/periodes.csv").text))
               if r["startup"] == "ancienne-alumni"]
    assert [(p["phase"], p["debut"]) for p in periods] == [("investigation", "2024-02-01"), ("abandon-investigation", "2024-06-01")]


def test_committees_carry_their_decision_and_no_personal_data_nor_free_text(client, history):
    text = client.get("/donnees/comites.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    signed = next(r for r in rows if r["startup"] == "reprise")
    assert (signed["decision"], signed["validation"], signed["decidee_le"], signed["validee_le"]) == (
        "poursuite", "valide", "2025-09-10", "2025-09-17")
    for forbidden in ("chair", "president", "participant", "minutes", "compte_rendu", "hypotheses", "conditions", "note"):
        assert forbidden not in rows[0]


def test_conventions_are_the_published_ones_only(client, history):
    rows = list(csv.DictReader(io.StringIO(client.get("/donnees/conventions.csv").text)))
    assert [(r["intitule"], r["annee"], r["ae_mises_a_disposition"], r["ae_engagees"], r["cp_payes"]) for r in rows] == [
        ("Publiée", "2025", "100000", "30000", "20000")]


def test_the_figures_of_stats(client, history):
    rows = client.get("/donnees/statistiques.json").get_json()
    funnel = {(r["periode"], r["mesure"]): r["valeur"] for r in rows if r["figure"] == "entonnoir"}
    assert funnel[("2023", "entrees_investigation")] == 2 and funnel[("2024", "arretees_apres_investigation")] == 1
    overdue = {(r["periode"], r["mesure"]): r["valeur"] for r in rows if r["figure"] == "comites_en_retard"}
    assert overdue[("2026-06", "comite_en_retard")] == 1
    assert {r["au"] for r in rows} == {"2026-06-15"}


def test_a_file_is_answered_304_when_unchanged_and_unknown_ones_are_404(client, history):
    first = client.get("/donnees/startups.csv")
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get("/donnees/startups.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/donnees/startups.json").headers["ETag"] != first.headers["ETag"]
    assert client.get("/donnees/inconnu.csv").status_code == 404
    assert client.get("/donnees/startups.xml").status_code == 404
    assert client.get("/donnees/inconnu.schema.json").status_code == 404


def test_the_page_lists_every_dataset_with_its_schema_licence_and_stable_url(client, history):
    html = client.get("/donnees/").text
    assert "Licence Ouverte / Open Licence version 2.0" in html and "etalab-2.0" in html
    for name, dataset in DATASETS.items():
        assert str(escape(dataset.title)) in html
        assert f'href="/donnees/{name}.csv"' in html and f'href="/donnees/{name}.schema.json"' in html
        assert f"http://localhost/donnees/{name}.csv" in html
    assert "Dernière mise à jour des données" in html
