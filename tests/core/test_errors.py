def test_an_unknown_page_gets_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page non trouvée" in response.get_data(as_text=True)


def test_an_unknown_api_path_gets_a_json_404(client):
    response = client.get("/api/v1/nulle-part")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_wrong_method_on_the_api_gets_a_json_405(client):
    response = client.post("/api/v1/startups")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
