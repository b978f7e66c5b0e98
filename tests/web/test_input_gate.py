"""One input gate, the same on SQLite and PostgreSQL: control characters refused on every route
(400 page, 422 in the API), lengths from engine.limits enforced by the service and declared in
the OpenAPI document, LIKE wildcards taken literally, comments capped before the audit chain."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.limits import LONG_TEXT_FIELD_MAX, MAX_LENGTH
from engine.storage import tables
from engine.storage.repository import AreaFilter
from tests.web._api_support import COMMUNE, PRODUCER_ORG, Api, assert_error_shape
from web.api.spec import document

NEW = {"product_name": "Gốm", "product_set": "01", "producer_org": PRODUCER_ORG, "commune_code": COMMUNE}


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def _events(app: Flask) -> int:
    """How many audit events there are (the chain's head)."""
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        return int(repo.audit_head()[0])


def _count(app: Flask) -> int:
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        return int(repo.list_dossiers(AreaFilter(everything=True), {}, 1, 1)[1])


# (user, method, path, form data) of the pages; every one is refused before it reaches the database.
PAGE_CASES = [
    ("producer1", "GET", "/dossiers?q=g%00m", None),
    ("producer1", "GET", "/dossiers?state=idea%1b", None),
    (None, "POST", "/login", {"username": "producer1\x00", "password": "x"}),
    ("auditor", "GET", "/admin/audit?actor=a%00b", None),
    (None, "GET", "/c/01%00/2026", None),
    (None, "GET", "/c/?number=01%00", None),
    ("producer1", "POST", "/dossiers/new", {**NEW, "product_name": "Gốm\x00"}),
    ("producer1", "POST", "/dossiers/new", {**NEW, "product_name": "Gốm\x85"}),
    ("producer1", "POST", "/dossiers/{id}/actions/submit_plan", {"comment": "ý kiến\x00"}),
]


@pytest.mark.parametrize(("user", "method", "path", "data"), PAGE_CASES)
def test_a_control_character_in_a_page_request_is_a_400_page_naming_the_field(
    app: Flask, as_user: Any, browser: Any, api: Api, user: str | None, method: str, path: str, data: Any
) -> None:
    dossier = api.open_dossier()
    client = as_user(user) if user else browser
    path = path.replace("{id}", str(dossier["id"]))
    before = _events(app)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data, page="/login" if user is None else "/dossiers")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert "ký tự điều khiển" in page
    assert _events(app) == before


API_CASES = [
    ("GET", "/dossiers?q=g%00m", None, "q"),
    ("GET", "/dossiers?state=%1b", None, "state"),
    ("GET", "/dossiers/1%00", None, "path"),
    ("POST", "/dossiers", {**NEW, "product_name": "Gốm\x1b[31m"}, "product_name"),
    ("POST", "/dossiers", {**NEW, "producer_org": "HTX\ud800"}, "producer_org"),
    ("POST", "/dossiers/{id}/transitions/submit_plan", {"comment": "a\x00b"}, "comment"),
    ("PUT", "/dossiers/{id}/forms/ocop-2026-mau-01", {"answers": {"org_name": "x\x07"}}, "answers.org_name"),
    ("POST", "/auth/token", {"username": "producer1\x00", "password": "x"}, "username"),
]


@pytest.mark.parametrize(("method", "path", "body", "where"), API_CASES)
def test_a_control_character_in_an_api_request_is_a_422_naming_where(
    app: Flask, api: Api, method: str, path: str, body: Any, where: str
) -> None:
    dossier = api.open_dossier()
    before = _events(app)
    user = None if path == "/auth/token" else "producer1"
    response = api.call(method, path.replace("{id}", str(dossier["id"])), user, json=body)
    error = assert_error_shape(response, 422, "invalid_request")
    assert where in error["details"]["problems"]
    assert _events(app) == before


def test_a_product_name_over_its_limit_is_a_clean_422_and_nothing_is_stored(app: Flask, api: Api) -> None:
    before = _count(app)
    response = api.call("POST", "/dossiers", "producer1", json={**NEW, "product_name": "x" * 301})
    error = assert_error_shape(response, 422)
    assert "product_name" in error["details"]["problems"]
    huge = api.call("POST", "/dossiers", "producer1", json={**NEW, "product_name": "x" * 900_000})
    assert_error_shape(huge, 422)
    assert _count(app) == before
    assert (
        api.call("POST", "/dossiers", "producer1", json={**NEW, "product_name": "x" * 300}).status_code == 201
    )


