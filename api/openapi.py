"""Declaring API endpoints once: the same declaration validates the request and writes the OpenAPI document.

A view declares its parameters and its response with @endpoint; the declaration is a JSON Schema per
parameter (Param) and a Schema object for the body (see api.schema). The wrapper parses request.args
against the declared parameters (400 on anything else) and passes the parsed values to the view as
`query`; document() walks the application's url_map and builds the OpenAPI 3.1 document from the same
declarations, so the documentation and the validation cannot drift apart.
"""

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, request

from api.schema import ERROR, Schema, component_schemas, ref
from core.errors import TITLES

# Each operation's example answers (200 and its errors), by operationId and status: real bodies of the API on
# the real fiches, written by tests/api/test_write_examples.py and checked against their schemas by
# tests/api/test_openapi.py.
EXAMPLES = Path(__file__).with_name("examples.json")
UNAVAILABLE = {"error": {"code": "unavailable", "message": TITLES[503][1], "parameter": None}}

OPENAPI_VERSION = "3.1.0"

# What a free string parameter may hold, written into its schema so that the document says what the API
# accepts: no control character (core.errors.check_input refuses them before any view) and something else
# than spaces (parse_query strips a value as str.strip() does and refuses what is left empty). The spaces
# are str.isspace()'s, spelled out: JSON Schema's \s (ECMA-262) counts U+FEFF, Python's does not.
_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f"
_SPACE = "\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
TEXT_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"


class ApiError(Exception):
    """An error the API answers with a JSON body {"error": {"code", "message", "parameter"?}}."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter

    def body(self) -> dict:
        return ERROR.dump_one(self, today=None)


class InvalidParameter(ApiError):
    def __init__(self, parameter: str, message: str):
        super().__init__(400, "invalid_parameter", message, parameter)


class NotFound(ApiError):
    def __init__(self, message: str):
        super().__init__(404, "not_found", message)


@dataclasses.dataclass(frozen=True)
class Param:
    """A query or path parameter: its JSON Schema is both its documentation and its validation rule.

    Supported schemas: string (optionally enum, maxLength), boolean (true/false), integer (with its
    minimum and maximum). A "default" in the schema is the value the view gets when the parameter is absent.
    """

    name: str
    schema: dict
    description: str

    def __post_init__(self):
        if self.schema.get("type") == "integer" and not {"minimum", "maximum"} <= set(self.schema):
            raise ValueError(f"integer parameter {self.name!r} needs a minimum and a maximum")
        if self.schema.get("type") == "string" and "enum" not in self.schema:
            object.__setattr__(self, "schema", {**self.schema, "minLength": 1, "pattern": TEXT_PATTERN})

    @property
    def default(self) -> Any:
        return self.schema.get("default")

    def parse(self, raw: str) -> Any:
        kind = self.schema.get("type")
        if kind == "boolean":
            if raw not in ("true", "false"):
                raise InvalidParameter(self.name, f"Le paramètre « {self.name} » doit valoir true ou false (reçu : « {raw} »).")
            return raw == "true"
        if kind == "integer":
            # The digits 0 to 9 alone: \d would let « ٢ » (read 2 by int()) or « ² » (refused by int()) through.
            if not re.fullmatch(r"[+-]?[0-9]+", raw):
                raise InvalidParameter(self.name, f"Le paramètre « {self.name} » doit être un nombre entier (reçu : « {raw} »).")
            low, high = self.schema["minimum"], self.schema["maximum"]
            # Bounds are compulsory (see __post_init__), so that no huge number ever reaches SQL.
            if len(raw) > 20 or not low <= int(raw) <= high:
                raise InvalidParameter(
                    self.name, f"Le paramètre « {self.name} » doit être compris entre {low} et {high} (reçu : {raw[:30]})."
                )
            return int(raw)
        if kind == "string":
            allowed = self.schema.get("enum")
            if allowed is not None and raw not in allowed:
                raise InvalidParameter(
                    self.name,
                    f"Valeur inconnue pour le paramètre « {self.name} » : « {raw} ». "
                    f"Valeurs acceptées : {', '.join(allowed)}.",
                )
            longest = self.schema.get("maxLength")
            if longest is not None and len(raw) > longest:
                raise InvalidParameter(self.name, f"Le paramètre « {self.name} » dépasse {longest} caractères.")
            return raw
        raise TypeError(f"unsupported parameter schema for {self.name!r}: {self.schema!r}")


@dataclasses.dataclass(frozen=True)
class EndpointSpec:
    summary: str
    response: Schema
    query: tuple[Param, ...] = ()
    path_params: tuple[Param, ...] = ()
    description: str | None = None
    tag: str | None = None


def parse_query(params: Sequence[Param], args) -> dict[str, Any]:
    """The declared parameters' values (defaults when absent); 400 on unknown, repeated, empty or invalid
    ones (`?page=` is refused: a program that sends a parameter means a value)."""
    declared = {p.name: p for p in params}
    for name in args:
        if name not in declared:
            accepted = ", ".join(declared) or "aucun"
            raise InvalidParameter(name, f"Paramètre inconnu « {name} ». Paramètres acceptés : {accepted}.")
    values = {}
    for name, param in declared.items():
        raws = args.getlist(name)
        if len(raws) > 1:
            raise InvalidParameter(name, f"Le paramètre « {name} » ne peut être donné qu'une fois.")
        if not raws:
            values[name] = param.default
            continue
        raw = raws[0].strip()
        if not raw:
            raise InvalidParameter(name, f"Le paramètre « {name} » est vide : donnez une valeur ou retirez-le.")
        values[name] = param.parse(raw)
    return values


def endpoint(
    *,
    summary: str,
    response: Schema,
    query: Sequence[Param] = (),
    path_params: Sequence[Param] = (),
    description: str | None = None,
    tag: str | None = None,
) -> Callable:
    """Declare an API view. A view with query parameters receives their parsed values as `query`."""
    spec = EndpointSpec(summary, response, tuple(query), tuple(path_params), description, tag)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            values = parse_query(spec.query, request.args)
            if spec.query:
                kwargs["query"] = values
            return view(*args, **kwargs)

        wrapper.api_spec = spec
        return wrapper

    return decorator


def _openapi_path(rule: str) -> str:
    """/api/v1/startups/<startup_id> -> /api/v1/startups/{startup_id} (converters dropped)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _parameter(param: Param, location: str) -> dict:
    return {
        "name": param.name,
        "in": location,
        "required": location == "path",
        "description": param.description,
        "schema": param.schema,
    }


