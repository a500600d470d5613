"""The rig of bench/faults.py: a private PostgreSQL 15 it can stop, freeze and restart, the application
served by gunicorn in production mode, and the clients that read and write through the real pages while
it does (the load). Everything it starts is stopped at exit, even on error; all traffic stays on 127.0.0.1.
"""

import atexit
import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

from core import clock

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
VENV_BIN = ROOT / ".venv" / "bin"
SECRET = "bench-faults-" + uuid.uuid4().hex
READERS, WRITERS = 4, 2
PAUSE = 0.05  # between two requests of one client: a bounded load on a shared 2-core machine
REQUEST_TIMEOUT = 60


cleanups: list = []


def cleanup() -> None:
    while cleanups:
        action = cleanups.pop()
        with contextlib.suppress(Exception):
            action()


atexit.register(cleanup)


def free_port(start: int = 54329) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def wait_for(check, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {seconds} s")


# --- A private PostgreSQL -----------------------------------------------------------------------------

class Postgres:
    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/jalons"

    def _as_postgres(self, *args, **kwargs):
        return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60, **kwargs)

    def init(self) -> None:
        shutil.chown(self.folder, "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                          "--locale", "C.UTF-8")
        self.start()
        self.psql("CREATE DATABASE jalons")

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.folder / "postgres.log", "-w", "-t", "30",
                          "-o", options, "start")

    def stop(self) -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def tree(self) -> list[int]:
        return [self.postmaster_pid(), *children(self.postmaster_pid())]

    def freeze(self) -> None:
        for pid in self.tree():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.tree():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def psql(self, sql: str, database: str = "postgres") -> None:
        engine = sa.create_engine(f"postgresql://postgres@127.0.0.1:{self.port}/{database}", isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
        engine.dispose()

    def shutdown(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.thaw()
            with contextlib.suppress(Exception):
                self.stop()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


# --- The application ----------------------------------------------------------------------------------

def app_env(database_url: str, base_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JALONS_", "DB_", "SMTP_", "DATABASE_"))}
    env.update(JALONS_ENV="production", SECRET_KEY=SECRET, BASE_URL=base_url, DATABASE_URL=database_url,
               DB_STATEMENT_TIMEOUT_MS="3000", DB_CLIENT_TIMEOUT="3", DB_CONNECT_TIMEOUT="2", DB_POOL_TIMEOUT="3",
               DB_LOCK_TIMEOUT_MS="2000",
               FLASK_APP="app", PYTHONUNBUFFERED="1", **extra)
    return env


class Gunicorn:
    def __init__(self, database_url: str, folder: Path, name: str):
        self.port = free_port(8700)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(folder / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [VENV_BIN / "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "30", "app:create_app()"],
            cwd=ROOT, env=app_env(database_url, self.base), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        cleanups.append(self.shutdown)
        wait_for(lambda: requests.get(self.base + "/startups", timeout=10).status_code == 200, 60, "gunicorn")

    def workers(self) -> set[int]:
        return set(children(self.process.pid))

    def shutdown(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


# --- Load ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Hit:
    started: float
    ended: float
    client: str  # reader / writer
    ok: bool
    status: int  # 0: no HTTP answer
    dsfr: bool
    path: str = ""
    body: str = ""


def is_dsfr(response: requests.Response) -> bool:
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return True  # the API answers its errors in JSON, not in a page
    return 'class="fr-header' in response.text


class Load:
    def __init__(self, base: str, startup_ids: list[str], tokens: list[str]):
        self.base, self.startup_ids, self.tokens = base, startup_ids, tokens
        self.hits: list[Hit] = []
        self.acknowledged: list[str] = []  # comments of the events a writer was told were saved
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def note(self, started: float, client: str, response: requests.Response | None, ok_statuses=(200,),
             path: str = "") -> bool:
        ok = response is not None and response.status_code in ok_statuses
        hit = Hit(started, time.monotonic(), client, ok, response.status_code if response is not None else 0,
                  response is not None and (ok or is_dsfr(response)), path)
        if not hit.dsfr and response is not None:
            hit.body = response.text[:300]
        with self.lock:
            self.hits.append(hit)
        return ok

    def request(self, session: requests.Session, method: str, path: str, client: str, ok_statuses=(200,), **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException:
            response = None
        self.note(started, client, response, ok_statuses, f"{method} {path}")
        if response is not None:
            keep_cookies(session, response)
        return response

    def reader(self, number: int) -> None:
        session = requests.Session()
        paths = ["/startups", f"/startups/{self.startup_ids[number]}", "/api/v1/startups"]
        turn = 0
        while not self.stopping.is_set():
            self.request(session, "GET", paths[turn % len(paths)], "reader")
            turn += 1
            time.sleep(PAUSE)

    def writer(self, number: int) -> None:
        session = requests.Session()
        try:
            log_in(session, self.base, self.tokens[number])
        except Exception as error:  # noqa: BLE001 (reported: a bench without writers says so)
            self.errors.append(f"writer {number}: {error}")
            return
        startup_id = self.startup_ids[-1 - number % 2]  # two writers on close startups, positions contended
        path = f"/startups/{startup_id}/events/new"
        while not self.stopping.is_set():
            form = self.request(session, "GET", path, "writer")
            if form is None or form.status_code != 200:
                time.sleep(PAUSE)
                continue
            comment = f"bench {uuid.uuid4().hex}"
            response = self.request(session, "POST", path, "writer", ok_statuses=(302, 303), data={
                "csrf_token": csrf(form.text), "kind": "other", "happened_on": clock.today().isoformat(),
                "comment": comment, "state": ""})
            if response is not None and response.status_code in (302, 303):
                with self.lock:
                    self.acknowledged.append(comment)
            time.sleep(PAUSE)

    def start(self) -> None:
        for number in range(READERS):
            self.threads.append(threading.Thread(target=self.reader, args=(number,), daemon=True))
        for number in range(WRITERS):
            self.threads.append(threading.Thread(target=self.writer, args=(number,), daemon=True))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def between(self, start: float, end: float) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if start <= hit.started < end]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not found:
        raise RuntimeError("no CSRF token in the form")
    return found.group(1)


def keep_cookies(session: requests.Session, response: requests.Response) -> None:
    """The session cookie is Secure (production), and requests keeps Secure cookies off plain HTTP: send
    it by hand, as a browser behind the TLS proxy would."""
    cookies = dict(pair.split("=", 1) for pair in session.headers.get("Cookie", "").split("; ") if "=" in pair)
    for cookie in response.cookies:
        cookies[cookie.name] = cookie.value
    if cookies:
        session.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    session.cookies.clear()


def log_in(session: requests.Session, base: str, path: str) -> None:
    page = session.get(base + path, timeout=REQUEST_TIMEOUT)
    keep_cookies(session, page)
    response = session.post(base + path, data={"csrf_token": csrf(page.text), "next": ""},
                            timeout=REQUEST_TIMEOUT, allow_redirects=False)
    keep_cookies(session, response)
    if response.status_code not in (302, 303):
        raise RuntimeError(f"login failed: {response.status_code}")
