"""/api/v1/donnees/<dataset>: the open datasets of /donnees as JSON, with filters on some columns.

Registered on the API blueprint by api/views.py (imported at its end). Each dataset's response schema is
derived from its Table Schema (donnees.datasets), so that the OpenAPI document, the files and the API
describe the same columns.

Unlike the files of /donnees, which the nightly job stores (donnees/jobs.py), these answers are computed on
request: the filters make too many combinations to store, and the API is read as of now (its ETag, a hash
of the body, still spares a client asking again: core/http_cache.py).
"""

import datetime as dt
import decimal

from api.openapi import Param, endpoint
from api.schema import Field, Schema, nullable
from api.serializers import list_of
from api.views import bp, json_response
from core import clock
from donnees.datasets import DATASETS
from users.permissions import public

JSON_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
              "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"}}

# The columns each dataset may be filtered on (equality), and their parameter's schema.
FILTERS = {
    "startups": ("incubateur", "phase", "active"),
    "periodes": ("startup", "phase"),
    "comites": ("startup", "statut", "decision"),
    "conventions": ("partenaire", "annee"),
    "statistiques": ("figure",),
}


def _value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _row_schema(dataset) -> Schema:
    fields = []
    for column in dataset.fields:
        schema = dict(JSON_TYPES[column.type])
        if column.enum:
            schema["enum"] = list(column.enum)
        fields.append(Field(column.name, schema if column.required else nullable(schema),
                            lambda row, ctx, name=column.name: _value(row[name]), column.description))
    return Schema("Donnees" + dataset.name.capitalize(), fields, dataset.description)


def _param(dataset, name: str) -> Param:
    column = next(c for c in dataset.fields if c.name == name)
    if column.type == "integer":
        schema = {"type": "integer", "minimum": 2000, "maximum": 2100}
    elif column.type == "boolean":
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string", "maxLength": 200}
        if column.enum:
            schema["enum"] = list(column.enum)
    return Param(name, schema, f"Ne garder que les lignes dont la colonne « {name} » vaut cette valeur. {column.description}")


def _register(dataset) -> None:
    rows_schema = list_of(_row_schema(dataset))
    params = [_param(dataset, name) for name in FILTERS[dataset.name]]

    @public
    @endpoint(summary=dataset.title, response=rows_schema, query=params, tag="Données ouvertes",
              description=f"{dataset.description} Les mêmes colonnes que /donnees/{dataset.name}.csv "
                          f"(schéma : /donnees/{dataset.name}.schema.json), filtrables ; calculé à la demande, "
                          f"donc à jour, quand le fichier est mis à jour chaque nuit.")
    def view(query):
        today = clock.today()
        wanted = {name: value for name, value in query.items() if value is not None}
        rows = [row for row in dataset.rows(today, clock.now())
                if all(row[name] == value if not isinstance(value, str) else str(row[name]) == value
                       for name, value in wanted.items())]
        return json_response(rows_schema.dump_one(rows, today))

    view.__name__ = f"donnees_{dataset.name}"
    bp.add_url_rule(f"/donnees/{dataset.name}", endpoint=view.__name__, view_func=view, methods=["GET"])


for _dataset in DATASETS.values():
    _register(_dataset)
