"""The synthetic portfolio of the benches: startups drawn from the real distributions, at any scale.

    import synthetic  # with bench/ on sys.path, as the benches have it (python bench/….py)
    app = synthetic.make_app(database_url)
    synthetic.prepare_database(app, reset=False)
    with app.app_context():
        profile = synthetic.load_profile()
        synthetic.build_portfolio(profile, profile.startups * 10, clock.today(), seed=2026)

The distributions (phase sequences, time spent in each phase, first start dates, events per startup and their
kinds, sponsors per startup, incubators and sponsors by popularity) are measured from the demo data
(demo/betagouv-2026-08/) when present, else from the test fixtures, else from figures hard-coded below
(measured on the 2026-08 snapshot of beta.gouv.fr). make_app is the application as the benches run it, with a
bare page (BARE_URL: the DSFR layout and no database work) to compare the pages with. Used by bench/pages.py,
load.py, reminders.py, import.py, stats.py, faults.py and conventions.py.
"""

import collections
import contextlib
import dataclasses
import datetime as dt
import io
import logging
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from flask import render_template  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
import timed_sqlite  # noqa: E402  (bench/timed_sqlite.py)
from core import clock, config as config_module  # noqa: E402
from core.text import fold  # noqa: E402
from core.db import db, empty_database  # noqa: E402
from startups.kept import refresh_current_phases, refresh_phase_counts  # noqa: E402
from startups.models import Event, Incubator, Organisation, PhasePeriod, Startup, startup_sponsors  # noqa: E402
from startups.phases import UnknownPhase, parse_phase  # noqa: E402

SOURCES = [ROOT / "demo" / "betagouv-2026-08", ROOT / "tests" / "fixtures" / "betagouv" / "2026-08"]
BARE_URL = "/__bench/bare"
BARE_PAGE = """{% extends "base.html" %}
{% block title %}Page nue{% endblock %}
{% block content %}<h1>Page nue</h1><p>La mise en page DSFR, sans aucune requête.</p>{% endblock %}"""


# --- The real distributions ---------------------------------------------------------------------------

@dataclasses.dataclass
class Profile:
    source: str
    startups: int
    sequences: collections.Counter  # tuple of phase codes -> number of startups
    gaps: dict  # phase code -> days spent in it before the next phase started
    first_starts: list  # date of each startup's first phase
    events_per_startup: collections.Counter
    event_kinds: collections.Counter
    sponsors_per_startup: collections.Counter
    incubators: dict  # id -> (name, owner id)
    incubator_weights: collections.Counter
    organisations: dict  # id -> (name, acronym, kind, ministerial domain)
    sponsor_weights: collections.Counter
    names: list
    missions: list


FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---", re.DOTALL)
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(path: Path) -> dict:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    try:
        data = yaml.load(match.group(1), Loader=Loader) if match else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def ref(value) -> str:
    return str(value).rstrip("/").split("/")[-1]


def profile_from_fiches(folder: Path) -> Profile:
    organisations = {}
    for path in sorted((folder / "_organisations").glob("*.md")):
        data = front_matter(path)
        organisations[path.stem] = (str(data.get("name") or path.stem), data.get("acronym"), data.get("type"),
                                    data.get("domaine_ministeriel"))
    incubators = {}
    for path in sorted((folder / "_incubators").glob("*.md")):
        data = front_matter(path)
        owner = ref(data["owner"]) if data.get("owner") else None
        incubators[path.stem] = (str(data.get("title") or path.stem), owner if owner in organisations else None)
    profile = Profile(f"fiches de {folder.relative_to(ROOT)}", 0, collections.Counter(), collections.defaultdict(list),
                      [], collections.Counter(), collections.Counter(), collections.Counter(), incubators,
                      collections.Counter(), organisations, collections.Counter(), [], [])
    for path in sorted((folder / "_startups").glob("*.md")):
        data = front_matter(path)
        if not data:
            continue
        profile.startups += 1
        phases, starts = [], []
        for item in data.get("phases") or []:
            try:
                phases.append(parse_phase(str(item.get("name")), phases).value)
            except (UnknownPhase, AttributeError):
                continue
            starts.append(as_date(item.get("start")))
        if phases:
            profile.sequences[tuple(phases)] += 1
        if starts and starts[0]:
            profile.first_starts.append(starts[0])
        for phase, start, following in zip(phases, starts, starts[1:]):
            if start and following and following >= start:
                profile.gaps[phase].append((following - start).days)
        events = [e for e in data.get("events") or [] if isinstance(e, dict)]
        profile.events_per_startup[len(events)] += 1
        profile.event_kinds.update(str(e.get("name")) for e in events)
        sponsors = [ref(s) for s in data.get("sponsors") or [] if ref(s) in organisations]
        profile.sponsors_per_startup[len(sponsors)] += 1
        profile.sponsor_weights.update(sponsors)
        if data.get("incubator") in incubators:
            profile.incubator_weights[data["incubator"]] += 1
        profile.names.append(str(data.get("title") or path.stem).strip())
        if data.get("mission"):
            profile.missions.append(str(data["mission"]).strip())
    return profile


