"""The clients of bench/load.py, for Locust (run by it, headless: `locust -f bench/load_locustfile.py …`).

Reads the bench's JSON (BENCH_LOAD_CONFIG: startup ids, pages of the portfolio and of the API, one-time
login links, the static file) and writes every request it made (BENCH_LOAD_SAMPLES: one line per
request, `kind time_ms ok end` (end: time.monotonic())) for the bench to compute throughput and percentiles per kind
of client. Unless BENCH_LOAD_THINK is set, clients wait for nothing between requests: each sends its next
request once the last one is answered (50 clients, each with one request in flight). BENCH_LOAD_THINK="1-3"
gives each reader a pause drawn between 1 and 3 seconds after every answer, as a person reading a page
would (the writers keep their rate).

- AnonymousReader, LoggedInReader: the portfolio (filters, pages), a startup's page, the API (list and
  one startup), in turn at random; a logged-in reader logs in first with its one-time link.
- Writer: an admin adding an event with a comment to a startup through the real form (GET the form,
  POST it with its CSRF token): one write per second from all the writers together.
- StaticReader: the static file (jalons.css) alone: what the same processes serve without Flask's work.

The session cookie is Secure (production): a client over plain HTTP keeps it by hand and sends it in a
Cookie header, as a browser behind the TLS proxy would.
"""

import json
import os
import random
import re
import time
import uuid

from locust import FastHttpUser, between, constant, constant_throughput, events, task

CONFIG = json.loads(open(os.environ["BENCH_LOAD_CONFIG"], encoding="utf-8").read())
SAMPLES = open(os.environ["BENCH_LOAD_SAMPLES"], "a", encoding="utf-8")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
READER_LINKS = list(CONFIG["reader_login_paths"])  # one per logged-in reader, used once
WRITER_LINKS = list(CONFIG["writer_login_paths"])
THINK = os.environ.get("BENCH_LOAD_THINK")  # "low-high", seconds: readers pause between their requests


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception, context, **_):
    kind = (context or {}).get("kind", "other")
    SAMPLES.write(f"{kind} {response_time:.2f} {int(exception is None)} {time.monotonic():.3f}\n")


@events.quitting.add_listener
def _close(**_):
    SAMPLES.close()


class _Client(FastHttpUser):
    abstract = True
    kind = "other"
    cookies: dict

    def on_start(self):
        self.cookies = {}

    def request(self, method: str, path: str, *, name: str, expect=(200,), kind: str | None = None, **kwargs):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, allow_redirects=False,
                                 context={"kind": kind or self.kind}, **kwargs) as response:
            for header, value in response.headers.items() if response.headers else ():
                if header.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, content = cookie.partition("=")
                    self.cookies[key.strip()] = content
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
            return response

    def log_in(self, path: str):
        page = self.request("GET", path, name="connexion", kind="login")
        self.request("POST", path, name="connexion", expect=(302, 303), kind="login",
                     data={"csrf_token": CSRF.search(page.text).group(1), "next": ""})


class _Reader(_Client):
    abstract = True
    wait_time = between(*map(float, THINK.split("-"))) if THINK else constant(0)

    @task(3)
    def portfolio(self):
        self.request("GET", random.choice(CONFIG["portfolio_paths"]), name="portefeuille")

    @task(3)
    def startup(self):
        self.request("GET", f"/startups/{random.choice(CONFIG['startup_ids'])}", name="startup")

    @task(2)
    def api_list(self):
        self.request("GET", random.choice(CONFIG["api_paths"]), name="api")

    @task(1)
    def api_startup(self):
        self.request("GET", f"/api/v1/startups/{random.choice(CONFIG['startup_ids'])}", name="api")


class AnonymousReader(_Reader):
    kind = "anonymous"


class LoggedInReader(_Reader):
    kind = "logged_in"

    def on_start(self):
        super().on_start()
        self.log_in(READER_LINKS.pop())


class Writer(_Client):
    """One write per second in all: a few writers (each logged in as the admin), so that the rate holds
    even when a write takes seconds to answer."""

    kind = "write"
    fixed_count = max(1, len(WRITER_LINKS))
    wait_time = constant_throughput(1 / fixed_count)

    def on_start(self):
        super().on_start()
        self.log_in(WRITER_LINKS.pop())

    @task
    def add_event(self):
        path = f"/startups/{random.choice(CONFIG['startup_ids'])}/events/new"
        form = self.request("GET", path, name="écriture (formulaire)", kind="write_form")
        if form.status_code != 200:
            return
        self.request("POST", path, name="écriture (enregistrement)", expect=(302, 303), data={
            "csrf_token": CSRF.search(form.text).group(1), "kind": "other", "happened_on": CONFIG["today"],
            "comment": f"bench {uuid.uuid4().hex}", "state": ""})


class StaticReader(_Client):
    kind = "static"
    wait_time = constant(0)

    @task
    def static(self):
        self.request("GET", CONFIG["static_path"], name="fichier statique")
