"""The service's errors and field problems (codes with parameters) shown in the reader's language."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask

from engine.errors import PermissionDenied
from engine.messages import say
from tests.web._api_support import Api
from tests.web.filling import form_post
from web.problems import error_text, field_problems

UNITS = {"commune": ["00583"], "province": ["01"]}


@pytest.mark.parametrize(
    ("problem", "vietnamese", "english"),
    [
        (say("field.required"), "Cần điền mục này.", "This is required."),
        (say("field.at_least", min=3), "Phải từ 3 trở lên.", "Must be at least 3."),
        (say("field.max_length", max=200), "Tối đa 200 ký tự.", "At most 200 characters."),
        (
            say("field.evidence_first", document="labour_list"),
            "Hãy tải lên giấy tờ này trước (labour_list).",
            "Upload this document first (labour_list).",
        ),
        (
            say("evidence.too_large", size=123, limit=100),
            "Tệp có 123 byte, vượt giới hạn 100 byte.",
            "The file is 123 bytes; the limit is 100.",
        ),
    ],
)
def test_a_problem_is_rendered_from_its_code_in_the_readers_language(
    app: Flask, problem: Any, vietnamese: str, english: str
) -> None:
    with app.test_request_context("/"):
        assert field_problems({"f": problem}) == {"f": vietnamese}
    with app.test_request_context("/", headers={"Cookie": "ocopflow_lang=en"}):
        assert field_problems({"f": problem}) == {"f": english}


def test_an_error_is_told_in_the_readers_language(app: Flask) -> None:
    exc = PermissionDenied(say("access.permission_needed", permission="administer"), reason="role")
    with app.test_request_context("/"):
        assert error_text(exc) == "Cần quyền «administer»."
    with app.test_request_context("/", headers={"Cookie": "ocopflow_lang=en"}):
        assert error_text(exc) == "The 'administer' permission is needed."


def test_a_field_error_reads_in_vietnamese_then_in_english_after_the_language_switch(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-01"]
    year = next(f for f in form.fields() if f.id == "year")
    low = int(year.min)  # the form's own bound, 2026
    b = as_user("producer1")
    data = form_post(form, UNITS, {"year": str(low - 1)})
    path = f"/dossiers/{dossier_id}/forms/{form.id}"

    page = html.unescape(b.post(path, data).get_data(as_text=True))
    assert f"Phải từ {low} trở lên." in page
    assert f"Must be at least {low}." not in page

    b.post("/lang/en", {"next": f"/dossiers/{dossier_id}"})
    response = b.post(path, data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"Must be at least {low}." in page
    assert f"Phải từ {low} trở lên." not in page


def test_opening_a_dossier_names_the_unknown_commune_in_the_readers_language(as_user: Any) -> None:
    b = as_user("producer1")
    data = {"product_name": "Gốm", "product_set": "01", "producer_org": "HTX", "commune_code": "99999"}
    page = html.unescape(b.post("/dossiers/new", data).get_data(as_text=True))
    assert "Không có xã, phường mã 99999." in page
    b.post("/lang/en", {"next": "/work"})
    page = html.unescape(b.post("/dossiers/new", data).get_data(as_text=True))
    assert "There is no commune with code 99999." in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "Phải là một trong:"), ("en", "Must be one of:"), (None, "Phải là một trong:")],
)
def test_the_api_tells_field_problems_in_the_language_the_client_asks_for(
    app: Flask, language: str | None, expected: str
) -> None:
    api = Api(app.test_client())
    dossier = api.open_dossier()
    headers = {"Accept-Language": language} if language else {}
    path = f"/dossiers/{dossier['id']}/forms/ocop-2026-mau-01"
    response = api.call(
        "PUT", path, "producer1", json={"answers": {"registration_kind": "x"}}, headers=headers
    )
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid_form"
    assert error["details"]["problems"]["registration_kind"].startswith(expected)
    assert ("câu trả lời" in error["message"]) == (language != "en")


@pytest.mark.parametrize(
    ("language", "expected"), [("vi", "Không tìm thấy hồ sơ 999999."), ("en", "Dossier 999999 not found.")]
)
def test_the_api_tells_an_unknown_dossier_in_the_clients_language(
    app: Flask, language: str, expected: str
) -> None:
    api = Api(app.test_client())
    response = api.call("GET", "/dossiers/999999", "producer1", headers={"Accept-Language": language})
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["message"]) == (404, "not_found", expected)
    assert error["details"] == {"dossier_id": 999999}
