"""/api/v1/conventions: the published conventions (signed, and published on data.gouv.fr or gouvernement.fr),
with their terms, avenants and years (planned / released / engaged / paid, in cents).

Registered on the API blueprint by api/views.py (imported at its end), in the style of api/grids.py.
"""


from api.openapi import NotFound, Param, endpoint
from api.schema import DATE, INTEGER, STRING, Field, Schema, array_of, nullable
from api.serializers import CONVENTION_YEAR, ORGANISATION_REF, years_of, list_of
from api.views import bp, json_of
from conventions.models import Convention, ConventionKind, EndBound, TaxBasis
from conventions.queries import published
from core import clock
from core import dates
from core.db import db
from users.permissions import public


def _iso(value):
    return value.isoformat() if value is not None else None


AMENDMENT = Schema(
    "ConventionAmendment",
    [
        Field("number", INTEGER, lambda a, ctx: a.number),
        Field("signed_on", DATE, lambda a, ctx: a.signed_on.isoformat(), "Date de la dernière signature."),
        Field("summary", STRING, lambda a, ctx: a.summary),
    ],
    "Un avenant ; la version précédente des termes reste consultable sur la page de la convention.",
)

CONVENTION = Schema(
    "Convention",
    [
        Field("id", INTEGER, lambda c, ctx: c.id),
        Field("title", STRING, lambda c, ctx: c.title),
        Field("reference", nullable(STRING), lambda c, ctx: c.reference),
        Field("kind", {"type": "string", "enum": [k.value for k in ConventionKind]}, lambda c, ctx: c.kind.value,
              "delegation : délégation de gestion ; partenariat : convention de partenariat."),
        Field("partner", ORGANISATION_REF, lambda c, ctx: ORGANISATION_REF.dump(c.partner, ctx)),
        Field("startups", array_of(STRING), lambda c, ctx: [s.id for s in c.startups], "Identifiants des startups couvertes."),
        Field("status", STRING, lambda c, ctx: c.status(ctx.today).value,
              "draft, signed, in_force, suspended, ended ou terminated, à la date de la réponse."),
        Field("signed_on", nullable(DATE), lambda c, ctx: _iso(c.signed_on)),
        Field("starts_on", nullable(DATE), lambda c, ctx: _iso(c.starts_on)),
        Field("ends_on", DATE, lambda c, ctx: c.ends_on.isoformat()),
        Field("terminated_on", nullable(DATE), lambda c, ctx: _iso(c.terminated_on)),
        Field("end_bound", {"type": "string", "enum": [b.value for b in EndBound]}, lambda c, ctx: c.end_bound.value),
        Field("tax_basis", {"type": "string", "enum": [t.value for t in TaxBasis]}, lambda c, ctx: c.tax_basis.value),
        Field("chorus", {"type": "object", "additionalProperties": nullable(STRING)}, lambda c, ctx: {
            "uo": c.chorus_uo, "domaine_fonctionnel": c.chorus_domaine, "centre_financier": c.chorus_centre_financier,
            "activites": c.chorus_activites, "centre_de_cout": c.chorus_centre_cout, "axe_ministeriel": c.chorus_axe},
              "Références Chorus, telles que saisies."),
        Field("datagouv_url", nullable(STRING), lambda c, ctx: c.datagouv_url),
        Field("gouvernement_url", nullable(STRING), lambda c, ctx: c.gouvernement_url),
        Field("amendments", array_of(AMENDMENT), lambda c, ctx: [AMENDMENT.dump(a, ctx) for a in c.amendments]),
        Field("years", array_of(CONVENTION_YEAR), lambda c, ctx: years_of(c, ctx)),
        Field("is_demo", {"type": "boolean"}, lambda c, ctx: c.is_demo, "Donnée de démonstration."),
    ],
    "Une convention de délégation de gestion (ou de partenariat) publiée.",
)
CONVENTION_LIST = list_of(CONVENTION)
CONVENTION_ID = Param("convention_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "Identifiant de la convention.")


@bp.get("/conventions")
@public
@endpoint(summary="Les conventions publiées, avec leurs avenants et leurs AE et CP par année",
          description="Les conventions signées et publiées (sur data.gouv.fr ou gouvernement.fr), de la plus "
          "ancienne à la plus récente : le partenaire, les startups financées, les avenants, et pour chaque année "
          "les AE et CP prévus, mis à disposition, engagés et payés, en centimes d'euro (HT ou TTC selon tax_basis).",
          response=CONVENTION_LIST, tag="Conventions")
def conventions():
    query = published().order_by(Convention.id)
    return json_of(lambda: (CONVENTION_LIST.dump_one(db.session.scalars(query).all(), clock.today()), {}))


@bp.get("/conventions/<int:convention_id>")
@public
@endpoint(summary="Une convention publiée", response=CONVENTION, path_params=[CONVENTION_ID], tag="Conventions",
          description="La convention, si elle est signée et publiée ; sinon 404, comme une convention inconnue.")
def convention(convention_id: int):
    def build():
        found = db.session.scalars(published().where(Convention.id == convention_id)).first()
        if found is None:
            raise NotFound(f"Aucune convention publiée n'a l'identifiant « {convention_id} ».")
        return CONVENTION.dump_one(found, clock.today()), {}

    return json_of(build)
