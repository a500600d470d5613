"""Load test over real HTTP: 50 clients against gunicorn on PostgreSQL at 10 times the portfolio, with Locust.

    .venv/bin/python bench/load.py            # or: make bench-load (about two and a half minutes)
    .venv/bin/python bench/load.py --server postgresql://postgres@127.0.0.1:5432 --seconds 30 --clients 50

Creates its own database on the PostgreSQL server (`bench_load`, dropped at the end; never `test`), fills
it with the synthetic portfolio of bench/synthetic.py at 10 times the real one and the teams and committees of
bench/reminders.py, and serves it with gunicorn in production mode as the Procfile's web process (`-w 4 -k gthread --threads 2`,
with gunicorn.conf.py, read from the project's folder; on 127.0.0.1 only). Then Locust (headless, bench/load_locustfile.py) runs three phases of --seconds each,
every client sending its next request as soon as the last one is answered:
1. the static file jalons.css alone (served by the same processes, through WhiteNoise): the reference;
2. reads only: half the clients anonymous, half logged in (each with its own one-time link, people of
   the startups' teams), over the portfolio (filters, pages), startups' pages and the API;
3. the same reads, plus one write per second: an admin adding an event with a comment to a startup
   through the real form (GET, then POST with its CSRF token), from four writers at one write every four
   seconds each, so that the rate holds even when a write takes seconds;
4. the reads and writes of phase 3, but each reader pausing 1 to 3 seconds after every answer (--think), as
   a person reading the page would: a busy morning at about a quarter of what the server can answer, where
   phases 2 and 3 saturate it.
It prints, for each phase and kind of client, requests per second and p50/p95/p99 in milliseconds; the
read throughput with writes as a share of the read-only one (target of issue 11: at least 80 %), the
p95 of the reads with writes (target: 100 ms at most on this 2-core machine), with and without the
readers' pauses, and the ratio of the reads to the static file. Locust runs on the same machine: its own
work counts against the server's. It also prints the processor time each request cost in the phases without
pauses, split between gunicorn, PostgreSQL and Locust (CpuMeter, with psutil), against the budget a p95 of
100 ms with 50 clients that never pause would leave (Little's law: 500 requests per second on 2 cores, 4 ms
of processor each, all included).
"""

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import url_for  # noqa: E402

import conventions.models  # noqa: E402, F401  (the area, before bench/ is on the path: bench/conventions.py would hide it)
import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio, the benches' application)
import reminders  # noqa: E402  (bench/reminders.py: teams and committees)
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from users import services as users  # noqa: E402
from users.models import Membership, Person  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
DATABASE = "bench_load"
SECRET = "bench-load-" + uuid.uuid4().hex
LOCUSTFILE = ROOT / "bench" / "load_locustfile.py"


def procfile_web() -> tuple[int, int]:
    """(workers, threads) of the Procfile's web process: the bench serves the application as it is deployed."""
    line = next(line for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines() if line.startswith("web:"))
    return tuple(int(re.search(rf"--{option}[ =](\d+)", line).group(1)) for option in ("workers", "threads"))


WORKERS, THREADS = procfile_web()
SHARE_TARGET, P95_TARGET = 0.80, 100.0
WRITERS = 4  # one write per second in all: each writer one every four seconds
PORTFOLIO_PATHS = ["/startups", "/startups?page=2", "/startups?page=7", "/startups?phase=construction",
                   "/startups?phase=acceleration&page=2", "/startups?actives=1", "/startups?q=donn%C3%A9es",
                   "/startups?sort=phase_start"]
