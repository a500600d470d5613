"""The read-only JSON API, /api/v1. Every route is declared with @endpoint (api/openapi.py): its
parameters are validated and documented from that one declaration, at /api/v1/openapi.json.

To add an endpoint: a view here with @bp.get, @public and @endpoint(summary, response, query,
path_params); its response Schema in api/serializers.py. Nothing else to register.
"""

import dataclasses
import math

import orjson
import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy.orm import selectinload

from api import serializers as s
from api.openapi import ApiError, NotFound, Param, document, endpoint
from api.queries import STARTUP_COLUMNS, startup_rows
from api.schema import BOOLEAN, STRING
from committees.due import kept_counts_with_status, with_status
from core.urls import external_url
from core.db import db
from core import clock
from startups.models import Incubator, Organisation, Startup
from startups.phases import Phase
from startups.queries import SORTS, PortfolioFilters, columns_query, count_filtered, total_from_counts, with_details
from users.permissions import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_VERSION = "1.0.0"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000  # keeps the SQL offset far from integer overflow


def encode(payload) -> bytes:
    """JSON in UTF-8 with accents as they are, dates already ISO 8601 strings (orjson: a tenth of the time of
    the standard library's json.dumps for a page of startups)."""
    return orjson.dumps(payload)


def json_response(payload, status: int = 200, headers: dict | None = None):
    return json_body(encode(payload), status, headers)


def json_body(body: bytes, status: int = 200, headers: dict | None = None):
    return current_app.response_class(body, status=status, headers=headers, mimetype="application/json")


def json_of(build):
    """The response of build() — (payload, headers). Answers are the same for every caller of the same URL
    and day: core/http_cache.py gives them an ETag and lets proxies keep them a minute."""
    payload, headers = build()
    return json_response(payload, headers=headers)


def json_list(query, schema):
    """Every row of query, serialised by schema."""
    return json_of(lambda: (schema.dump_one(db.session.scalars(query).all(), clock.today()), {}))


def json_one(query, schema, missing: str):
    """The one row of query, serialised by schema; a 404 saying `missing` if none."""

    def build():
        found = db.session.scalar(query)
        if found is None:
            raise NotFound(missing)
        return schema.dump_one(found, clock.today()), {}

    return json_of(build)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return json_response(error.body(), error.status)


# Errors outside ApiError (500, 503, 405…) are answered by core/errors.py, in JSON under /api/, after rolling
# the transaction back.


# --- startups ---

STARTUP_ID = Param("startup_id", STRING, "Identifiant de la startup : le nom de sa fiche beta.gouv.fr sans .md.")
STARTUP_FILTERS = (
    Param("phase", s.PHASE_CODE, "Phase actuelle."),
    Param("active", BOOLEAN, "true : phase actuelle active ; false : phase terminale ou aucune phase commencée."),
    Param("incubator", {"type": "string", "maxLength": 200}, "Identifiant de l'incubateur."),
    Param("sponsor", {"type": "string", "maxLength": 200}, "Identifiant d'une administration sponsor."),
    Param("q", {"type": "string", "maxLength": 200}, "Texte cherché dans le nom et la mission (sans casse)."),
    Param("committee", s.COMMITTEE_STATUS, "Prochain comité : overdue (en retard), due45 (dû dans les 45 jours), ok."),
    Param("sort", {"type": "string", "enum": list(SORTS), "default": "name"}, "Tri : " + ", ".join(f"{k} ({v})" for k, v in SORTS.items()) + "."),
    Param("order", {"type": "string", "enum": ["asc", "desc"], "default": "asc"}, "Sens du tri."),
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Numéro de page, à partir de 1."),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
          f"Nombre de startups par page (au plus {MAX_PER_PAGE})."),
)


def load_startup_details(query):
    """Everything a serialised startup shows, in one statement per relationship (one startup; the list reads
    its startups as columns: api.queries.startup_rows)."""
    return with_details(query).options(selectinload(Startup.periods), selectinload(Startup.events))


@dataclasses.dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    links: dict[str, str | None]

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)


def paginate(query, details, endpoint_name: str, params: dict, defaults: dict, total: int | None = None) -> Page:
    """One count (unless the caller knows it: `total`) and one page of the query, its items loaded by
    details(the page's select); links keep the request's non-default parameters."""
    page, per_page = params["page"], params["per_page"]
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = details(query.limit(per_page).offset((page - 1) * per_page))
    last = max(1, math.ceil(total / per_page))
    kept = {k: v for k, v in params.items() if v is not None and v != defaults.get(k) and k != "page"}

    def link(number: int) -> str:
        args = {key: str(value).lower() if isinstance(value, bool) else value for key, value in kept.items()}
        if number != 1:
            args["page"] = number
        return external_url(endpoint_name, **args)

    links = {
        "self": link(page),
        "first": link(1),
        "prev": link(min(page - 1, last)) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
        "last": link(last),
    }
    return Page(items, total, page, per_page, links)


