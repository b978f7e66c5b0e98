"""The OpenAPI document is the single source of truth: every API route is in it and nothing else is."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from flask import Flask

from engine.definitions.model import Catalog, StarBand
from tests.web._api_support import Api
from tests.web.conftest import add_people, make_app
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


def test_the_served_document_is_the_yaml_file_with_the_definitions_values_filled_in(app: Flask) -> None:
    served = app.test_client().get(f"{PREFIX}/openapi.json")
    assert served.status_code == 200
    body = served.get_json()
    assert body["openapi"].startswith("3.1")
    assert body["info"] == document()["info"] and body.keys() == document().keys()
    parameters = {
        p["name"]: p["schema"] for p in body["paths"]["/dossiers"]["get"]["parameters"] if "name" in p
    }
    assert parameters["stars"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}  # the OCOP forms' bands
    assert parameters["step"] == {"type": "integer", "enum": [1, 2, 3, 4, 5, 6]}  # the OCOP cycle
    assert "x-ocopflow-values" not in served.get_data(as_text=True)


def _with_six_stars(catalog: Catalog) -> Catalog:
    """The shipped catalog with one scoring form that also gives a sixth star (a regime of its own)."""
    form_id, form = next(iter(catalog.scoring_forms.items()))
    top = max(form.stars, key=lambda band: band.stars)
    bands = (*form.stars, StarBand(stars=top.stars + 1, min=form.max_points, below=None, recognised=True))
    forms = {**catalog.scoring_forms, form_id: dataclasses.replace(form, stars=bands)}
    return dataclasses.replace(catalog, scoring_forms=forms)


def test_the_star_filter_takes_the_star_counts_the_installed_forms_give(
    app: Flask, tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    auth = {"Authorization": f"Bearer {Api(app.test_client()).token('commune1')}"}
    refused = app.test_client().get(f"{PREFIX}/dossiers?stars=6", headers=auth)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "Query parameter 'stars' must be one of 1, 2, 3, 4, 5."
    assert app.test_client().get(f"{PREFIX}/dossiers?stars=5", headers=auth).status_code == 200

    six = make_app(tmp_path / "six", _with_six_stars(catalog), database_url)
    add_people(six)
    try:
        body = six.test_client().get(f"{PREFIX}/openapi.json").get_json()
        stars = next(p for p in body["paths"]["/dossiers"]["get"]["parameters"] if p.get("name") == "stars")
        assert stars["schema"]["enum"] == [1, 2, 3, 4, 5, 6]
        auth = {"Authorization": f"Bearer {Api(six.test_client()).token('commune1')}"}
        listed = six.test_client().get(f"{PREFIX}/dossiers?stars=6", headers=auth)
        assert listed.status_code == 200 and listed.get_json()["items"] == []
    finally:
        six.extensions["ocopflow"].database.engine.dispose()


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
