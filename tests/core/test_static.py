"""Static files (core/static.py): compressed, cached for a year on versioned URLs, secured like pages."""

import gzip
import re

from flask import url_for


def versioned(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_pages_name_static_files_by_their_content(app, client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/vendor/dsfr/dsfr\.min\.css[^"]*)"', page).group(1)
    assert re.fullmatch(r"/static/vendor/dsfr/dsfr\.min\.css\?v=[0-9a-f]{12}", css)
    assert re.search(r'src="/static/jalons\.js\?v=[0-9a-f]{12}"', page)


def test_a_versioned_file_is_cached_a_year_and_sent_compressed(app, client):
    url = versioned(app, "vendor/dsfr/dsfr.min.css")
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "no-cache" not in response.headers["Cache-Control"]
    # make assets writes the .gz beside the DSFR's files: the 728 KB stylesheet leaves in under 100 KB.
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert len(response.data) < 150_000
    assert b".fr-btn" in gzip.decompress(response.data)


def test_an_unversioned_or_stale_url_is_cached_a_day_and_revalidated(app, client):
    # The DSFR's fonts and icons, named by relative URLs from its CSS, cannot carry the hash.
    for url in ("/static/vendor/dsfr/dsfr.min.css", "/static/jalons.js?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=86400, public"
        etag = response.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_missing_static_file_is_the_french_404(client):
    response = client.get("/static/pas-la.css?v=abc")
    assert response.status_code == 404
    assert "Page non trouvée" in response.get_data(as_text=True)
