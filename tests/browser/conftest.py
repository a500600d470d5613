"""Browser journeys: Playwright driving Debian's Chromium against a live server.

The live server is its own application on its own SQLite file, schema by the migrations, data committed
once per session (tests/browser/seed.py): a browser cannot see the rolled-back transaction of the other
tests, so tests marked `browser` get no `session` (tests/conftest.py).
"""

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from core import clock
from core.db import db
from tests.browser import seed

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Without the background-networking flags Chromium tries to reach Google's hosts and is refused.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    app = create_app({
        "JALONS_ENV": "test",
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "jalons.sqlite3"),
        "SERVER_NAME": None,
    })
    with app.app_context():
        upgrade()
        app.config["BROWSER_DATA"] = seed.load(clock.today())
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def daytime(time_machine) -> dt.date:
    """Today, for a journey that plans a committee for today at 23:59 and marks it held the same day: in
    the evening (Paris time) the clock moves on to 8:00 the next morning, so that the day does not turn
    during the journey. Forward only: the browser keeps the real clock and drops a session cookie whose
    expiry, set by the server's clock, would already be past."""
    now = clock.now().astimezone(clock.PARIS)
    if now.hour >= 20:
        morning = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(8), tzinfo=clock.PARIS)
        time_machine.move_to(morning.astimezone(dt.timezone.utc), tick=True)
    return clock.today()


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's base_url: page.goto("/startups") reaches the live server."""
    return f"http://127.0.0.1:{live_server.port}"


@pytest.fixture(autouse=True)
def no_broken_responses(request):
    """Every browser test fails on a server error or a missing asset (CSS, JS, font, icon)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    broken = []

    def check(response):
        path = response.url.split("?", 1)[0]
        if response.status >= 500 or (response.status >= 400 and "/static/" in path):
            broken.append(f"{response.status} {response.url}")

    page.on("response", check)
    yield
    assert not broken, "Réponses en erreur :\n" + "\n".join(broken)


# Chromium reports a CSP refusal on the console too, but the event is also echoed by the page itself so that
# nothing depends on how Playwright relays the browser's own log entries.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  // The element refused (an inline style attribute) says which code put it there.
  const target = event.target instanceof Element ? event.target.outerHTML.slice(0, 300) : String(event.target);
  console.error(`Content Security Policy: ${event.violatedDirective} refused ${event.blockedURI || "inline"} `
                + `(${event.sourceFile || ""}:${event.lineNumber || ""}) on ${target}`);
});
"""


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test fails when the Content-Security-Policy (core/security.py) refuses something: an
    inline script or style, a resource from another origin — the page would work differently in production."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations = []
    page.context.add_init_script(CSP_REPORTER)

    def check(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.text} ({page.url})")

    page.context.on("console", check)
    yield
    assert not violations, "Violations de la Content-Security-Policy :\n" + "\n".join(dict.fromkeys(violations))


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact')}] {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            # failureSummary: "Fix any of the following:\n  <first reason>\n  <other reasons>…"
            reasons = [line.strip() for line in node.get("failureSummary", "").splitlines()[1:2]]
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)} : {' '.join(reasons)}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … et {len(violation['nodes']) - 10} autres éléments")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """axe(page): run axe-core on the page as it is now; fails listing each violation's id, impact, targets."""

    def check(page, context: str = ""):
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated rather than added as a <script>: the Content-Security-Policy refuses inline scripts.
            page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        violations = page.evaluate("async () => (await axe.run()).violations")
        if violations:
            where = context or page.url
            pytest.fail(f"axe-core : {len(violations)} violation(s) sur {where}\n" + format_violations(violations), pytrace=False)

    return check


# Playwright hides the text caret for a screenshot by giving every input an inline style (CSSOM, which the
# CSP allows). When the DSFR starts during the screenshot on a slow run, its header copies the tools' HTML
# into the mobile menu, the logout form's hidden input with that style included: parsed again, the style
# attribute is refused by the CSP, and a journey failed for what no user's browser does. The caret stays.
SCREENSHOT_CARET = "initial"


@pytest.fixture
def screenshot(pytestconfig):
    """screenshot(page, name): a full-page PNG under test-results/screenshots/ (gitignored), or under
    the folder given to pytest-playwright's --output (which empties that folder at each run)."""
    folder = ROOT / pytestconfig.getoption("--output") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, caret=SCREENSHOT_CARET)
        return path

    return take


# --- People and login by e-mail link (additive, H12: lifecycle and committee journeys) ------------------