# Measured on the beta.gouv.fr snapshot of August 2026 (demo/betagouv-2026-08: 440 startups, 22 incubators with startups, 144 organisations).
HARD_CODED = {
    "sequences": {
        "investigation abandon-investigation": 127, "investigation construction": 59,
        "investigation construction acceleration": 41, "investigation construction abandon": 40, "investigation": 16,
        "investigation construction acceleration transfere": 14, "investigation construction acceleration abandon": 10,
        "investigation construction acceleration consolidation transfere": 10, "construction investigation abandon": 10,
        "investigation construction transfere": 9, "investigation construction acceleration consolidation": 9,
        "construction": 9, "construction abandon": 8, "construction acceleration consolidation": 5,
        "construction investigation transfere": 5, "abandon-investigation": 5,
        "construction investigation acceleration consolidation transfere": 4,
        "construction acceleration consolidation transfere": 4, "construction investigation consolidation transfere": 4,
        "construction investigation acceleration": 4, "investigation construction acceleration opere": 4,
        "construction acceleration": 4, "acceleration": 3, "construction investigation acceleration transfere": 3,
        "investigation construction consolidation": 2,
    },
    # Quartiles of the days spent in a phase before the next one started (min, q1, median, q3, long tail).
    "gaps": {"investigation": [14, 101, 153, 305, 700], "construction": [30, 120, 366, 704, 1400],
             "acceleration": [60, 239, 455, 910, 1800], "consolidation": [30, 123, 212, 649, 1200]},
    "first_start_years": {2013: 2, 2014: 4, 2015: 8, 2016: 8, 2017: 9, 2018: 31, 2019: 35, 2020: 48, 2021: 77,
                          2022: 45, 2023: 59, 2024: 53, 2025: 50, 2026: 11},
    "events_per_startup": {0: 226, 1: 134, 2: 38, 3: 17, 4: 7, 5: 10, 6: 5, 7: 1, 9: 2},
    "event_kinds": {"committee": 159, "product_launch": 106, "other": 42, "end": 36, "national_impact": 25,
                    "fast": 24, "eig": 2},
    "sponsors_per_startup": {0: 17, 1: 336, 2: 58, 3: 17, 4: 9, 5: 1, 6: 1, 7: 1},
    "incubators": {"dinum": 86, "anct": 72, "mtes": 68, "sgmas": 25, "dinum_produits_interministeriels": 24,
                   "agriculture": 20, "culture": 19, "francetravail": 17, "ademe": 16, "FabNum-MI": 16, "kube": 13,
                   "justice": 12, "gip-inclusion": 8, "fab-geocommuns": 8, "latelier-meae": 7, "alliance": 7,
                   "lab-innov-anssi": 5, "accelerema": 5, "mission-apprentissage": 5, "fabrique-dgfip": 3, "MEN": 2,
                   "bercy": 2},
    "organisations": 144,
    "missions": [
        "Collecter puis diffuser les données d'accessibilité des établissements publics",
        "Accéder aux meilleures aides pour financer et accompagner vos projets locaux",
        "Lutter contre le travail dissimulé dans le transport routier léger",
        "Remettre la confiance au centre de la relation entre propriétaires et locataires",
        "Aider les collégiens et lycéens à trouver un stage près de chez eux",
        "Prévenir les impayés et les expulsions de locataires",
        "Partager, visualiser et réutiliser la donnée financière de l'État et ses opérateurs",
        "Accompagner vos usagers en toute sécurité",
    ],
}


