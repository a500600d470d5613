"""What the API returns, field by field: each Field's JSON Schema documents it, its getter fills it.

To add a field to a resource, add one Field to its Schema below; data that needs a query goes through a
batch loader (api/queries.py) read with ctx.loaded(loader), so that a list never runs one query per
startup. The OpenAPI document picks the field up by itself.
"""

from conventions.queries import fast_years
from conventions.services import figures
from startups.models import EventKind, PhasePeriod, Startup
from startups import phases
from startups.phases import Phase

from api.queries import committee_dues, fast_funding, published_funding, startups_of_incubators, startups_of_sponsors
from api.schema import (
    BOOLEAN,
    DATE,
    INTEGER,
    STRING,
    Context,
    Field,
    Schema,
    array_of,
    nullable,
)

PHASE_CODE = {"type": "string", "enum": [p.value for p in Phase]}
EVENT_KIND = {"type": "string", "enum": [k.value for k in EventKind]}
STRINGS = array_of(STRING)


def _iso(value):
    return value.isoformat() if value is not None else None


# --- references (what a resource shows of another) ---

INCUBATOR_REF = Schema(
    "IncubatorRef",
    [
        Field("id", STRING, lambda i, ctx: i.id),
        Field("name", STRING, lambda i, ctx: i.name),
    ],
)

ORGANISATION_REF = Schema(
    "OrganisationRef",
    [
        Field("id", STRING, lambda o, ctx: o.id),
        Field("name", STRING, lambda o, ctx: o.name),
        Field("acronym", nullable(STRING), lambda o, ctx: o.acronym),
    ],
)


def _ref(schema: Schema, obj, ctx: Context):
    return schema.dump(obj, ctx) if obj is not None else None


# --- startups ---

PHASE_PERIOD = Schema(
    "PhasePeriod",
    [
        Field("phase", PHASE_CODE, lambda p, ctx: p.phase.value),
        Field("label", STRING, lambda p, ctx: p.phase.label, "Libellé français de la phase."),
        Field("source_name", nullable(STRING), lambda p, ctx: p.source_name,
              "Le nom écrit dans la fiche d'origine quand il diffère (anciens noms : alumni, success…)."),
        Field("start", nullable(DATE), lambda p, ctx: _iso(p.effective_start_on),
              "Date de début ; pour une ancienne période sans début, la fin (ou le début) de la précédente."),
        Field("end", nullable(DATE), lambda p, ctx: _iso(p.end_on)),
        Field("comment", nullable(STRING), lambda p, ctx: p.comment),
        Field("planned", BOOLEAN, lambda p, ctx: phases.is_planned(p, ctx.today), "Vrai si la période commence après aujourd'hui."),
    ],
    "Une période passée, en cours ou prévue dans une phase du programme.",
)

EVENT = Schema(
    "Event",
    [
        Field("kind", EVENT_KIND, lambda e, ctx: e.kind.value),
        Field("label", STRING, lambda e, ctx: e.kind.label),
        Field("date", DATE, lambda e, ctx: _iso(e.happened_on)),
        Field("comment", nullable(STRING), lambda e, ctx: e.comment),
    ],
)

LINKS = Schema(
    "StartupLinks",
    [
        Field("site", nullable(STRING), lambda s, ctx: s.link),
        Field("repository", nullable(STRING), lambda s, ctx: s.repository),
        Field("stats", nullable(STRING), lambda s, ctx: s.stats_url, "Page de statistiques publiques."),
        Field("impact", nullable(STRING), lambda s, ctx: s.impact_url),
        Field("budget", nullable(STRING), lambda s, ctx: s.budget_url),
        Field("dashlord", nullable(STRING), lambda s, ctx: s.dashlord_url),
    ],
    "Les liens tels qu'écrits dans la fiche (parfois sans schéma).",
)


def current_period(startup: Startup, ctx: Context) -> PhasePeriod | None:
    """The startup's current period by the current-phase rule (startups/phases.py), computed once per response."""
    key = ("current_period", startup.id)
    if key not in ctx.memo:
        ctx.memo[key] = phases.current_period(startup.periods, ctx.today)
    return ctx.memo[key]


