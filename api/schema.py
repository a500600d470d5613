"""Response schemas that serialise and document themselves.

A Schema is a named list of Fields; each Field holds its JSON Schema (documentation) and its getter
(serialisation), side by side, so adding a field to the API is one line in api/serializers.py and the
OpenAPI document follows. A field's JSON Schema may embed other Schema objects (nested objects,
arrays of them): they become "$ref"s to components/schemas.

Getters take (obj, ctx). ctx.today is the date the response is computed for; ctx.loaded(loader)
runs loader(ctx.objects, ctx) once per response, for data that must be fetched for the whole batch in
one query (never one query per object).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from core.errors import API_CODES


class Context:
    def __init__(self, today: dt.date, objects: Sequence = ()):
        self.today = today
        self.objects = list(objects)
        self._loaded: dict[Callable, Any] = {}
        self.memo: dict[Any, Any] = {}

    def loaded(self, loader: Callable[[list, "Context"], Any]) -> Any:
        if loader not in self._loaded:
            self._loaded[loader] = loader(self.objects, self)
        return self._loaded[loader]


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    schema: Any  # a JSON Schema dict, possibly embedding Schema objects
    get: Callable[[Any, Context], Any]
    description: str | None = None


class Schema:
    def __init__(self, name: str, fields: Sequence[Field], description: str | None = None):
        self.name = name
        self.fields = tuple(fields)
        self.description = description
        self._getters = tuple((field.name, field.get) for field in self.fields)  # dump's loop, without attributes
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate field in schema {name}")

    def __repr__(self) -> str:
        return f"Schema({self.name!r})"

    def dump(self, obj, ctx: Context) -> dict:
        return {name: get(obj, ctx) for name, get in self._getters}

    def dump_many(self, objs: Iterable, today: dt.date) -> list[dict]:
        objs = list(objs)
        ctx = Context(today, objs)
        return [self.dump(obj, ctx) for obj in objs]

    def dump_one(self, obj, today: dt.date) -> dict:
        return self.dump_many([obj], today)[0]

    def json_schema(self) -> dict:
        properties = {}
        for field in self.fields:
            prop = resolve(field.schema)
            if field.description:
                prop = {**prop, "description": field.description}
            properties[field.name] = prop
        schema = {"type": "object", "properties": properties, "required": [f.name for f in self.fields]}
        if self.description:
            schema["description"] = self.description
        return schema


def ref(schema: Schema) -> dict:
    return {"$ref": f"#/components/schemas/{schema.name}"}


def resolve(value: Any) -> Any:
    """A field's schema as plain JSON Schema: embedded Schema objects become $refs."""
    if isinstance(value, Schema):
        return ref(value)
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(item) for item in value]
    return value


def _nested(value: Any) -> Iterable[Schema]:
    if isinstance(value, Schema):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _nested(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _nested(item)


def component_schemas(roots: Iterable[Schema]) -> dict[str, dict]:
    """components/schemas for the given schemas and every schema they embed, sorted by name."""
    found: dict[str, Schema] = {}
    pending = list(roots)
    while pending:
        schema = pending.pop()
        if schema.name in found:
            if found[schema.name] is not schema:
                raise ValueError(f"two schemas are named {schema.name}")
            continue
        found[schema.name] = schema
        for field in schema.fields:
            pending.extend(_nested(field.schema))
    return {name: found[name].json_schema() for name in sorted(found)}


# JSON Schema building blocks (OpenAPI 3.1 uses JSON Schema 2020-12: null is a type).
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
URL = {"type": "string", "format": "uri"}


def nullable(schema: Any) -> dict:
    if isinstance(schema, dict) and isinstance(schema.get("type"), str) and set(schema) <= {"type", "format", "enum"}:
        nullable_schema = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            nullable_schema["enum"] = [*schema["enum"], None]
        return nullable_schema
    return {"anyOf": [schema, {"type": "null"}]}


def array_of(schema: Any) -> dict:
    return {"type": "array", "items": schema}


# Every code an error of the API may carry (core/errors.py answers those outside a view).
ERROR_CODES = ["invalid_parameter", *dict.fromkeys(API_CODES.values())]

ERROR_DETAIL = Schema(
    "ErrorDetail",
    [
        Field("code", {"type": "string", "enum": ERROR_CODES}, lambda e, ctx: e.code),
        Field("message", STRING, lambda e, ctx: e.message, "Message en français."),
        Field("parameter", nullable(STRING), lambda e, ctx: e.parameter, "Le paramètre en cause (erreurs 400)."),
    ],
)
ERROR = Schema("Error", [Field("error", ERROR_DETAIL, lambda e, ctx: ERROR_DETAIL.dump(e, ctx))])