class MailSink:
    """aiosmtpd handler keeping every message the live app sends. The app sends an e-mail once its response
    has left (core/mail.py): `last_to` waits for it, up to a few seconds, rather than reading too early."""

    def __init__(self):
        self.messages: list = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.arrived.notify_all()
        return "250 Message accepted"

    def _to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def count_to(self, address: str) -> int:
        with self.arrived:
            return len(self._to(address))

    def last_to(self, address: str, count: int = 1, timeout: float = 10.0):
        """The latest e-mail to address, once `count` of them have arrived."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self._to(address)) >= count, timeout=timeout)
            found = self._to(address)
        assert len(found) >= count, (f"{count} e-mail(s) attendu(s) pour {address}, {len(found)} reçu(s) ; "
                                     f"reçus : {[m['To'] for m in self.messages]}")
        return found[-1]


@pytest.fixture(scope="session")
def smtp_capture():
    """A real SMTP server on localhost: the live app's e-mails arrive there."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(MailSink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(live_app, smtp_capture, monkeypatch):
    """The live app sends its e-mails over SMTP to smtp_capture; returns the sink (.messages, .last_to).

    Every journey asks for its links from 127.0.0.1: the per-IP login rate limit (tested in tests/users)
    is raised so that the number of journeys in the session does not matter.
    """
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_capture.port, "SMTP_STARTTLS": False,
                       "SMTP_USER": None, "SMTP_TIMEOUT": 5, "MAIL_ECHO": False, "LOGIN_RATE_LIMIT": 1000}.items():
        monkeypatch.setitem(live_app.config, key, value)
    return smtp_capture.handler


@pytest.fixture
def add_person(live_app):
    """add_person(name, email, memberships=[(startup_id, role)], incubators=[incubator_id]): an account
    on the live app, with current roles (since 2020-01-01), committed."""

    def add(name: str, email: str, memberships=(), incubators=(), organisation_id: str | None = None,
            is_admin: bool = False) -> int:
        with live_app.app_context():
            person_id = seed.add_person(name, email, memberships=memberships, incubators=incubators,
                                        organisation_id=organisation_id, is_admin=is_admin)
            db.session.remove()
        return person_id

    return add


@pytest.fixture
def log_in(page, mailbox, axe, screenshot):
    """log_in(email, name, shots="prefix"): the real login by e-mail link — the login page, the e-mail
    received over SMTP, its link, the confirmation — each page checked with axe-core and photographed.
    on=another_page logs in another browser context (a second persona at the same time; additive, H14)."""
    import re

    from playwright.sync_api import expect

    default_page = page

    def do(email: str, name: str, shots: str, on=None) -> None:
        page = on or default_page
        page.goto("/")
        page.get_by_role("link", name="Se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Jalons")
        page.get_by_label("Adresse e-mail").fill(email)
        screenshot(page, f"{shots}-connexion")
        axe(page, f"page de connexion ({shots})")
        before = mailbox.count_to(email)
        page.get_by_role("button", name="Recevoir un lien de connexion").click()
        expect(page.locator(".fr-alert--info")).to_contain_text("Un lien de connexion vous a été envoyé")
        message = mailbox.last_to(email, count=before + 1)
        assert message["Subject"] == "Votre lien de connexion à Jalons"
        link = re.search(r"https?://\S+/users/login/\S+", message.get_content())
        assert link, message.get_content()
        page.goto(link.group(0))
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la connexion")
        expect(page.get_by_role("main")).to_contain_text(name)
        screenshot(page, f"{shots}-confirmation")
        axe(page, f"confirmation de connexion ({shots})")
        page.get_by_role("button", name="Me connecter").click()
        expect(page.locator(".fr-alert--success")).to_contain_text(f"Vous êtes connecté·e en tant que {name}.")
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    return do


@pytest.fixture
def log_out(page):
    from playwright.sync_api import expect

    def do() -> None:
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.locator(".fr-alert--info")).to_contain_text("Vous êtes déconnecté·e.")
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()

    return do


# --- Seeding from a test, and a quicker login (additive, H14: evidence journey, pages' accessibility) ----

@pytest.fixture
def in_app(live_app):
    """in_app(function, *args, **kwargs): run a seed function in the live app's context (it commits)."""

    def run(function, *args, **kwargs):
        with live_app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return run


@pytest.fixture
def enter_as(page, in_app):
    """enter_as(email, name): log in by a one-time link issued directly (the e-mail step is what log_in
    checks), confirming on its page; any previous session of the page is dropped first."""
    from playwright.sync_api import expect

    def do(email: str, name: str) -> None:
        page.context.clear_cookies()
        page.goto(in_app(seed.login_path, email))
        expect(page.get_by_role("main")).to_contain_text(name)
        page.get_by_role("button", name="Me connecter").click()
        expect(page.locator(".fr-alert--success")).to_contain_text(f"Vous êtes connecté·e en tant que {name}.")

    return do


@pytest.fixture
def charts_drawn():
    """charts_drawn(page): wait until the page's charts (canvases) stop changing — their drawing animation
    is over — so that a screenshot shows each point where it belongs: two identical drawings 100 ms apart.
    A page without a chart passes at once (additive, H14)."""

    def wait(page) -> None:
        page.wait_for_function("""() => {
            const drawing = [...document.querySelectorAll("canvas")].map(c => c.toDataURL()).join("|");
            const settled = window.jalonsChartsDrawing === drawing;
            window.jalonsChartsDrawing = drawing;
            return settled;
        }""", polling=100)

    return wait