def _current_phase(startup: Startup, ctx: Context) -> Phase | None:
    period = current_period(startup, ctx)
    return period.phase if period else None


def _current_phase_code(startup: Startup, ctx: Context) -> str | None:
    phase = _current_phase(startup, ctx)
    return phase.value if phase else None


def _current_phase_label(startup: Startup, ctx: Context) -> str | None:
    phase = _current_phase(startup, ctx)
    return phase.label if phase else None


def _current_phase_start(startup: Startup, ctx: Context) -> str | None:
    period = current_period(startup, ctx)
    return _iso(period.effective_start_on) if period else None


def _active(startup: Startup, ctx: Context) -> bool:
    phase = _current_phase(startup, ctx)
    return phase is not None and phase.active


COMMITTEE_STATUS = {"type": "string", "enum": ["overdue", "due45", "ok"]}


def _committee_due(startup: Startup, ctx: Context):
    return ctx.loaded(committee_dues).get(startup.id)


def _next_committee_due(startup: Startup, ctx: Context) -> str | None:
    due = _committee_due(startup, ctx)
    return _iso(due.next_committee_due) if due else None


def _committee_status(startup: Startup, ctx: Context) -> str | None:
    due = _committee_due(startup, ctx)
    return due.status.value if due else None


# --- the money (conventions area): published conventions only ---

CONVENTION_YEAR = Schema(
    "ConventionYear",
    [
        Field("year", INTEGER, lambda y, ctx: y.year),
        Field("ae_planned_cents", INTEGER, lambda y, ctx: y.ae_planned, "AE prévues (échéancier), en centimes d'euro."),
        Field("ae_released_cents", INTEGER, lambda y, ctx: y.ae_released, "AE mises à disposition, en centimes."),
        Field("engaged_cents", INTEGER, lambda y, ctx: y.engaged, "Engagé (bons de commande), en centimes."),
        Field("cp_planned_cents", INTEGER, lambda y, ctx: y.cp_planned, "CP prévus, en centimes."),
        Field("cp_released_cents", INTEGER, lambda y, ctx: y.cp_released, "CP mis à disposition, en centimes."),
        Field("paid_cents", INTEGER, lambda y, ctx: y.paid, "Payé (factures payées cette année-là), en centimes."),
    ],
    "Une année d'une convention ; montants en centimes d'euro, HT ou TTC selon tax_basis de la convention.",
)

CONVENTION_REF = Schema(
    "ConventionRef",
    [
        Field("id", INTEGER, lambda c, ctx: c.id),
        Field("title", STRING, lambda c, ctx: c.title),
        Field("reference", nullable(STRING), lambda c, ctx: c.reference),
        Field("partner", ORGANISATION_REF, lambda c, ctx: ORGANISATION_REF.dump(c.partner, ctx)),
        Field("tax_basis", {"type": "string", "enum": ["ht", "ttc"]}, lambda c, ctx: c.tax_basis.value),
        Field("ends_on", DATE, lambda c, ctx: c.ends_on.isoformat()),
    ],
)


def years_of(convention, ctx, startup_id=None):
    return [CONVENTION_YEAR.dump(y, ctx) for y in figures(convention, startup_id=startup_id).values()]


def _funding_years(f, ctx):
    startup_id, convention, grants = f
    numbers = fast_years(grants) if convention is None else figures(convention, startup_id=startup_id)
    return [CONVENTION_YEAR.dump(y, ctx) for y in numbers.values()]


STARTUP_FUNDING = Schema(
    "StartupFunding",
    [
        Field("funder", {"type": "string", "enum": ["convention", "fast"]},
              lambda f, ctx: "fast" if f[1] is None else "convention",
              "convention : une convention publiée ; fast : le Fonds d'accélération des startups d'État (DINUM)."),
        Field("convention", nullable(CONVENTION_REF),
              lambda f, ctx: CONVENTION_REF.dump(f[1], ctx) if f[1] is not None else None,
              "La convention ; null pour le FAST."),
        Field("years", array_of(CONVENTION_YEAR), _funding_years,
              "Par année. Convention : prévu et mis à disposition pour la convention entière, engagé et payé pour "
              "cette startup. FAST : les AE et CP accordés (prévu = mis à disposition), engagé et payé à 0 (non suivis)."),
    ],
)


