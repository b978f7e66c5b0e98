"""The JSON API as a client uses it: token, dossiers, forms, transitions, scores, history, audit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask

from tests.web._api_support import COMMUNE, PRODUCER_ORG, Api, assert_error_shape
from tests.web.client import PASSWORD, Browser


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def test_a_token_is_issued_for_a_correct_password_only(api: Api) -> None:
    ok = api.client.post("/api/v1/auth/token", json={"username": "producer1", "password": PASSWORD})
    assert ok.status_code == 200 and ok.get_json()["token"]
    wrong = api.client.post("/api/v1/auth/token", json={"username": "producer1", "password": "nope"})
    assert_error_shape(wrong, 401, "unauthenticated")


def test_opening_a_dossier_pins_the_workflow_version_and_lists_the_callers_actions(api: Api) -> None:
    dossier = api.open_dossier()
    assert dossier["workflow_id"] == "ocop-2026"
    assert dossier["workflow_version"] == "2026.2"
    assert dossier["state"] == "idea"
    assert dossier["step"] == 2
    assert dossier["product_name"] == "Bình gốm men lam"
    actions = {a["id"]: a for a in dossier["actions"]}
    assert set(actions) >= {"submit_plan", "withdraw"}
    for action in actions.values():
        assert set(action) >= {"id", "allowed", "reason"}
        assert (action["reason"] is None) == action["allowed"]


def test_the_caller_sees_actions_it_may_not_take_with_the_reason(api: Api) -> None:
    dossier = api.open_dossier()
    seen = api.call("GET", f"/dossiers/{dossier['id']}", "commune1").get_json()
    actions = {a["id"]: a for a in seen["actions"]}
    assert actions["submit_plan"]["allowed"] is False
    assert actions["submit_plan"]["reason"] == "role"
    assert actions["submit_plan"]["message_code"] == "refusal.role"  # one catalog, vi/en by Accept-Language
    assert actions["withdraw"]["kind"] == "destructive" and actions["submit_plan"]["kind"] == "forward"


def test_a_transition_moves_the_dossier_and_returns_the_new_state(api: Api) -> None:
    dossier = api.open_dossier()
    response = api.call("POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "producer1", json={})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "business_plan"
    again = api.call("GET", f"/dossiers/{dossier['id']}", "producer1").get_json()
    assert again["state"] == "business_plan"
    assert again["version"] > dossier["version"]


def test_a_transition_the_caller_may_not_fire_is_403_with_the_reason(api: Api) -> None:
    dossier = api.open_dossier()
    response = api.call("POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "commune1", json={})
    error = assert_error_shape(response, 403, "permission_denied")
    assert error["details"]["reason"] == "role"


def test_a_transition_from_another_state_is_409(api: Api) -> None:
    dossier = api.open_dossier()
    response = api.call("POST", f"/dossiers/{dossier['id']}/transitions/accept_plan", "commune1", json={})
    error = assert_error_shape(response, 409, "transition_not_allowed")
    assert error["details"]["reason"] == "state"


def test_a_failed_guard_is_422_with_the_reason(api: Api) -> None:
    dossier = api.open_dossier()  # kind "first": may not skip steps 2-4
    response = api.call(
        "POST",
        f"/dossiers/{dossier['id']}/transitions/start_existing_product",
        "producer1",
        json={},
        headers={"Accept-Language": "en"},
    )
    error = assert_error_shape(response, 422, "transition_not_allowed")
    assert error["details"]["reason"] == "guard"
    assert "upgrade" in error["message"]


def test_a_stale_expected_version_is_409(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/transitions/submit_plan"
    response = api.call("POST", path, "producer1", json={"expected_version": dossier["version"] + 5})
    assert_error_shape(response, 409, "conflict")


def test_form_answers_that_do_not_fit_are_422_per_field(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/forms/ocop-2026-mau-01"
    response = api.call("PUT", path, "producer1", json={"answers": {"registration_kind": "sometimes"}})
    error = assert_error_shape(response, 422, "invalid_form")
    assert "registration_kind" in error["details"]["problems"]


def test_form_answers_that_fit_are_saved(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/forms/ocop-2026-mau-01"
    response = api.call("PUT", path, "producer1", json={"answers": {"registration_kind": "first"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == dossier["id"]


def test_the_list_is_filtered_by_the_callers_area_and_paginated(api: Api) -> None:
    for i in range(3):
        api.open_dossier(product_name=f"Sản phẩm {i}")
    mine = api.call("GET", "/dossiers?per_page=2", "commune1").get_json()
    assert mine["total"] == 3 and len(mine["items"]) == 2 and mine["page"] == 1
    second = api.call("GET", "/dossiers?per_page=2&page=2", "commune1").get_json()
    assert len(second["items"]) == 1
    assert api.call("GET", "/dossiers", "commune2").get_json()["total"] == 0
    assert api.call("GET", "/dossiers", "producer2").get_json()["total"] == 0


def test_list_filters_narrow_the_result(api: Api) -> None:
    first = api.open_dossier(product_name="Một")
    api.open_dossier(product_name="Hai")
    api.call("POST", f"/dossiers/{first['id']}/transitions/submit_plan", "producer1", json={})
    found = api.call("GET", "/dossiers?state=business_plan", "commune1").get_json()
    assert [d["id"] for d in found["items"]] == [first["id"]]
    assert api.call("GET", "/dossiers?step=2", "commune1").get_json()["total"] == 1
    year = int(first["filed_on"][:4])
    assert api.call("GET", f"/dossiers?year={year}", "commune1").get_json()["total"] == 2
    assert api.call("GET", f"/dossiers?year={year - 1}", "commune1").get_json()["total"] == 0


def test_other_areas_dossiers_and_unknown_ids_are_404_alike(api: Api) -> None:
    dossier = api.open_dossier()
    other = api.call("GET", f"/dossiers/{dossier['id']}", "commune2")
    unknown = api.call("GET", "/dossiers/999999", "commune1")
    assert_error_shape(other, 404, "not_found")
    assert_error_shape(unknown, 404, "not_found")
    for path in ("/history", "/transitions/submit_plan"):
        method = "GET" if path == "/history" else "POST"
        assert api.call(method, f"/dossiers/{dossier['id']}{path}", "producer2", json={}).status_code == 404


def test_the_history_lists_the_dossiers_events_in_order(api: Api) -> None:
    dossier = api.open_dossier()
    api.call(
        "POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "producer1", json={"comment": "xong"}
    )
    events = api.call("GET", f"/dossiers/{dossier['id']}/history", "commune1").get_json()["events"]
    assert [e["action"] for e in events] == ["open", "fire"]
    assert events[1]["from_state"] == "idea" and events[1]["to_state"] == "business_plan"
    assert events[1]["comment"] == "xong"
    assert events[0]["seq"] < events[1]["seq"]


def test_audit_verification_needs_the_audit_permission(api: Api) -> None:
    api.open_dossier()
    result = api.call("GET", "/audit/verify", "auditor")
    assert result.status_code == 200
    body = result.get_json()
    assert body["ok"] is True and body["events"] > 0 and body["first_broken"] is None
    assert_error_shape(api.call("GET", "/audit/verify", "producer1"), 403, "permission_denied")


def test_the_health_endpoint_needs_no_token(api: Api) -> None:
    assert api.client.get("/api/v1/health").get_json() == {"ok": True}


def test_a_session_cookie_never_authenticates_the_api(as_user: Any) -> None:
    browser: Browser = as_user("producer1")
    assert browser.get("/dossiers").status_code == 200  # signed in for pages
    body = {"product_name": "X", "product_set": "01", "producer_org": PRODUCER_ORG, "commune_code": COMMUNE}
    token = browser.token("/dossiers")
    response = browser.client.post("/api/v1/dossiers", json=body, headers={"X-CSRF-Token": token})
    assert_error_shape(response, 401, "unauthenticated")
    assert_error_shape(browser.get("/api/v1/dossiers"), 401, "unauthenticated")


def test_saved_form_answers_can_be_read_back(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/forms"
    api.call("PUT", f"{path}/ocop-2026-mau-01", "producer1", json={"answers": {"registration_kind": "first"}})
    forms = api.call("GET", path, "commune1").get_json()["forms"]
    assert forms["ocop-2026-mau-01"]["answers"]["registration_kind"] == "first"
    assert forms["ocop-2026-mau-01"]["complete"] is False
    assert_error_shape(api.call("GET", path, "commune2"), 404, "not_found")


def test_the_council_result_sums_up_the_members_sheets(api: Api, walk: Any) -> None:
    ident = walk("council_scoring", product_set="01")
    empty = api.call("GET", f"/dossiers/{ident}/council", "chair").get_json()
    assert empty["form_id"] == "ocop-2026-set-01" and empty["totals"] == {} and empty["stars"] is None
    form = api.client.application.extensions["ocopflow"].catalog.scoring_forms["ocop-2026-set-01"]
    best = {c.id: max(c.options, key=lambda o: o.points).id for c in form.criteria() if c.assessed_by is None}
    saved = api.call("PUT", f"/dossiers/{ident}/scores/me", "council1", json={"answers": best, "final": True})
    assert saved.status_code == 200, saved.get_json()
    result = api.call("GET", f"/dossiers/{ident}/council", "chair").get_json()
    assert set(result["totals"]) == {"council1"} and result["totals"]["council1"] > 0
    assert isinstance(result["explanation"], list)


def test_a_file_is_attached_as_evidence_and_listed(api: Api) -> None:
    dossier = api.open_dossier()
    path = f"/dossiers/{dossier['id']}/evidence"
    data = {"file": (io.BytesIO(b"%PDF-1.4 dang ky kinh doanh"), "dkkd.pdf")}
    response = api.call(
        "POST", f"{path}/business_registration", "producer1", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert record["filename"] == "dkkd.pdf" and record["size"] == 27 and len(record["sha256"]) == 64
    listed = api.call("GET", path, "commune1").get_json()["evidence"]
    assert [e["document_type"] for e in listed] == ["business_registration"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"file": "x"}}, 415, "unsupported_media_type"),
        ({"data": {}, "content_type": "multipart/form-data"}, 422, "invalid_form"),
        (
            {"data": {"file": (io.BytesIO(b"MZ..."), "virus.exe")}, "content_type": "multipart/form-data"},
            422,
            "invalid_form",
        ),
        # the declared length is enough to refuse it; nothing is read
        (
            {"data": b"x" * (11 * 1024 * 1024), "content_type": "multipart/form-data; boundary=b"},
            413,
            "too_large",
        ),
    ],
    ids=["not multipart", "no file", "wrong type", "too large"],
)
def test_a_wrong_upload_is_refused_with_a_reason(
    api: Api, kwargs: dict[str, Any], status: int, code: str
) -> None:
    dossier = api.open_dossier()
    response = api.call(
        "POST", f"/dossiers/{dossier['id']}/evidence/business_registration", "producer1", **kwargs
    )
    assert_error_shape(response, status, code)