def _response(description: str, schema: Schema, example: Any = None) -> dict:
    media = {"schema": ref(schema)}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def _operation(endpoint_name: str, spec: EndpointSpec, examples: dict) -> dict:
    operation = {
        "operationId": endpoint_name,
        "summary": spec.summary,
        "parameters": [_parameter(p, "path") for p in spec.path_params] + [_parameter(p, "query") for p in spec.query],
        "responses": {
            "200": _response("Succès", spec.response, examples.get("200")),
            "400": _response("Paramètre invalide, vide, inconnu ou répété : le paramètre en cause est nommé",
                             ERROR, examples.get("400")),
            "405": _response("Méthode autre que GET (l'en-tête Allow donne celles acceptées)", ERROR, examples.get("405")),
            "503": _response("Base de données momentanément indisponible (réessayer après Retry-After)", ERROR,
                             UNAVAILABLE),
        },
    }
    if spec.path_params:
        operation["responses"]["404"] = _response("Ressource introuvable", ERROR, examples.get("404"))
    if spec.description:
        operation["description"] = spec.description
    if spec.tag:
        operation["tags"] = [spec.tag]
    return operation


def declared_endpoints(app: Flask, blueprint: str) -> list[tuple[Any, EndpointSpec]]:
    """(url rule, spec) for every route of the blueprint declared with @endpoint, in url_map order."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint}."):
            spec = getattr(app.view_functions[rule.endpoint], "api_spec", None)
            if spec is not None:
                found.append((rule, spec))
    return found


def document(app: Flask, blueprint: str, *, title: str, version: str, description: str, server_url: str) -> dict:
    """The OpenAPI 3.1 document of the blueprint's declared routes."""
    paths: dict[str, dict] = {}
    schemas = [ERROR]
    info = {"title": title, "version": version, "description": description}
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    # This document's own example: itself, cut down to one operation.
    examples["openapi"] = {**examples["startup"], "200": {
        "openapi": OPENAPI_VERSION, "info": info, "servers": [{"url": server_url}],
        "paths": {"/api/v1/startups/{startup_id}": {"get": {"operationId": "startup", "summary": "Une Startup d'État"}}},
        "components": {"schemas": {"…": {}}}}}
    examples["openapi"].pop("404", None)
    for rule, spec in sorted(declared_endpoints(app, blueprint), key=lambda item: item[0].rule):
        name = rule.endpoint.removeprefix(f"{blueprint}.")
        operation = _operation(name, spec, examples.get(name, {}))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_openapi_path(rule.rule), {})[method.lower()] = operation
        schemas.append(spec.response)
    return {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": component_schemas(schemas)},
    }
