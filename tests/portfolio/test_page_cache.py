"""The page cache (core/cache.py) seen from the pages: a page read again runs no SQL for an anonymous
reader; nobody is shown another person's buttons or another day; a change made in this process shows at
once, one made by another process at once to its author and within PAGE_CACHE_CHECK_SECONDS to others."""

import sqlalchemy as sa
from flask import Flask

from core.cache import DataVersion
from core.db import db
from startups.models import Startup
from tests.factories import d, login, make_person, make_startup

PAGE = "/startups/alpha"


def alpha(**fields):
    return make_startup("alpha", name=fields.pop("name", "Alpha"),
                        phases=fields.pop("phases", [("investigation", d("2026-01-05"))]),
                        events=[("product_launch", d("2026-03-01"))], **fields)


def statements_of(client, count_queries, url: str) -> tuple[int, str]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_a_page_read_again_runs_no_sql_and_is_the_same(client, app, count_queries, monkeypatch):
    Clock(monkeypatch, app)
    alpha()
    first, html = statements_of(client, count_queries, PAGE)
    again, html_again = statements_of(client, count_queries, PAGE)
    assert first > 1 and again == 0
    assert html_again == html


def test_a_logged_in_reader_costs_one_statement_their_account(client, app, count_queries, monkeypatch):
    Clock(monkeypatch, app)
    alpha()
    login(client, make_person("Ada"))
    statements_of(client, count_queries, PAGE)
    assert statements_of(client, count_queries, PAGE)[0] == 1


def test_a_change_committed_through_the_application_shows_at_once(client):
    startup = alpha()
    db.session.commit()
    token = db.session.scalar(sa.select(DataVersion.token))
    assert "Alpha" in client.get(PAGE).get_data(as_text=True)
    startup.name = "Alpha renommée"
    db.session.commit()
    assert db.session.scalar(sa.select(DataVersion.token)) != token
    assert "Alpha renommée" in client.get(PAGE).get_data(as_text=True)
    assert "Alpha renommée" in client.get("/startups").get_data(as_text=True)


class Clock:
    """time.monotonic and time.time of core.cache, moved by hand; the data version trusted for a second."""

    def __init__(self, monkeypatch, app):
        monkeypatch.setitem(app.config, "PAGE_CACHE_CHECK_SECONDS", 1.0)
        self.now = 1_000_000.0
        monkeypatch.setattr("core.cache.time.monotonic", lambda: self.now)
        monkeypatch.setattr("core.cache.time.time", lambda: self.now)


def another_process_renames_alpha(name: str) -> None:
    """Another process writes the row and, in the same transaction, a new data version. This process sees
    neither statement go by (raw SQL, like a write from elsewhere): only the token in the database."""
    connection = db.session.connection()
    connection.exec_driver_sql(f"UPDATE startups SET name = '{name}' WHERE id = 'alpha'")
    connection.exec_driver_sql(f"UPDATE data_version SET token = '{name.replace(' ', '-')}'")


def test_a_change_by_another_process_shows_to_other_readers_within_the_check_time(client, app, monkeypatch):
    clock = Clock(monkeypatch, app)
    alpha()
    db.session.commit()
    assert "<h1" in client.get(PAGE).get_data(as_text=True)
    another_process_renames_alpha("Alpha bis")
    clock.now += app.config["PAGE_CACHE_CHECK_SECONDS"] / 2
    assert "Alpha bis" not in client.get(PAGE).get_data(as_text=True)  # the kept page, for a moment
    clock.now += app.config["PAGE_CACHE_CHECK_SECONDS"] / 2
    assert "Alpha bis" in client.get(PAGE).get_data(as_text=True)


def test_the_author_of_a_change_sees_it_at_once_whichever_process_serves_them(client, app, monkeypatch):
    Clock(monkeypatch, app)
    alpha()
    admin = make_person("Ada Admin", is_admin=True)
    db.session.commit()
    login(client, admin)
    client.get(PAGE)
    reader = app.test_client()
    reader.get(PAGE)
    # The author's write went through another process (whose response put its time in their session).
    with client.session_transaction() as session:
        session["jalons.wrote_at"] = 1_000_000.0
    another_process_renames_alpha("Alpha quater")
    assert "Alpha quater" not in reader.get(PAGE).get_data(as_text=True)  # within the check time
    assert "Alpha quater" in client.get(PAGE).get_data(as_text=True)  # its author: at once
    # This process has now read the new data version: every reader gets the new page.
    assert "Alpha quater" in reader.get(PAGE).get_data(as_text=True)


def test_a_request_that_writes_marks_its_author_in_the_session_and_one_that_reads_does_not(client):
    alpha()
    db.session.commit()
    client.get(PAGE)
    with client.session_transaction() as session:
        assert "jalons.wrote_at" not in session
    client.post("/users/login", data={"email": "quelquun@example.gouv.fr"})  # counts toward the rate limit
    with client.session_transaction() as session:
        assert isinstance(session.get("jalons.wrote_at"), float)


