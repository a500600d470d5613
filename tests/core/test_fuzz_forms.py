"""Every form of the application, posted with generated values by an administrator (Hypothesis): no answer
is a 5xx, and a refused post (4xx) changes nothing in the database. Every page, opened with generated query
parameters and path segments: no answer is a 5xx.

The forms are found as a person finds them: every page of the URL map is opened (its URL arguments filled by
the permission walk's builders), and each <form method="post"> on it is read — its action, its fields and
their current values. POST routes that no page shows a form for are posted too, with generated fields of
the names their views read. Each field gets either its current value or a hostile one: NUL and other
control characters, numbers beyond any database integer, dates in year 1 or 9999, very long text, empty
values, text from the whole of Unicode.
"""

import html.parser
import os

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import db
from tests.factories import login
from tests.users.test_permission_walk import ARGUMENTS, World, _resolve

# Routes a generated post would end the walk for everybody: logging out, or logging in as somebody else.
SKIPPED = {"users.logout", "users.login", "users.login_with_token", "users.proconnect_login",
           "users.proconnect_callback", "users.demo_login"}
# Tables that count requests rather than data (a refused login still counts as an attempt).
NOT_DATA = {"login_attempts", "apscheduler_jobs", "alembic_version"}
# The suite runs the same few examples every time. A deeper hunt, by hand, draws new ones at each run:
# JALONS_FUZZ_EXAMPLES=200 pytest tests/core/test_fuzz_forms.py (about eight minutes; it found a 500 that the
# fixed examples did not reach: a budget's year of « »).
DEEPER = int(os.environ.get("JALONS_FUZZ_EXAMPLES") or 0)
EXAMPLES_PER_FORM = DEEPER or 6

HOSTILE = st.sampled_from([
    "", " ", "a\x00b", "\x00", "\x1b[31m", "x\r\ny", "\t", "\u202e", "\ud7ff", "0", "-1", "1e309", "NaN",
    "99999999999999999999", "-99999999999999999999", "2147483648", "9223372036854775808",
    "0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "0001-01", "9999-12", "0000-13",
    "0001-01-01T00:00", "9999-12-31T23:59", "99999-01-01", "x" * 5000, "<script>alert(1)</script>",
    "1 234,5", "12,5,3", "true", "on", "../../etc/passwd", "é" * 300,
])
# Hostile values three times out of five; text with a NUL or another control character inside, often.
WITH_CONTROL = st.tuples(st.text(max_size=10), st.sampled_from("\x00\x01\x08\x1b\x7f\x85"), st.text(max_size=10)).map("".join)
VALUES = st.one_of(HOSTILE, HOSTILE, WITH_CONTROL, st.text(max_size=40), st.integers(-2**70, 2**70).map(str),
                   st.dates().map(lambda d: d.isoformat()))


class FormReader(html.parser.HTMLParser):
    """The post forms of a page: [(action, {name: [(type, value, options)]})]."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select is not None:
            self._select[2].append(a.get("value", ""))
        if tag == "form":
            self._form = (a.get("action") or "", {}) if (a.get("method") or "get").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            self._form[1].setdefault(a["name"], []).append((a.get("type", "text"), a.get("value") or "", []))
        elif tag == "textarea":
            self._textarea = [("textarea", "", [])]
            self._form[1].setdefault(a["name"], []).extend(self._textarea)
        elif tag == "select":
            self._select = ("select", "", [])
            self._form[1].setdefault(a["name"], []).append(self._select)

    def handle_data(self, data):
        if self._textarea is not None:
            kind, _, options = self._textarea[0]
            self._textarea[0] = (kind, data, options)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def discover_forms(app, client, world) -> dict[str, dict]:
    """action path -> fields, for every post form on every page (GET) of the URL map."""
    forms: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        if any(argument not in ARGUMENTS for argument in rule.arguments):
            continue
        url, _ = _resolve(app, rule.endpoint, rule.rule, world)
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        reader = FormReader()
        reader.feed(response.get_data(as_text=True))
        for action, fields in reader.forms:
            forms.setdefault((action or url).split("?")[0], fields)
    return forms


def post_routes(app, world) -> dict[str, str]:
    """path -> endpoint of every POST route (URL arguments filled)."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in SKIPPED and not rule.endpoint.startswith("api."):
            url, _ = _resolve(app, rule.endpoint, rule.rule, world)
            routes[url] = rule.endpoint
    return routes


def row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in NOT_DATA]
    query = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
    return dict(db.session.execute(query).one()._mapping)


# A plausible value for an empty field, by input type: the other fields of a post stay valid, so that the
# hostile value reaches as far as it can.
PLAUSIBLE = {"date": "2026-11-20", "datetime-local": "2026-12-10T14:00", "month": "2026-10", "number": "3",
             "email": "fuzz@example.gouv.fr", "url": "https://example.gouv.fr", "time": "14:00"}


