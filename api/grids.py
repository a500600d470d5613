"""/api/v1/grids: the published evaluation grids, with their latest version, scale and criteria.

Registered on the API blueprint by api/views.py (imported at its end); schemas declared here, in the
style of api/serializers.py, so that the OpenAPI document describes them.
"""


from core import clock
from api.openapi import Param, endpoint
from api.schema import BOOLEAN, INTEGER, STRING, Field, Schema, array_of, nullable
from api.serializers import list_of
from api.views import bp, json_response
from grids.models import CriterionKind, FieldType, GridTemplate, GridVersion
from grids.versions import published_templates
from users.permissions import public

DATE_TIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number"}

GRID_SCALE = Schema(
    "GridScale",
    [Field("min", INTEGER, lambda v, ctx: v.scale_min), Field("max", INTEGER, lambda v, ctx: v.scale_max),
     Field("min_label", nullable(STRING), lambda v, ctx: v.scale_min_label, "Ce que signifie la note min."),
     Field("max_label", nullable(STRING), lambda v, ctx: v.scale_max_label, "Ce que signifie la note max.")],
    "L'échelle des critères notés : une note est un entier de min à max.",
)

GRID_CRITERION = Schema(
    "GridCriterion",
    [
        Field("code", STRING, lambda c, ctx: c.code, "Stable d'une version à l'autre."),
        Field("label", STRING, lambda c, ctx: c.label),
        Field("section", nullable(STRING), lambda c, ctx: c.section),
        Field("kind", {"type": "string", "enum": [k.value for k in CriterionKind]}, lambda c, ctx: c.kind.value,
              "note : noté sur l'échelle ; qualitatif : réponse écrite ; conclusion : champ de conclusion."),
        Field("field_type", nullable({"type": "string", "enum": [t.value for t in FieldType]}),
              lambda c, ctx: None if c.kind is CriterionKind.SCORED else c.field_type.value,
              "Forme de la réponse d'un critère non noté (texte, montant en euros, choix) ; null pour un critère noté."),
        Field("choices", nullable(array_of(STRING)), lambda c, ctx: list(c.choices) if c.choices is not None else None),
        Field("questions", array_of(STRING), lambda c, ctx: list(c.questions or []), "Les questions qui guident la réponse."),
        Field("weight", NUMBER, lambda c, ctx: float(c.weight), "Poids dans la moyenne générale pondérée (1 par défaut)."),
        Field("position", INTEGER, lambda c, ctx: c.position),
        Field("archived", BOOLEAN, lambda c, ctx: c.archived_at is not None,
              "Un critère archivé reste dans la version pour l'historique mais n'est plus rempli."),
    ],
)

GRID_VERSION = Schema(
    "GridVersion",
    [
        Field("number", INTEGER, lambda v, ctx: v.number),
        Field("published_at", DATE_TIME, lambda v, ctx: v.published_at.isoformat()),
        Field("scale", GRID_SCALE, lambda v, ctx: GRID_SCALE.dump(v, ctx)),
        Field("intro", nullable(STRING), lambda v, ctx: v.intro),
        Field("header_fields", array_of(STRING), lambda v, ctx: list(v.header_fields or [])),
        Field("change_note", nullable(STRING), lambda v, ctx: v.change_note),
        Field("criteria", array_of(GRID_CRITERION), lambda v, ctx: [GRID_CRITERION.dump(c, ctx) for c in v.criteria]),
    ],
    "Une version publiée d'une grille : elle ne change plus.",
)


def _versions(template: GridTemplate, ctx) -> list[dict]:
    published: list[GridVersion] = [v for v in template.versions if v.is_published]
    chosen = published[::-1] if ctx.memo.get("all_versions") else published[-1:]
    return [GRID_VERSION.dump(v, ctx) for v in chosen]


GRID_TEMPLATE = Schema(
    "GridTemplate",
    [
        Field("code", STRING, lambda t, ctx: t.code, "lancement, acceleration, arbitrage_sponsor…"),
        Field("title", STRING, lambda t, ctx: t.title),
        Field("latest_version", GRID_VERSION, lambda t, ctx: GRID_VERSION.dump(t.latest_version, ctx)),
        Field("versions", array_of(GRID_VERSION), _versions,
              "La dernière version seule ; toutes les versions publiées, de la plus récente à la plus ancienne, "
              "avec all_versions=true."),
    ],
    "Une grille d'évaluation des comités d'investissement.",
)


class _Templates(list):
    """The templates to dump, with the all_versions choice carried to the getters."""

    def __init__(self, items, all_versions: bool):
        super().__init__(items)
        self.all_versions = all_versions


def _dump_list(items: _Templates, ctx) -> list[dict]:
    ctx.memo["all_versions"] = items.all_versions
    return [GRID_TEMPLATE.dump(t, ctx) for t in items]


_BASE_LIST = list_of(GRID_TEMPLATE)
GRID_TEMPLATE_LIST = Schema(
    _BASE_LIST.name,
    [Field("data", array_of(GRID_TEMPLATE), _dump_list), *[f for f in _BASE_LIST.fields if f.name != "data"]],
)


@bp.get("/grids")
@public
@endpoint(
    summary="Les grilles d'évaluation publiées, avec leur dernière version, leur échelle et leurs critères",
    description="Les grilles officielles du programme (lancement, acceleration, arbitrage_sponsor) et celles "
    "qu'ajoutent les administrateurs. Une grille remplie garde la version avec laquelle elle l'a été.",
    response=GRID_TEMPLATE_LIST,
    query=[Param("all_versions", {"type": "boolean", "default": False},
                 "true : toutes les versions publiées de chaque grille dans versions.")],
    tag="Grilles",
)
def grids(query):
    templates = _Templates(published_templates(), query["all_versions"])
    return json_response(GRID_TEMPLATE_LIST.dump_one(templates, clock.today()))