def link_header(links: dict[str, str | None]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self")


@bp.get("/startups")
@public
@endpoint(
    summary="Les Startups d'État, filtrées et paginées",
    description="Chaque startup avec sa phase actuelle, ses périodes, ses événements, son incubateur, ses "
    "sponsors et ses liens. Les totaux sont dans meta, les pages suivante et précédente dans links et "
    "dans l'en-tête Link.",
    response=s.STARTUP_PAGE,
    query=STARTUP_FILTERS,
    tag="Startups",
)
def startups(query):
    return json_of(lambda: startups_page(query))


def startups_page(query) -> tuple[dict, dict]:
    today = clock.today()
    filters = PortfolioFilters(
        phase=Phase(query["phase"]) if query["phase"] else None,
        active=query["active"],
        incubator_id=query["incubator"],
        sponsor_id=query["sponsor"],
        text=query["q"],
        sort=query["sort"],
        descending=query["order"] == "desc",
        within=with_status(today, query["committee"]) if query["committee"] else None,
    )
    defaults = {p.name: p.default for p in STARTUP_FILTERS}
    counts = kept_counts_with_status(today, query["committee"], filters) if query["committee"] else None
    total = total_from_counts(counts, filters) if counts is not None else count_filtered(filters, today)
    page = paginate(columns_query(filters, today, STARTUP_COLUMNS), startup_rows, "api.startups", query, defaults,
                    total=total)
    return s.STARTUP_PAGE.dump_one(page, today), {"Link": link_header(page.links)}


@bp.get("/startups/<startup_id>")
@public
@endpoint(summary="Une Startup d'État", response=s.STARTUP, path_params=[STARTUP_ID], tag="Startups",
          description="La startup avec toutes ses phases (dates de début et de fin), ses événements, son "
          "incubateur, ses sponsors, ses liens, l'échéance de son prochain comité et ses financements.")
def startup(startup_id: str):
    query = load_startup_details(sa.select(Startup)).where(Startup.id == startup_id, Startup.archived_at.is_(None))
    return json_one(query, s.STARTUP, f"Aucune startup n'a l'identifiant « {startup_id} ».")


# --- incubators ---

INCUBATOR_ID = Param("incubator_id", STRING, "Identifiant de l'incubateur.")


def _incubators():
    return sa.select(Incubator).where(Incubator.archived_at.is_(None)).options(selectinload(Incubator.owner))


@bp.get("/incubators")
@public
@endpoint(summary="Les incubateurs, avec leurs startups et le nombre de startups par phase", response=s.INCUBATOR_LIST,
          tag="Incubateurs", description="Tous les incubateurs, par ordre alphabétique, avec l'administration qui "
          "les porte, leurs liens, et le nombre de leurs startups dans chaque phase actuelle.")
def incubators():
    return json_list(_incubators().order_by(sa.func.lower(Incubator.name), Incubator.id), s.INCUBATOR_LIST)


@bp.get("/incubators/<incubator_id>")
@public
@endpoint(summary="Un incubateur", response=s.INCUBATOR, path_params=[INCUBATOR_ID], tag="Incubateurs",
          description="L'incubateur, l'administration qui le porte, ses liens et ses startups par phase actuelle.")
def incubator(incubator_id: str):
    return json_one(_incubators().where(Incubator.id == incubator_id), s.INCUBATOR,
                      f"Aucun incubateur n'a l'identifiant « {incubator_id} ».")


# --- organisations ---

ORGANISATION_ID = Param("organisation_id", STRING, "Identifiant de l'administration.")


def _organisations():
    return sa.select(Organisation).where(Organisation.archived_at.is_(None))


@bp.get("/organisations")
@public
@endpoint(
    summary="Les administrations partenaires, avec les startups qu'elles sponsorisent",
    description="Toutes les administrations, par ordre alphabétique, avec le nombre des startups qu'elles "
    "sponsorisent dans chaque phase actuelle.",
    response=s.ORGANISATION_LIST,
    tag="Organisations",
)
def organisations():
    return json_list(_organisations().order_by(sa.func.lower(Organisation.name), Organisation.id),
                       s.ORGANISATION_LIST)


@bp.get("/organisations/<organisation_id>")
@public
@endpoint(summary="Une administration partenaire", response=s.ORGANISATION, path_params=[ORGANISATION_ID],
          tag="Organisations", description="L'administration, son type, son domaine ministériel et le nombre des "
          "startups qu'elle sponsorise dans chaque phase actuelle.")
def organisation(organisation_id: str):
    return json_one(_organisations().where(Organisation.id == organisation_id), s.ORGANISATION,
                      f"Aucune administration n'a l'identifiant « {organisation_id} ».")


# --- the document ---


@bp.get("/")
@public
def docs():
    """The OpenAPI document for a person: Swagger UI inside the DSFR layout (an HTML page, not an endpoint)."""
    return render_template("api/docs.html", active_section="api")


@bp.get("/openapi.json")
@public
@endpoint(summary="Le document OpenAPI 3.1 de cette API", response=s.OPENAPI_DOCUMENT, tag="Documentation",
          description="Ce document, engendré depuis les déclarations des points d'accès : il décrit chaque "
          "paramètre et chaque réponse, avec un exemple de chacune. La page /api/v1/ le présente.")
def openapi():
    return json_response(
        document(
            current_app,
            bp.name,
            title="API Jalons",
            version=API_VERSION,
            description="API publique en lecture seule du portefeuille des Startups d'État du programme "
            "beta.gouv.fr : startups, phases, événements, incubateurs et administrations partenaires.",
            server_url=request.script_root or "/",
        )
    )


# Endpoints of other areas, declared in their own modules on this blueprint.
from api import conventions as _conventions  # noqa: E402,F401
from api import grids as _grids  # noqa: E402,F401
from api import donnees as _donnees  # noqa: E402,F401