def _funding(startup: Startup, ctx: Context) -> list[dict]:
    items = [(startup.id, c, None) for c in ctx.loaded(published_funding).get(startup.id, [])]
    grants = ctx.loaded(fast_funding).get(startup.id)
    if grants:
        items.append((startup.id, None, grants))
    return [STARTUP_FUNDING.dump(item, ctx) for item in items]


STARTUP = Schema(
    "Startup",
    [
        Field("id", STRING, lambda s, ctx: s.id, "Le nom de la fiche beta.gouv.fr sans .md (accents et points compris)."),
        Field("name", STRING, lambda s, ctx: s.name),
        Field("mission", nullable(STRING), lambda s, ctx: s.mission),
        Field("current_phase", nullable(PHASE_CODE), _current_phase_code,
              "Phase actuelle : la période commencée la plus récente ; null si aucune n'a commencé."),
        Field("current_phase_label", nullable(STRING), _current_phase_label),
        Field("current_phase_start", nullable(DATE), _current_phase_start),
        Field("active", BOOLEAN, _active,
              "Vrai si la phase actuelle n'est pas terminale (transférée, arrêtée, investigation non concluante)."),
        Field("phases", array_of(PHASE_PERIOD), lambda s, ctx: [PHASE_PERIOD.dump(p, ctx) for p in s.periods],
              "Toutes les périodes, dans l'ordre de la fiche."),
        Field("events", array_of(EVENT), lambda s, ctx: [EVENT.dump(e, ctx) for e in s.events]),
        Field("incubator", nullable(INCUBATOR_REF), lambda s, ctx: _ref(INCUBATOR_REF, s.incubator, ctx)),
        Field("sponsors", array_of(ORGANISATION_REF), lambda s, ctx: [ORGANISATION_REF.dump(o, ctx) for o in s.sponsors]),
        Field("links", LINKS, lambda s, ctx: LINKS.dump(s, ctx)),
        Field("user_types", STRINGS, lambda s, ctx: list(s.user_types or [])),
        Field("themes", STRINGS, lambda s, ctx: list(s.themes or [])),
        Field("techno", STRINGS, lambda s, ctx: list(s.techno or [])),
        Field("next_committee_due", nullable(DATE), _next_committee_due,
              "Date limite du prochain comité d'investissement : six mois après le dernier comité tenu (ou "
              "après le début de la phase en cours si aucun ne l'a été depuis) ; null si la startup n'est pas active."),
        Field("committee_status", nullable(COMMITTEE_STATUS), _committee_status,
              "overdue : date limite dépassée ; due45 : dans les 45 jours ; ok : plus tard ; null si la startup "
              "n'est pas active."),
        Field("funding", array_of(STARTUP_FUNDING), _funding,
              "Les financeurs de la startup, avec leurs AE et CP par année : les conventions publiées, puis le FAST."),
    ],
    "Une Startup d'État du programme beta.gouv.fr.",
)


# --- incubators and organisations ---

PHASE_COUNTS = Schema(
    "PhaseCounts",
    [Field(phase.value, INTEGER, lambda counts, ctx, phase=phase: counts.get(phase, 0)) for phase in Phase]
    + [Field("none", INTEGER, lambda counts, ctx: counts.get(None, 0), "Startups sans période commencée.")],
    "Nombre de startups par phase actuelle.",
)


def _counts(rows: list[tuple[str, str | None]]) -> dict[Phase | None, int]:
    counts: dict[Phase | None, int] = {}
    for _, phase in rows:
        key = Phase(phase) if phase is not None else None
        counts[key] = counts.get(key, 0) + 1
    return counts