def test_a_write_through_a_core_statement_counts_too(client):
    alpha()
    db.session.commit()
    client.get(PAGE)
    token = db.session.scalar(sa.select(DataVersion.token))
    table = Startup.__table__
    db.session.connection().execute(table.update().where(table.c.id == "alpha").values(name="Alpha ter"))
    db.session.commit()
    assert db.session.scalar(sa.select(DataVersion.token)) != token  # other processes will see it
    assert "Alpha ter" in client.get(PAGE).get_data(as_text=True)


def test_a_page_read_inside_a_transaction_rolled_back_is_not_served_after_it(client):
    startup = alpha()
    db.session.commit()
    savepoint = db.session.begin_nested()
    startup.name = "Jamais validé"
    db.session.flush()
    assert "Jamais validé" in client.get(PAGE).get_data(as_text=True)  # this connection sees its own write
    savepoint.rollback()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Jamais validé" not in html and "Alpha" in html


def test_each_viewer_gets_the_buttons_of_their_permissions_and_their_own_header(client, app):
    alpha()
    admin = make_person("Ada Admin", is_admin=True)
    db.session.commit()
    anonymous = client.get(PAGE).get_data(as_text=True)
    assert "Planifier un comité" not in anonymous and "Ada Admin" not in anonymous
    login(client, admin)
    as_admin = client.get(PAGE).get_data(as_text=True)
    assert "Planifier un comité" in as_admin and "Modifier<span" in as_admin
    other = app.test_client()
    assert "Planifier un comité" not in other.get(PAGE).get_data(as_text=True)


def test_a_flashed_message_shows_on_a_kept_page(client):
    alpha()
    client.get(PAGE)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Message de la requête précédente")]
    assert "Message de la requête précédente" in client.get(PAGE).get_data(as_text=True)


def test_the_next_day_is_computed_again(client, clock_on):
    alpha(phases=[("investigation", d("2026-11-20"))])
    clock_on(d("2026-11-27"))
    week = client.get(PAGE).get_data(as_text=True)
    clock_on(d("2027-11-27"))
    year = client.get(PAGE).get_data(as_text=True)
    assert week != year


def test_each_query_string_is_its_own_page(client):
    alpha()
    make_startup("beta", name="Bêta", phases=[("construction", d("2025-01-05"))])
    assert "Bêta" in client.get("/startups").get_data(as_text=True)
    filtered = client.get("/startups?phase=investigation").get_data(as_text=True)
    assert "Alpha" in filtered and "Bêta" not in filtered


def test_the_api_keeps_its_links_per_host(client):
    alpha()
    first = client.get("/api/v1/startups?per_page=1", base_url="http://jalons.example")
    again = client.get("/api/v1/startups?per_page=1", base_url="http://jalons.example")
    other = client.get("/api/v1/startups?per_page=1", base_url="https://autre.example")
    assert first.headers["Link"] == again.headers["Link"] and first.get_data() == again.get_data()
    assert first.json["links"]["first"].startswith("http://jalons.example/")
    assert other.json["links"]["first"].startswith("https://autre.example/")
    assert other.mimetype == "application/json"


def test_without_the_cache_pages_are_the_same(client, app, count_queries, monkeypatch):
    alpha()
    kept = client.get(PAGE).get_data(as_text=True)
    monkeypatch.setitem(app.extensions, "jalons.page_cache", None)
    assert client.get(PAGE).get_data(as_text=True) == kept
    assert statements_of(client, count_queries, PAGE)[0] > 1


def test_flask_cache_clear_gives_a_new_data_version(app):
    token = db.session.scalar(sa.select(DataVersion.token))
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "vidé" in result.output
    assert db.session.scalar(sa.select(DataVersion.token)) != token


def test_every_cached_template_is_a_page_of_the_layout(app: Flask):
    # The kept blocks are the page's own; the per-person blocks of the layout are never among them.
    for name in ("portfolio/portfolio.html", "portfolio/startup.html", "portfolio/incubators.html",
                 "portfolio/incubator.html", "portfolio/organisations.html", "portfolio/organisation.html"):
        assert "header_tools" not in app.jinja_env.get_template(name).blocks


def test_a_page_read_while_this_process_writes_is_neither_served_from_nor_kept_in_the_cache(client, app):
    # Another thread commits while a request renders: the request started before the commit, so what it
    # read may predate it. The view's build stands for that request's reads; the write happens during it.
    from core import cache

    alpha()
    db.session.commit()
    kept = cache.page_cache(app)
    with app.test_request_context(PAGE):
        app.preprocess_request()  # the request starts: its generation is noted

        def build():
            startup = db.session.get(Startup, "alpha")
            startup.name = "Écrit pendant la lecture"
            db.session.flush()  # a write of this process, during the request
            return "page"

        assert cache.cached(("essai",), build) == "page"
    assert len(kept) == 0
