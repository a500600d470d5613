"""The open datasets under /api/v1/donnees/…: the same rows as the files, filtered, in the OpenAPI document."""


def test_the_api_serves_each_dataset_with_its_filters(client, history):
    body = client.get("/api/v1/donnees/startups").get_json()
    assert body["meta"]["total"] == len(body["data"]) == 6
    assert {r["id"] for r in client.get("/api/v1/donnees/startups?incubateur=inc-a").get_json()["data"]} == {"reprise", "transferee"}
    assert {r["id"] for r in client.get("/api/v1/donnees/startups?active=true").get_json()["data"]} == {"reprise", "recente"}
    periods = client.get("/api/v1/donnees/periodes?startup=reprise&phase=construction").get_json()["data"]
    assert [p["debut"] for p in periods] == ["2024-03-01", "2025-03-01"]
    committees = client.get("/api/v1/donnees/comites?decision=pivot").get_json()["data"]
    assert [c["startup"] for c in committees] == ["recente"]
    conventions = client.get("/api/v1/donnees/conventions?annee=2025").get_json()["data"]
    assert [c["ae_engagees"] for c in conventions] == [30000.0]
    figures = client.get("/api/v1/donnees/statistiques?figure=comites_tenus").get_json()["data"]
    assert {f["periode"] for f in figures} == {"2024-S2", "2025-S1", "2025-S2", "2026-S1"}
    per_incubator = client.get("/api/v1/donnees/statistiques?figure=comites_tenus_par_incubateur").get_json()["data"]
    assert {(f["periode"], f["groupe"], f["valeur"]) for f in per_incubator} == {
        ("2024-S2", "inc-a", 1), ("2025-S2", "inc-a", 1), ("2025-S1", "inc-b", 1), ("2026-S1", "inc-b", 1)}
    decisions = client.get("/api/v1/donnees/statistiques?figure=decisions_par_incubateur").get_json()["data"]
    assert {(f["periode"], f["groupe"], f["mesure"]) for f in decisions} == {
        ("2025-S2", "inc-a", "decisions_poursuite"), ("2026-S1", "inc-b", "decisions_pivot")}


def test_a_bad_filter_is_a_400_in_french(client, history):
    response = client.get("/api/v1/donnees/startups?phase=inconnue")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "phase"
    assert client.get("/api/v1/donnees/conventions?annee=12").status_code == 400
    # A year in other digits than 0 to 9 (« ٢٠٢٥ », read as 2025 by int()) is refused, not taken for 2025.
    arabic = client.get("/api/v1/donnees/conventions?annee=%D9%A2%D9%A0%D9%A2%D9%A5")
    assert arabic.status_code == 400 and "nombre entier" in arabic.get_json()["error"]["message"]
    assert client.get("/api/v1/donnees/startups?couleur=bleu").status_code == 400


def test_the_openapi_document_describes_the_datasets_in_french(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/donnees/comites"]["get"]
    assert operation["summary"] == "Comités d'investissement et leurs décisions"
    assert {p["name"] for p in operation["parameters"]} == {"startup", "statut", "decision"}
    assert all(p["description"] for p in operation["parameters"])
    row = document["components"]["schemas"]["DonneesComites"]
    assert row["properties"]["decidee_le"]["description"].startswith("Date d'enregistrement")


def test_the_active_column_agrees_with_the_startups_api_and_the_portfolio(client, history):
    """« future » has no started phase: the portfolio counts it among the inactive startups (« terminées ou pas
    commencées ») and the startups API says active: false; the dataset says the same, so that its filter keeps
    the same startups."""
    listed = client.get("/api/v1/startups?active=false&per_page=200").get_json()
    rows = client.get("/api/v1/donnees/startups?active=false").get_json()["data"]
    assert sorted(r["id"] for r in rows) == sorted(s["id"] for s in listed["data"])
    assert "future" in {r["id"] for r in rows}
    assert client.get("/api/v1/startups/future").get_json()["active"] is False
    assert next(r for r in rows if r["id"] == "future")["active"] is False