API_PATHS = ["/api/v1/startups", "/api/v1/startups?page=2", "/api/v1/startups?page=5"]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_database(server: str, name: str) -> str:
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def create_database(server: str) -> str:
    engine = sa.create_engine(server_database(server, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    engine.dispose()
    return server_database(server, DATABASE)


def drop_database(server: str) -> None:
    engine = sa.create_engine(server_database(server, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    engine.dispose()


def make_app(database_url: str):
    app = synthetic.make_app(database_url)
    # The login links are hashed with the secret of the served application.
    app.config.update(SECRET_KEY=SECRET, SERVER_NAME=None)
    return app


def build(app, scale: int, today: dt.date) -> dict:
    """The portfolio, its teams and committees, and an admin who writes; returns what the clients need."""
    with contextlib.redirect_stdout(io.StringIO()):
        synthetic.prepare_database(app, reset=False)
    with app.app_context():
        profile = synthetic.load_profile()
        rows = synthetic.build_portfolio(profile, profile.startups * scale, today, 2026)
        states = reminders.add_committees(today, 2026)
        users.create_person(email="bench.load@example.gouv.fr", name="Banc de charge", is_admin=True, now=clock.now())
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        startup_ids = db.session.execute(sa.text("SELECT id FROM startups ORDER BY id")).scalars().all()
        db.session.remove()
    step = max(1, len(startup_ids) // 400)
    return {"startups": rows["startups"], "people": states["people"], "startup_ids": startup_ids[::step]}


def login_paths(app, count: int) -> dict:
    """One-time links: `count` people of the startups' teams (coaches, intrapreneurs, sponsors), and the admin."""
    with app.app_context(), app.test_request_context():
        people = db.session.scalars(
            sa.select(Person).where(Person.id.in_(sa.select(Membership.person_id))).order_by(Person.id)).all()
        chosen = people[:: max(1, len(people) // count)][:count]
        admin = users.find_person_by_email("bench.load@example.gouv.fr")
        now = clock.now()
        readers = [url_for("users.login_token", token=users.issue_login_token(p, now=now)) for p in chosen]
        writers = [url_for("users.login_token", token=users.issue_login_token(admin, now=now)) for _ in range(WRITERS)]
        db.session.commit()
        db.session.remove()
    return {"reader_login_paths": readers, "writer_login_paths": writers}


class Gunicorn:
    def __init__(self, database_url: str, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JALONS_", "DB_", "SMTP_", "DATABASE_"))}
        env.update(JALONS_ENV="production", SECRET_KEY=SECRET, BASE_URL=self.base, DATABASE_URL=database_url,
                   PYTHONUNBUFFERED="1")
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [VENV_BIN / "gunicorn", "-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/startups", timeout=10).status_code == 200:
                    break
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ne répond pas (journal : {log})")
            time.sleep(0.5)

    def static_path(self) -> str:
        page = requests.get(self.base + "/startups", timeout=10).text
        return re.search(r'href="(/static/jalons\.css[^"]*)"', page).group(1).replace("&amp;", "&")

    def warm_up(self, paths: list[str]) -> None:
        """Each worker imports its templates and opens its connections before the clock starts."""
        for _ in range(WORKERS * THREADS):
            for path in paths:
                requests.get(self.base + path, timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return times.user + times.system


class CpuMeter:
    """Where the machine's processor time goes during a phase: gunicorn (its master and workers), the
    PostgreSQL server (all its processes), Locust (the phase's child process, once it has ended) and the whole
    machine. A process that ends during the phase is missed (the workers and the connections live through it)."""

    def __init__(self, gunicorn_pid: int):
        self.gunicorn = psutil.Process(gunicorn_pid)

    def snapshot(self) -> dict[str, float]:
        gunicorn = sum(_cpu_seconds(p) for p in (self.gunicorn, *self.gunicorn.children(recursive=True)))
        postgresql = sum(_cpu_seconds(p) for p in psutil.process_iter(["name"])
                         if p.info["name"] in ("postgres", "postmaster"))
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the Locust runs waited for so far
        machine = psutil.cpu_times()  # busy: not idle, nor waiting for the disk, nor taken by the host (steal)
        busy = sum(getattr(machine, field, 0.0) for field in ("user", "nice", "system", "irq", "softirq"))
        return {"gunicorn": gunicorn, "postgresql": postgresql, "locust": children.ru_utime + children.ru_stime,
                "machine": busy}

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {key: after[key] - before[key] for key in before}


def run_phase(name: str, classes: list[str], clients: int, seconds: int, base: str, config: dict,
              folder: Path, think: str | None = None, meter: CpuMeter | None = None) -> tuple[dict, dict | None]:
    """One Locust run (readers pausing `think` seconds, "low-high", between requests, else not at all);
    returns {kind: [(time_ms, ok, end)]} of its requests, and the processor seconds the phase cost
    (CpuMeter.spent), or None without a meter."""
    config_file, samples = folder / f"{name}.json", folder / f"{name}.samples"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    samples.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BENCH_LOAD_THINK"}
    env.update(BENCH_LOAD_CONFIG=str(config_file), BENCH_LOAD_SAMPLES=str(samples), **({"BENCH_LOAD_THINK": think} if think else {}))
    users_count = clients + (WRITERS if "Writer" in classes else 0)
    before = meter.snapshot() if meter else None
    subprocess.run(
        [VENV_BIN / "locust", "-f", LOCUSTFILE, "--headless", "--only-summary", "--skip-log-setup",
         "-u", str(users_count), "-r", str(users_count), "-t", f"{seconds}s", "--stop-timeout", "5",
         "--host", base, "--loglevel", "ERROR", *classes],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=open(folder / f"{name}.locust.log", "w"))
    cpu = CpuMeter.spent(before, meter.snapshot()) if meter else None
    by_kind: dict[str, list] = {}
    for line in samples.read_text(encoding="utf-8").splitlines():
        kind, time_ms, ok, end = line.split()
        by_kind.setdefault(kind, []).append((float(time_ms), ok == "1", float(end)))
    return by_kind, cpu


def figures(samples: list) -> dict:
    """Requests per second over the phase (warm-up excluded: the first 3 s), p50/p95/p99 and failures."""
    if not samples:
        return {"count": 0, "rate": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "failed": 0}
    start = min(end for _, _, end in samples) + 3
    kept = [s for s in samples if s[2] >= start] or samples
    span = max(end for _, _, end in kept) - min(start, min(end for _, _, end in kept))
    times = sorted(t for t, _, _ in kept)
    quantiles = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {"count": len(kept), "rate": len(kept) / span if span > 0 else 0.0, "p50": quantiles[49],
            "p95": quantiles[94], "p99": quantiles[98], "failed": sum(1 for _, ok, _ in kept if not ok)}


# One line per request in the server's log (core/logs.py): what the request took inside the worker.
REQUEST_LINE = re.compile(r"jalons\.requests request method=GET path=(\S+) status=\d+ duration_ms=([\d.]+)")
PAGE_KINDS = (("/startups/<id>", re.compile(r"^/startups/[^/?]+$")), ("/startups (listes)", re.compile(r"^/startups(\?|$)")),
              ("/api/v1/startups/<id>", re.compile(r"^/api/v1/startups/[^/?]+$")),
              ("/api/v1/startups (liste)", re.compile(r"^/api/v1/startups(\?|$)")))


def server_times(log: Path, start: int) -> dict[str, list[float]]:
    """{page kind: durations in ms} of the GET requests the server logged from byte `start` of its log on."""
    times: dict[str, list[float]] = {}
    with open(log, "rb") as file:
        file.seek(start)
        for match in REQUEST_LINE.finditer(file.read().decode("utf-8", "replace")):
            kind = next((name for name, pattern in PAGE_KINDS if pattern.match(match.group(1))), None)
            if kind:
                times.setdefault(kind, []).append(float(match.group(2)))
    return times


def cpu_report(cpu: dict[str, dict[str, float]], phases: dict[str, dict], clients: int) -> str:
    """Processor time per request in each phase without pauses, by whom, and what p95 ≤ P95_TARGET with
    `clients` clients that never pause would leave per request: by Little's law the clients' mean wait is
    clients / throughput, so the throughput must reach clients / P95_TARGET at least, on every core together."""
    cores = psutil.cpu_count() or 1
    lines = [f"\nProcesseur ({cores} cœurs) par requête servie, sans pause (gunicorn ; PostgreSQL, tout le serveur ; "
             "Locust ; la machine entière)"]
    for name, label in (("static", "fichier statique"), ("reads", "lectures seules"), ("writes", "lectures et écritures")):
        spent, count = cpu.get(name), sum(len(samples) for samples in phases[name].values())
        if not spent or not count:
            continue
        per = {key: seconds * 1000 / count for key, seconds in spent.items()}
        lines.append(f"  {label:<34} gunicorn {per['gunicorn']:>5.2f}   PostgreSQL {per['postgresql']:>5.2f}   "
                     f"Locust {per['locust']:>5.2f}   machine {per['machine']:>5.2f} ms   ({count} requêtes)")
    needed = clients / (P95_TARGET / 1000)
    budget = cores * 1000 / needed
    reads = cpu.get("reads")
    if reads:
        count = sum(len(samples) for samples in phases["reads"].values())
        around = (reads["postgresql"] + reads["locust"]) * 1000 / count
        lines.append(f"Pour un p95 ≤ {P95_TARGET:.0f} ms à {clients} clients sans pause : au moins {needed:.0f} requêtes/s "
                     f"(loi de Little), soit au plus {budget:.1f} ms de processeur par requête sur {cores} cœurs, tout compris ; "
                     f"les lectures en prennent {reads['machine'] * 1000 / count:.1f}, dont {around:.1f} hors de gunicorn "
                     "(PostgreSQL et Locust)")
    return "\n".join(lines)


def line(label: str, f: dict) -> str:
    return (f"  {label:<34} {f['rate']:>8.1f} req/s   p50 {f['p50']:>6.1f}   p95 {f['p95']:>7.1f}   "
            f"p99 {f['p99']:>7.1f} ms   ({f['count']} requêtes, {f['failed']} en échec)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432",
                        help="le serveur PostgreSQL, où la base bench_load est créée puis supprimée")
    parser.add_argument("--seconds", type=int, default=30, help="durée de chaque phase (30 s)")
    parser.add_argument("--clients", type=int, default=50, help="clients simultanés, moitié connectés (50)")
    parser.add_argument("--scale", type=int, default=10, help="taille du portefeuille, en multiples du réel (10)")
    parser.add_argument("--think", default="1-3",
                        help="pause des lecteurs de la 4e phase, en secondes, « min-max » (1-3)")
    parser.add_argument("--logs", type=Path, help="garder ici le journal de gunicorn et les mesures brutes")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition("-")
    try:
        if not 0 <= float(low) <= float(high or low):
            raise ValueError
    except ValueError:
        parser.error(f"--think : « {args.think} » n'est pas une pause « min-max » en secondes (par exemple 1-3)")
    args.think = f"{float(low)}-{float(high or low)}"
    if sa.make_url(args.server).host not in ("127.0.0.1", "localhost", None):
        sys.exit("Ce banc d'essai ne charge qu'un serveur PostgreSQL local (127.0.0.1).")

    started = time.perf_counter()
    today = clock.today()
    database_url = create_database(args.server)
    folder = Path(tempfile.mkdtemp(prefix="bench-load-")) if args.logs is None else args.logs
    folder.mkdir(parents=True, exist_ok=True)
    gunicorn, cpu = None, {}
    try:
        app = make_app(database_url)
        portfolio = build(app, args.scale, today)
        print(f"Base {DATABASE} (PostgreSQL), portefeuille x{args.scale} : {portfolio['startups']} startups, "
              f"{portfolio['people']} personnes — construite en {time.perf_counter() - started:.0f} s")
        gunicorn = Gunicorn(database_url, folder / "gunicorn.log")
        config = {"startup_ids": portfolio["startup_ids"], "portfolio_paths": PORTFOLIO_PATHS, "api_paths": API_PATHS,
                  "static_path": gunicorn.static_path(), "today": today.isoformat(),
                  "reader_login_paths": [], "writer_login_paths": []}
        gunicorn.warm_up(PORTFOLIO_PATHS[:2] + API_PATHS[:1] + [f"/startups/{portfolio['startup_ids'][0]}"])
        print(f"gunicorn -w {WORKERS} -k gthread --threads {THREADS} sur {gunicorn.base} ; Locust, {args.clients} "
              f"clients, {args.seconds} s par phase (sans pause, puis {args.think} s de lecture par page)\n")

        half = args.clients // 2
        meter = CpuMeter(gunicorn.process.pid)
        static, cpu["static"] = run_phase("static", ["StaticReader"], args.clients, args.seconds, gunicorn.base, config,
                                          folder, meter=meter)
        reads, cpu["reads"] = run_phase("reads", ["AnonymousReader", "LoggedInReader"], args.clients, args.seconds,
                                        gunicorn.base, {**config, **login_paths(app, args.clients - half)}, folder,
                                        meter=meter)
        log_start = (folder / "gunicorn.log").stat().st_size
        writes, cpu["writes"] = run_phase("writes", ["AnonymousReader", "LoggedInReader", "Writer"], args.clients,
                                          args.seconds, gunicorn.base, {**config, **login_paths(app, args.clients - half)},
                                          folder, meter=meter)
        gunicorn.log.flush()
        inside = server_times(folder / "gunicorn.log", log_start)
        paced, _ = run_phase("paced", ["AnonymousReader", "LoggedInReader", "Writer"], args.clients, args.seconds,
                             gunicorn.base, {**config, **login_paths(app, args.clients - half)}, folder, think=args.think)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        drop_database(args.server)
        if args.logs is None:
            shutil.rmtree(folder, ignore_errors=True)

    phases = {"static": static, "reads": reads, "writes": writes, "paced": paced}
    result = {name: {kind: figures(samples) for kind, samples in by_kind.items()} for name, by_kind in phases.items()}
    for name in ("reads", "writes", "paced"):
        result[name]["all"] = figures(phases[name].get("anonymous", []) + phases[name].get("logged_in", []))
    static_figures = result["static"].get("static", figures([]))
    print("Fichier statique (jalons.css, même processus)")
    print(line("fichier statique", static_figures))
    for name, title in (("reads", "Lectures seules"), ("writes", "Lectures, avec une écriture par seconde")):
        print(title)
        print(line("anonymes", result[name].get("anonymous", figures([]))))
        print(line("connectés", result[name].get("logged_in", figures([]))))
        print(line("toutes les lectures", result[name]["all"]))
    print(line("écritures : formulaire", result["writes"].get("write_form", figures([]))))
    print(line("écritures : envoi", result["writes"].get("write", figures([]))))
    print(f"Matinée chargée : les mêmes lectures, chaque lecteur lisant {args.think.replace('-', ' à ')} s chaque page, "
          "et une écriture par seconde")
    print(line("anonymes", result["paced"].get("anonymous", figures([]))))
    print(line("connectés", result["paced"].get("logged_in", figures([]))))
    print(line("toutes les lectures", result["paced"]["all"]))
    print(line("écritures : envoi", result["paced"].get("write", figures([]))))

    print("Dans le serveur, pendant les lectures avec écritures (journal de gunicorn : durée de chaque requête dans "
          "son processus, file d'attente exclue)")
    for kind, times in inside.items():
        times.sort()
        print(f"  {kind:<34} p50 {statistics.median(times):>6.1f}   p95 {times[int(len(times) * 0.95) - 1]:>7.1f} ms"
              f"   ({len(times)} requêtes)")

    reads_all, writes_all = result["reads"]["all"], result["writes"]["all"]
    share = writes_all["rate"] / reads_all["rate"] if reads_all["rate"] else 0.0
    writes_done = sum(1 for t, ok, _ in writes.get("write", []) if ok)
    print(f"\nDébit des lectures avec écritures : {share:.0%} du débit sans écriture "
          f"(cible ≥ {SHARE_TARGET:.0%} : {'tenue' if share >= SHARE_TARGET else 'MANQUÉE'}) ; "
          f"{writes_done} écritures enregistrées en {args.seconds} s")
    print(f"p95 des lectures avec écritures : {writes_all['p95']:.0f} ms "
          f"(cible ≤ {P95_TARGET:.0f} ms : {'tenue' if writes_all['p95'] <= P95_TARGET else 'MANQUÉE'}) sans pause, "
          f"le serveur saturé ; {result['paced']['all']['p95']:.0f} ms à {result['paced']['all']['rate']:.0f} lectures/s, "
          f"les lecteurs lisant chaque page ({'tenue' if result['paced']['all']['p95'] <= P95_TARGET else 'MANQUÉE'})")
    print(cpu_report(cpu, phases, args.clients))
    if static_figures["rate"]:
        print(f"Par rapport au fichier statique : débit des lectures {reads_all['rate'] / static_figures['rate']:.2f} ×, "
              f"p50 {reads_all['p50'] / static_figures['p50']:.1f} ×, p95 {reads_all['p95'] / static_figures['p95']:.1f} ×"
              f" (sans écriture) ; avec écritures : débit {writes_all['rate'] / static_figures['rate']:.2f} ×")
    print(f"\nDurée totale : {time.perf_counter() - started:.0f} s" + (f" ; journaux dans {folder}" if args.logs else ""))
    failed = sum(f["failed"] for phase in result.values() for f in phase.values() if f is not None)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