def test_the_new_dossier_page_says_the_limit_and_keeps_the_text(app: Flask, as_user: Any) -> None:
    before = _count(app)
    response = as_user("producer1").post("/dossiers/new", {**NEW, "product_name": "y" * 301})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tối đa 300 ký tự." in page
    assert "y" * 301 in page  # nothing typed is lost
    assert _count(app) == before


def test_a_comment_over_its_limit_never_enters_the_audit_chain(app: Flask, api: Api, as_user: Any) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/transitions/submit_plan"
    before = _events(app)
    long = "ý" * (MAX_LENGTH["comment"] + 1)
    error = assert_error_shape(api.call("POST", path, "producer1", json={"comment": long}), 422)
    assert error["details"]["reason"] == "comment_text"
    assert "5000" in error["message"]
    page = as_user("producer1").post(
        f"/dossiers/{dossier['id']}/actions/submit_plan", {"comment": "z" * 900_000}
    )
    assert page.status_code == 422
    assert "Tối đa 5000 ký tự." in page.get_data(as_text=True)
    assert _events(app) == before
    fired = api.call("POST", path, "producer1", json={"comment": "ý" * MAX_LENGTH["comment"]})
    assert fired.status_code == 200, fired.get_json()


def test_a_long_text_answer_without_its_own_limit_is_capped(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/forms/ocop-2026-mau-02"
    response = api.call(
        "PUT", path, "producer1", json={"answers": {"history": "h" * (LONG_TEXT_FIELD_MAX + 1)}}
    )
    error = assert_error_shape(response, 422, "invalid_form")
    assert "history" in error["details"]["problems"]


def test_like_wildcards_in_a_search_are_letters(api: Api, as_user: Any) -> None:
    api.open_dossier(product_name="Gốm 100% men lam")
    api.open_dossier(product_name="Gốm 1000 men lam")
    api.open_dossier(product_name="Gốm a_b")

    def names(q: str) -> set[str]:
        items = api.call("GET", "/dossiers", "producer1", query_string={"q": q}).get_json()["items"]
        return {d["product_name"] for d in items}

    assert names("100%") == {"Gốm 100% men lam"}
    assert names("a_b") == {"Gốm a_b"}
    assert names("%") == {"Gốm 100% men lam"}
    assert names("_") == {"Gốm a_b"}
    page = as_user("producer1").get("/dossiers?q=100%25").get_data(as_text=True)
    assert "Gốm 100% men lam" in page and "Gốm 1000 men lam" not in page


def test_the_limits_are_the_columns_lengths(app: Flask) -> None:
    columns = {
        "product_name": tables.dossiers.c.product_name,
        "producer_org": tables.dossiers.c.producer_org,
        "product_set": tables.dossiers.c.product_set,
        "commune_code": tables.dossiers.c.commune_code,
        "kind": tables.dossiers.c.kind,
        "workflow_id": tables.dossiers.c.workflow_id,
        "renews_certificate": tables.dossiers.c.renews_certificate,
        "username": tables.users.c.username,
        "display_name": tables.users.c.display_name,
        "organisation": tables.users.c.organisation,
        "area": tables.users.c.area,
        "document_type": tables.evidence.c.document_type,
        "filename": tables.evidence.c.filename,
    }
    assert {name: column.type.length for name, column in columns.items()} == {
        name: MAX_LENGTH[name] for name in columns
    }


def _body_limits(operation: dict[str, Any]) -> dict[str, int]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return {k: v["maxLength"] for k, v in schema.get("properties", {}).items() if "maxLength" in v}


def test_the_openapi_document_declares_the_limits_the_service_keeps() -> None:
    paths = document()["paths"]
    opened = _body_limits(paths["/dossiers"]["post"])
    for name in ("product_name", "producer_org", "product_set", "commune_code", "kind", "workflow_id"):
        assert opened[name] == MAX_LENGTH[name], name
    fired = _body_limits(paths["/dossiers/{dossier_id}/transitions/{transition_id}"]["post"])
    assert fired["comment"] == MAX_LENGTH["comment"]
    query = {p["name"]: p["schema"].get("maxLength") for p in paths["/dossiers"]["get"]["parameters"]}
    assert query["q"] == MAX_LENGTH["search"]
    assert query["commune_code"] == MAX_LENGTH["commune_code"]
    assert query["product_set"] == MAX_LENGTH["product_set"]
    token = _body_limits(paths["/auth/token"]["post"])
    assert token["username"] == MAX_LENGTH["username"]