def hard_coded_profile() -> Profile:
    figures = HARD_CODED
    organisations = {f"organisation-{n}": (f"Administration {n}", f"ADM{n}", "administration-centrale", None)
                     for n in range(1, figures["organisations"] + 1)}
    # Sponsors' popularity is very skewed (a few ministries sponsor most startups): Zipf-like weights.
    sponsor_weights = collections.Counter({id: 1000 // rank for rank, id in enumerate(organisations, 1)})
    gaps = {phase: [q for q in quartiles for _ in range(3)] for phase, quartiles in figures["gaps"].items()}
    first_starts = [dt.date(year, month, 1) for year, count in figures["first_start_years"].items()
                    for month in range(1, 13) for _ in range(count)]
    return Profile(
        "chiffres mesurés sur l'instantané 2026-08 (codés en dur)", 440,
        collections.Counter({tuple(seq.split()): n for seq, n in figures["sequences"].items()}), gaps, first_starts,
        collections.Counter(figures["events_per_startup"]), collections.Counter(figures["event_kinds"]),
        collections.Counter(figures["sponsors_per_startup"]),
        {id: (f"Incubateur {id}", None) for id in figures["incubators"]}, collections.Counter(figures["incubators"]),
        organisations, sponsor_weights, [f"Service {n}" for n in range(1, 41)], figures["missions"])


def load_profile() -> Profile:
    for folder in SOURCES:
        if (folder / "_startups").is_dir():
            return profile_from_fiches(folder)
    return hard_coded_profile()


# --- The synthetic portfolio ------------------------------------------------------------------------------

def pick(rng: random.Random, counter: collections.Counter):
    items = list(counter)
    return rng.choices(items, weights=[counter[i] for i in items])[0]


def build_portfolio(profile: Profile, count: int, today: dt.date, seed: int) -> dict:
    """Insert `count` synthetic startups (plus the real incubators and organisations); returns row counts."""
    rng = random.Random(seed)
    now = clock.now()
    db.session.execute(sa.insert(Organisation.__table__), [
        {"id": id, "name": name, "acronym": acronym, "kind": kind, "ministerial_domain": domain}
        for id, (name, acronym, kind, domain) in profile.organisations.items()
    ])
    db.session.execute(sa.insert(Incubator.__table__), [
        {"id": id, "name": name, "owner_id": owner} for id, (name, owner) in profile.incubators.items()
    ])
    startups, periods, events, sponsors = [], [], [], []
    for n in range(1, count + 1):
        id = f"startup-{n:05d}"
        sequence = pick(rng, profile.sequences)
        start = rng.choice(profile.first_starts) + dt.timedelta(days=rng.randint(-180, 180))
        first = start
        for position, phase in enumerate(sequence):
            periods.append({"startup_id": id, "position": position, "phase": phase, "start_on": start,
                            "effective_start_on": start, "end_on": None})
            gap = rng.choice(profile.gaps.get(phase) or [180])
            start = start + dt.timedelta(days=round(gap * rng.uniform(0.8, 1.2)))
        last = max(first + dt.timedelta(days=30), min(start, today + dt.timedelta(days=60)))
        for position in range(pick(rng, profile.events_per_startup)):
            on = first + dt.timedelta(days=rng.randint(0, (last - first).days))
            events.append({"startup_id": id, "position": position, "kind": pick(rng, profile.event_kinds),
                           "happened_on": on, "comment": None})
        chosen = []
        for _ in range(pick(rng, profile.sponsors_per_startup)):
            organisation = pick(rng, profile.sponsor_weights) if profile.sponsor_weights else None
            if organisation and organisation not in chosen:
                chosen.append(organisation)
        sponsors += [{"startup_id": id, "organisation_id": o, "position": p} for p, o in enumerate(chosen)]
        name, mission = f"{rng.choice(profile.names)} {n}", rng.choice(profile.missions)
        startups.append({
            # A bulk insert skips the mapper events that fold sort_name and search_text (startups.models).
            "sort_name": fold(name), "search_text": fold(f"{name} {mission}"),
            "id": id, "name": name, "mission": mission,
            "incubator_id": pick(rng, profile.incubator_weights), "link": f"https://{id}.beta.gouv.fr",
            "user_types": [], "themes": [], "techno": [], "created_at": now, "updated_at": now,
        })
    for table, rows in ((Startup.__table__, startups), (PhasePeriod.__table__, periods),
                        (Event.__table__, events), (startup_sponsors, sponsors)):
        for chunk in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[chunk:chunk + 5000])
    # Bulk inserts bypass the ORM's flush, which keeps each startup's cached current phase and the phase
    # counts and due dates: do what the nightly jobs do (startups.jobs, committees.jobs), as in service.
    from committees.due import refresh_committee_dues

    refresh_current_phases(db.session, today)
    refresh_committee_dues(db.session, today)
    refresh_phase_counts(db.session, today)  # last: the counts per committee status read the due dates
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum after such a load: without statistics, nested loops (41 s to count); without VACUUM the
        # refreshes' dead rows stay in the indexes, visited by the freshness probe (/incubators' SQL 2.4× at 30×).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return {"startups": len(startups), "phase periods": len(periods), "events": len(events),
            "sponsorships": len(sponsors), "incubators": len(profile.incubators),
            "organisations": len(profile.organisations)}


# --- The application of the benches ----------------------------------------------------------------------

def make_app(database_url: str):
    overrides = {"JALONS_ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None}
    options = config_module.load(str(ROOT / "instance"), overrides)["SQLALCHEMY_ENGINE_OPTIONS"]
    app = create_app({**overrides, "SQLALCHEMY_ENGINE_OPTIONS": timed_sqlite.timing_fetches(options, database_url)})
    # A bench-only route, on this app instance only: the DSFR layout with no database work.
    # Compiled once, as the pages' templates are (render_template_string would compile it at each request).
    with app.app_context():
        bare = app.jinja_env.from_string(BARE_PAGE)
    app.add_url_rule(BARE_URL, "bench_bare", lambda: render_template(bare))
    # A page that fails is reported by its HTTP status in the table, without its traceback.
    app.logger.setLevel(logging.CRITICAL)
    logging.getLogger("jalons").setLevel(logging.WARNING)  # no line per request (core/logs.py) in the figures
    return app


def prepare_database(app, reset: bool) -> None:
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        if tables and not reset:
            sys.exit(f"La base {db.engine.url.render_as_string(hide_password=True)} n'est pas vide "
                     f"({len(tables)} tables) : utilisez une base vide, ou --reset pour l'effacer.")
        if tables:
            with db.engine.begin() as connection:
                empty_database(connection)
        # migrations/env.py configures logging from alembic.ini, with a handler on stderr: keep it quiet.
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
