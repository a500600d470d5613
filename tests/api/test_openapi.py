"""The OpenAPI document is generated from the routes' declarations: it covers every API route, every
declared parameter, and describes the bodies the API really returns."""

import re
from urllib.parse import quote

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.api.test_startups import get_json
from tests.factories import d, make_incubator, make_organisation, make_startup


@pytest.fixture
def spec(client):
    return get_json(client, "/api/v1/openapi.json")


def api_rules(app):
    """The JSON endpoints (api.docs, /api/v1/ itself, is the HTML page that shows this document)."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs"]


def test_the_documentation_page_shows_the_document_without_inline_script(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'data-openapi-url="/api/v1/openapi.json"' in response.text
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in response.text and "<script>" not in response.text


def openapi_path(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == "API Jalons"
    validate(spec)  # raises on any structural error


def test_every_api_route_is_declared_and_documented_with_its_methods(app, spec):
    rules = api_rules(app)
    assert len(rules) >= 7
    for rule in rules:
        assert hasattr(app.view_functions[rule.endpoint], "api_spec"), f"{rule.endpoint} is not declared with @endpoint"
        assert getattr(app.view_functions[rule.endpoint], "permission", None) == "public"
        operations = spec["paths"][openapi_path(rule)]
        assert set(operations) == {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert set(spec["paths"]) == {openapi_path(rule) for rule in rules}


def test_every_declared_parameter_is_documented_and_every_path_argument_declared(app, spec):
    for rule in api_rules(app):
        declared = app.view_functions[rule.endpoint].api_spec
        operation = spec["paths"][openapi_path(rule)]["get"]
        documented = {(p["name"], p["in"]): p for p in operation["parameters"]}
        assert {name for name, where in documented if where == "path"} == set(rule.arguments)
        for param in declared.query:
            assert documented[(param.name, "query")]["schema"] == param.schema
            assert documented[(param.name, "query")]["description"]
        assert len(documented) == len(declared.query) + len(declared.path_params)


def test_the_startups_parameters_are_documented_with_their_values(spec):
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/startups"]["get"]["parameters"]}
    assert set(parameters) == {"phase", "active", "incubator", "sponsor", "q", "committee", "sort", "order", "page", "per_page"}
    assert "abandon-investigation" in parameters["phase"]["enum"]
    assert parameters["active"] == {"type": "boolean"}
    assert parameters["per_page"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}


def test_errors_are_documented_with_the_error_schema(spec):
    for path, operations in spec["paths"].items():
        responses = operations["get"]["responses"]
        assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if "{" in path:
            assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        for response in responses.values():
            name = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert name in spec["components"]["schemas"]


def matches(spec, schema_name: str, body) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(body)


def test_the_responses_match_their_documented_schemas(client, spec):
    mte = make_organisation("mte", name="Ministère de la Transition écologique", acronym="MTE")
    incubator = make_incubator("fabnum", name="Fabrique numérique", owner=mte)
    make_startup("data.etat", incubator=incubator, sponsors=[mte], link="site sans schéma",
                 phases=[("investigation", d("2021-01-01")), ("construction", d("2099-01-01"))],
                 events=[("fast", d("2021-03-01"))])
    make_startup("seule")

    for url, operation_path in [
        ("/api/v1/startups?per_page=1", "/api/v1/startups"),
        ("/api/v1/startups/" + quote("data.etat"), "/api/v1/startups/{startup_id}"),
        ("/api/v1/startups/seule", "/api/v1/startups/{startup_id}"),
        ("/api/v1/incubators", "/api/v1/incubators"),
        ("/api/v1/incubators/fabnum", "/api/v1/incubators/{incubator_id}"),
        ("/api/v1/organisations", "/api/v1/organisations"),
        ("/api/v1/organisations/mte", "/api/v1/organisations/{organisation_id}"),
        ("/api/v1/openapi.json", "/api/v1/openapi.json"),
    ]:
        documented = spec["paths"][operation_path]["get"]["responses"]
        name = documented["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        matches(spec, name, get_json(client, url))

    matches(spec, "Error", get_json(client, "/api/v1/startups?phase=nulle", 400))
    matches(spec, "Error", get_json(client, "/api/v1/startups/inconnue", 404))


def invalid_value(schema: dict) -> str:
    if "enum" in schema:
        return "valeur-inexistante"
    if schema["type"] == "boolean":
        return "peut-etre"
    if schema["type"] == "integer":
        return str(schema["maximum"] + 1) if "maximum" in schema else "abc"
    return "x" * (schema["maxLength"] + 1)


def test_the_api_validates_each_query_parameter_as_documented(client, spec):
    """Documentation and validation come from one declaration: every documented constraint is enforced."""
    checked = 0
    for path, operations in spec["paths"].items():
        for parameter in operations["get"]["parameters"]:
            if parameter["in"] != "query":
                continue
            body = get_json(client, f"{path}?{parameter['name']}={invalid_value(parameter['schema'])}", 400)
            assert body["error"]["parameter"] == parameter["name"]
            checked += 1
    assert checked >= 9


@pytest.mark.parametrize("refused", ["", "  ", "\u2028", "a\x01b", "a\x85b", "\tfabnum"])
def test_a_string_the_api_refuses_is_one_its_document_refuses(client, spec, refused):
    """Blank values and control characters get a 400 (core.errors.check_input, parse_query): each free string
    parameter's schema says so, or a program reading the document sends them in good faith (Schemathesis'
    « schema-valid request rejected »)."""
    checked = 0
    for path, operations in spec["paths"].items():
        for parameter in operations["get"]["parameters"]:
            schema = parameter["schema"]
            if schema["type"] != "string" or "enum" in schema:
                continue
            validator = OAS31Validator(schema)
            assert validator.is_valid("Fabrique numérique") and validator.is_valid(" fabnum ")
            assert not validator.is_valid(refused), (path, parameter["name"])
            if parameter["in"] == "query":
                assert get_json(client, f"{path}?{parameter['name']}={quote(refused)}", 400)["error"]["parameter"]
            checked += 1
    assert checked >= 10


def test_every_operation_parameter_and_response_is_described_with_an_example_that_matches_its_schema(spec):
    """Walks the document: French summary and description on each operation, a description on each parameter,
    an example on each response (its 2xx one a real body, its errors the French error the API returns), each
    example valid against the response's schema."""
    lacking = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for key in ("summary", "description"):
                if not operation.get(key, "").strip():
                    lacking.append(f"{where}: {key}")
            for parameter in operation["parameters"]:
                if not parameter.get("description", "").strip():
                    lacking.append(f"{where}: description du paramètre {parameter['name']}")
            for status, response in operation["responses"].items():
                media = response["content"]["application/json"]
                if "example" not in media:
                    lacking.append(f"{where}: exemple de la réponse {status}")
                    continue
                matches(spec, media["schema"]["$ref"].rsplit("/", 1)[1], media["example"])
                if status.startswith(("4", "5")):
                    assert media["example"]["error"]["code"] != "internal_error"
                    assert not media["example"]["error"]["message"].isascii(), f"{where} {status}: message en français"
            assert {"200", "400", "405", "503"} <= set(operation["responses"]), where
    assert not lacking, "\n".join(lacking)


def test_the_examples_are_in_a_french_context(spec):
    startup = spec["paths"]["/api/v1/startups/{startup_id}"]["get"]["responses"]
    example = startup["200"]["content"]["application/json"]["example"]
    assert example["id"] == "dossierfacile" and example["current_phase"] == "consolidation"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example["current_phase_start"])
    assert "« inconnue »" in startup["404"]["content"]["application/json"]["example"]["error"]["message"]
    listed = spec["paths"]["/api/v1/startups"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    assert {s["current_phase"] for s in listed["data"]} == {"construction"}
