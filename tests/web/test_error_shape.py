"""Every API error has one shape, {"error": {"code", "message", "details"}}, and one status per cause."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.web._api_support import COMMUNE, PRODUCER_ORG, Api, assert_error_shape

NEW = {"product_name": "Gốm", "product_set": "01", "producer_org": PRODUCER_ORG, "commune_code": COMMUNE}


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


@pytest.fixture
def dossier(api: Api) -> dict[str, Any]:
    return api.open_dossier()


# (method, path, user, request kwargs, status, code); {id} is an existing dossier of producer1.
CASES = [
    ("GET", "/dossiers", None, {}, 401, "unauthenticated"),
    ("GET", "/dossiers", "bad-token", {}, 401, "unauthenticated"),
    (
        "POST",
        "/auth/token",
        None,
        {"data": "{not json", "content_type": "application/json"},
        400,
        "bad_request",
    ),
    ("POST", "/auth/token", None, {"json": ["a", "list"]}, 400, "bad_request"),
    ("POST", "/auth/token", None, {"json": {"username": "producer1"}}, 422, "invalid_request"),
    ("POST", "/auth/token", None, {"json": {"username": 5, "password": "x"}}, 422, "invalid_request"),
    ("POST", "/auth/token", None, {"json": {"username": "nobody", "password": "x"}}, 401, "unauthenticated"),
    ("POST", "/dossiers", "producer1", {}, 400, "bad_request"),
    ("POST", "/dossiers", "producer1", {"json": {**NEW, "commune_code": "99999"}}, 422, "invalid_form"),
    ("POST", "/dossiers", "producer1", {"json": {**NEW, "filed_on": "yesterday"}}, 422, "invalid_request"),
    ("POST", "/dossiers", "producer1", {"json": {**NEW, "product_name": None}}, 422, "invalid_request"),
    ("POST", "/dossiers", "auditor", {"json": NEW}, 403, "permission_denied"),
    (
        "POST",
        "/dossiers",
        "producer1",
        {"data": b"x" * 1_000_001, "content_type": "application/json"},
        413,
        "too_large",
    ),
    ("GET", "/dossiers?page=0", "producer1", {}, 400, "bad_request"),
    ("GET", "/dossiers?per_page=abc", "producer1", {}, 400, "bad_request"),
    ("GET", "/dossiers?q=a%00b", "producer1", {}, 422, "invalid_request"),
    ("POST", "/dossiers", "producer1", {"json": {**NEW, "product_name": "a\x00b"}}, 422, "invalid_request"),
    ("GET", "/dossiers/999999", "producer1", {}, 404, "not_found"),
    ("GET", "/dossiers/abc", "producer1", {}, 404, "not_found"),
    ("GET", "/dossiers/-1", "producer1", {}, 404, "not_found"),
    ("GET", "/dossiers/{id}", "producer2", {}, 404, "not_found"),
    ("GET", "/dossiers/{id}/history", "commune2", {}, 404, "not_found"),
    ("PUT", "/dossiers/{id}/forms/no-such-form", "producer1", {"json": {"answers": {}}}, 404, "not_found"),
    (
        "PUT",
        "/dossiers/{id}/forms/ocop-2026-mau-01",
        "producer1",
        {"json": {"answers": []}},
        422,
        "invalid_request",
    ),
    (
        "PUT",
        "/dossiers/{id}/forms/ocop-2026-mau-01",
        "producer1",
        {"json": {"answers": {"registration_kind": "x"}}},
        422,
        "invalid_form",
    ),
    ("POST", "/dossiers/{id}/transitions/no_such_transition", "producer1", {"json": {}}, 404, "not_found"),
    ("POST", "/dossiers/{id}/transitions/submit_plan", "commune1", {"json": {}}, 403, "permission_denied"),
    (
        "POST",
        "/dossiers/{id}/transitions/accept_plan",
        "commune1",
        {"json": {}},
        409,
        "transition_not_allowed",
    ),
    (
        "POST",
        "/dossiers/{id}/transitions/start_existing_product",
        "producer1",
        {"json": {}},
        422,
        "transition_not_allowed",
    ),
    (
        "POST",
        "/dossiers/{id}/transitions/submit_plan",
        "producer1",
        {"json": {"expected_version": 99}},
        409,
        "conflict",
    ),
    (
        "POST",
        "/dossiers/{id}/transitions/submit_plan",
        "producer1",
        {"json": {"comment": 5}},
        422,
        "invalid_request",
    ),
    (
        "PUT",
        "/dossiers/{id}/scores/me",
        "producer1",
        {"json": {"answers": {"1.1": "a"}}},
        403,
        "permission_denied",
    ),
    ("PUT", "/dossiers/{id}/scores/me", "council1", {"json": {"answers": {"1.1": 3}}}, 422, "invalid_form"),
    ("GET", "/audit/verify", "producer1", {}, 403, "permission_denied"),
    ("GET", "/no/such/route", "producer1", {}, 404, "not_found"),
    ("DELETE", "/dossiers", "producer1", {}, 405, "method_not_allowed"),
    ("POST", "/no/such/route", None, {"json": {}}, 404, "not_found"),
]


@pytest.mark.parametrize(
    ("method", "path", "user", "kwargs", "status", "code"),
    CASES,
    ids=[f"{c[0]} {c[1]} -> {c[4]} {c[5]}" for c in CASES],
)
def test_every_error_has_the_one_shape_and_its_status(
    api: Api,
    dossier: dict[str, Any],
    method: str,
    path: str,
    user: str | None,
    kwargs: dict[str, Any],
    status: int,
    code: str,
) -> None:
    headers = {}
    if user == "bad-token":
        headers["Authorization"] = "Bearer ocf_not-a-real-token"
        user = None
    response = api.call(method, path.replace("{id}", str(dossier["id"])), user, headers=headers, **kwargs)
    assert_error_shape(response, status, code)


def test_a_refusal_names_its_reason_in_the_details(api: Api, dossier: dict[str, Any]) -> None:
    response = api.call("POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "commune1", json={})
    assert assert_error_shape(response, 403)["details"]["reason"] == "role"


def test_form_problems_are_named_by_field(api: Api, dossier: dict[str, Any]) -> None:
    path = f"/dossiers/{dossier['id']}/forms/ocop-2026-mau-01"
    response = api.call("PUT", path, "producer1", json={"answers": {"registration_kind": "x"}})
    problems = assert_error_shape(response, 422)["details"]["problems"]
    assert isinstance(problems, dict) and isinstance(problems["registration_kind"], str)


def test_unauthenticated_answers_say_how_to_authenticate(api: Api) -> None:
    response = api.call("GET", "/dossiers")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "/api/v1/auth/token" in assert_error_shape(response, 401)["message"]


def test_an_unknown_id_and_another_areas_dossier_answer_the_same(api: Api, dossier: dict[str, Any]) -> None:
    other = api.call("GET", f"/dossiers/{dossier['id']}", "commune2").get_json()
    unknown = api.call("GET", "/dossiers/999999", "commune2").get_json()
    assert other["error"]["code"] == unknown["error"]["code"] == "not_found"
    # nothing in the answer tells that the first one exists
    assert other["error"]["message"].replace(str(dossier["id"]), "N") == unknown["error"]["message"].replace(
        "999999", "N"
    )
    assert other["error"]["details"] == {"dossier_id": dossier["id"]}
    assert unknown["error"]["details"] == {"dossier_id": 999999}


@pytest.mark.parametrize(("language", "expected"), [("vi", "Chỉ hồ sơ nâng hạng"), ("en", "Only upgrade")])
def test_a_refusal_is_told_in_the_language_the_client_asks_for(
    api: Api, dossier: dict[str, Any], language: str, expected: str
) -> None:
    path = f"/dossiers/{dossier['id']}/transitions/start_existing_product"
    response = api.call("POST", path, "producer1", json={}, headers={"Accept-Language": language})
    assert assert_error_shape(response, 422)["message"].startswith(expected)


@pytest.mark.parametrize("query", ["stars=", "year=", "step=", "page=", "per_page="])
def test_an_empty_integer_parameter_is_refused_as_the_document_says(api: Api, query: str) -> None:
    assert_error_shape(api.call("GET", f"/dossiers?{query}", "producer1"), 400, "bad_request")