def plausible(name: str, spec, draw) -> list:
    kind, current, options = spec[0]
    if kind in ("checkbox", "radio"):
        values = [s[1] for s in spec if s[1]]
        return values[:draw(st.integers(0 if kind == "checkbox" else 1, max(1, min(2, len(values)))))]
    if options:
        chosen = [o for o in options if o] or options
        return [draw(st.sampled_from(chosen))]
    if current:
        return [current]
    return [PLAUSIBLE.get(kind, "texte-de-test")]


def generated_body(draw, fields: dict) -> dict:
    """Every field plausible, except one to three drawn ones: hostile, or left out."""
    names = [n for n, spec in fields.items() if spec[0][0] not in ("submit", "button", "image", "file")]
    hostile = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))) if names else set()
    body = {}
    for name in names:
        if name not in hostile or name == "csrf_token":
            body[name] = plausible(name, fields[name], draw)
        elif draw(st.integers(0, 5)):
            body[name] = [draw(VALUES)]
    return body


@pytest.fixture
def fuzz_world(app, client):
    world = World()
    admin = world.people["admin"]
    for builder in ARGUMENTS.values():
        builder(world)
    # Committed (a savepoint released, rolled back with the test): a view that rolls back its own failed
    # transaction must not undo the world.
    db.session.commit()
    login(client, admin)
    return world


def test_no_form_post_gives_a_5xx_or_a_partial_write(app, client, fuzz_world):
    forms = discover_forms(app, client, fuzz_world)
    routes = post_routes(app, fuzz_world)
    admin_id = fuzz_world.people["admin"].id
    targets = {path: fields for path, fields in forms.items() if path in routes}
    for path in routes:
        targets.setdefault(path, {name: [("text", "", [])] for name in ("nom", "name", "date", "motif", "valeur")})
    assert len(targets) >= 30, sorted(targets)
    failures = []

    for path, fields in sorted(targets.items()):
        @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, derandomize=not DEEPER, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def post(data):
            body = generated_body(data.draw, fields)
            with client.session_transaction() as flask_session:
                flask_session["person_id"] = admin_id
            before = row_counts()
            response = client.post(path, data=body)
            if response.status_code >= 500:
                failures.append(f"POST {path} {body!r:.300}: {response.status_code}")
            elif response.status_code >= 400:
                after = row_counts()
                changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                if changed:
                    failures.append(f"POST {path} refused ({response.status_code}) but wrote {changed}")

        try:
            post()
        except Exception as error:  # an exception the app let through (TESTING propagates them)
            failures.append(f"POST {path}: {type(error).__name__}: {str(error)[:200]}")
            db.session.rollback()
    assert failures == [], "\n".join(failures)


# The classes that broke pages (issue 9): NUL, integers beyond the database's, years 1 and 9999, empty values.
BREAKERS = st.sampled_from(["a\x00b", "\x00", "99999999999999999999", "9223372036854775808", "2147483648",
                            "0001-01-01", "9999-12-31", "0001-01", "9999-12", "0000-01", ""])
PAGE_VALUES = st.one_of(BREAKERS, BREAKERS, VALUES)
# Query parameters the views read without a form on the page.
COMMON_PARAMETERS = ("page", "per_page", "q", "fin", "du", "au", "next", "jeton", "incubator", "phase", "sort")
PAGE_EXAMPLES = DEEPER // 2 or 10


class GetFormReader(html.parser.HTMLParser):
    """The field names of the GET forms of a page (filters)."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_get = (a.get("method") or "get").lower() == "get"
        elif self._in_get and tag in ("input", "select", "textarea") and a.get("name"):
            self.names.add(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get = False


def test_no_page_gives_a_5xx_whatever_its_query_or_path(app, client, fuzz_world):
    from urllib.parse import quote, urlencode

    admin_id = fuzz_world.people["admin"].id
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        url, _ = _resolve(app, rule.endpoint, rule.rule, fuzz_world)
        response = client.get(url)
        names = set(COMMON_PARAMETERS)
        if response.mimetype == "text/html":
            reader = GetFormReader()
            reader.feed(response.get_data(as_text=True))
            names |= reader.names
        segments = [part for part in url.split("/") if part]
        variable = [i for i, part in enumerate(segments) if part not in rule.rule.split("/")]
        pages.append((url, sorted(names), segments, variable))
    assert len(pages) >= 40
    failures = []

    for url, names, segments, variable in pages:
        @settings(max_examples=PAGE_EXAMPLES, deadline=None, derandomize=not DEEPER, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def open_page(data):
            path = url
            if variable and data.draw(st.booleans()):
                changed = list(segments)
                changed[data.draw(st.sampled_from(variable))] = quote(data.draw(PAGE_VALUES), safe="") or "x"
                path = "/" + "/".join(changed)
            query = {name: data.draw(PAGE_VALUES) for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))}
            with client.session_transaction() as flask_session:
                flask_session["person_id"] = admin_id
            target = path + "?" + urlencode(query)
            try:
                status = client.get(target).status_code
            except Exception as error:  # an exception the app let through (TESTING propagates them)
                db.session.rollback()
                failures.append(f"GET {target[:200]}: {type(error).__name__}: {str(error)[:200]}")
                return
            if status >= 500:
                failures.append(f"GET {target[:200]}: {status}")

        open_page()
    assert failures == [], "\n".join(failures)
