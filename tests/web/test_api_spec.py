"""The OpenAPI document is the single source of truth: every API route is in it and nothing else is."""

from __future__ import annotations

import re

from flask import Flask

from web.api.spec import document, operations

PREFIX = "/api/v1"


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).removeprefix(PREFIX)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, path))
    return found


def test_every_route_is_documented_and_every_documented_operation_has_a_route(app: Flask) -> None:
    routes = _routes(app)
    documented = operations()
    assert routes - documented == set(), "routes missing from web/api/openapi.yaml"
    assert documented - routes == set(), "documented operations without a route"


def test_the_served_document_is_the_yaml_file(app: Flask) -> None:
    served = app.test_client().get(f"{PREFIX}/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == document()
    assert served.get_json()["openapi"].startswith("3.1")


def test_every_operation_has_an_id_and_documents_its_errors() -> None:
    ids = []
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            ids.append(operation["operationId"])
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            if operation.get("security", document()["security"]):
                assert "401" in responses, (method, path)
    assert len(ids) == len(set(ids))


def test_the_path_parameters_match_the_templates() -> None:
    doc = document()
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        params = []
        for p in item.get("parameters", []):
            if "$ref" in p:
                p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
            params.append(p)
        declared = {p["name"] for p in params if p["in"] == "path"}
        assert declared == names, path