def _portfolio_fields(loader) -> list[Field]:
    """The fields an incubator and an organisation share: their startups and the counts per phase."""
    return [
        Field("startup_count", INTEGER, lambda o, ctx: len(ctx.loaded(loader).get(o.id, []))),
        Field("phase_counts", PHASE_COUNTS, lambda o, ctx: PHASE_COUNTS.dump(_counts(ctx.loaded(loader).get(o.id, [])), ctx)),
        Field("startups", STRINGS, lambda o, ctx: [sid for sid, _ in ctx.loaded(loader).get(o.id, [])],
              "Identifiants des startups, triés par identifiant."),
    ]


INCUBATOR = Schema(
    "Incubator",
    [
        Field("id", STRING, lambda i, ctx: i.id),
        Field("name", STRING, lambda i, ctx: i.name),
        Field("owner", nullable(ORGANISATION_REF), lambda i, ctx: _ref(ORGANISATION_REF, i.owner, ctx),
              "L'administration qui porte l'incubateur."),
        Field("website", nullable(STRING), lambda i, ctx: i.website),
        Field("github", nullable(STRING), lambda i, ctx: i.github),
        Field("address", nullable(STRING), lambda i, ctx: i.address),
        Field("description", nullable(STRING), lambda i, ctx: i.description),
        *_portfolio_fields(startups_of_incubators),
    ],
)

ORGANISATION = Schema(
    "Organisation",
    [
        Field("id", STRING, lambda o, ctx: o.id),
        Field("name", STRING, lambda o, ctx: o.name),
        Field("acronym", nullable(STRING), lambda o, ctx: o.acronym),
        Field("kind", nullable(STRING), lambda o, ctx: o.kind, "Type d'administration."),
        Field("ministerial_domain", nullable(STRING), lambda o, ctx: o.ministerial_domain),
        *_portfolio_fields(startups_of_sponsors),
    ],
    "Une administration partenaire ; ses startups sont celles qu'elle sponsorise.",
)


# --- envelopes ---

PAGE_META = Schema(
    "PageMeta",
    [
        Field("total", INTEGER, lambda p, ctx: p.total, "Nombre total de résultats, toutes pages confondues."),
        Field("page", INTEGER, lambda p, ctx: p.page),
        Field("per_page", INTEGER, lambda p, ctx: p.per_page),
        Field("pages", INTEGER, lambda p, ctx: p.pages),
    ],
)

PAGE_LINKS = Schema(
    "PageLinks",
    [Field(rel, nullable(STRING), lambda p, ctx, rel=rel: p.links.get(rel)) for rel in ("self", "first", "prev", "next", "last")],
    "Adresses des pages (également dans l'en-tête Link).",
)

LIST_META = Schema("ListMeta", [Field("total", INTEGER, lambda items, ctx: len(items))])


def page_of(item: Schema) -> Schema:
    """The envelope of a paginated list: {"data": [...], "meta": {...}, "links": {...}}; dumps a Page."""
    return Schema(
        f"{item.name}Page",
        [
            Field("data", array_of(item), lambda p, ctx: item.dump_many(p.items, ctx.today)),
            Field("meta", PAGE_META, lambda p, ctx: PAGE_META.dump(p, ctx)),
            Field("links", PAGE_LINKS, lambda p, ctx: PAGE_LINKS.dump(p, ctx)),
        ],
    )


def list_of(item: Schema) -> Schema:
    """The envelope of a complete list: {"data": [...], "meta": {"total": n}}; dumps a list."""
    return Schema(
        f"{item.name}List",
        [
            Field("data", array_of(item), lambda items, ctx: item.dump_many(items, ctx.today)),
            Field("meta", LIST_META, lambda items, ctx: LIST_META.dump(items, ctx)),
        ],
    )


STARTUP_PAGE = page_of(STARTUP)
INCUBATOR_LIST = list_of(INCUBATOR)
ORGANISATION_LIST = list_of(ORGANISATION)

OPENAPI_DOCUMENT = Schema(
    "OpenApiDocument",
    [Field(name, {"type": kind}, lambda d, ctx, name=name: d[name])
     for name, kind in (("openapi", "string"), ("info", "object"), ("paths", "object"), ("components", "object"))],
    "Ce document.",
)
