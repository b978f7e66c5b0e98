"""A form that may not be edited in the dossier's state is read-only on the page and refused by the API."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask

from tests.web._api_support import Api, assert_error_shape

MAU_01, MAU_03 = "ocop-2026-mau-01", "ocop-2026-mau-03"


def _card(page: str, form_id: str) -> str:
    found = re.search(rf'<details class="card form-card" id="form-{form_id}".*?</details>', page, re.S)
    assert found, f"no card for {form_id}"
    return found.group(0)


def test_the_producer_sees_its_submitted_registration_read_only_with_the_reason(
    as_user: Any, walk: Any
) -> None:
    dossier_id = walk("commune_check")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    card = _card(page, MAU_01)
    assert "<fieldset disabled" in card
    assert "Lưu</button>" not in card
    reason = re.search(r'data-testid="read-only-reason">([^<]+)<', card)
    assert reason, card[-600:]
    assert "không được sửa khi hồ sơ ở trạng thái" in reason.group(1)
    assert "Trả lại để bổ sung" in reason.group(1)  # and where it can be edited
    assert f'action="/dossiers/{dossier_id}/evidence"' not in page  # no upload while the commune checks


def test_while_preparing_the_producer_edits_and_uploads(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Lưu</button>" in _card(page, MAU_01)
    assert f'action="/dossiers/{dossier_id}/evidence"' in page


def test_the_commune_officer_edits_mau_03_during_the_check(as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    page = as_user("commune1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    card = _card(page, MAU_03)
    assert "<fieldset disabled" not in card and "Lưu</button>" in card
    assert 'data-testid="read-only-reason"' not in _card(page, MAU_01)  # not theirs at all: plain read-only


def test_a_form_posted_in_a_state_that_does_not_allow_it_is_refused_and_not_saved(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("commune_check")
    b = as_user("producer1")
    response = b.post(f"/dossiers/{dossier_id}/forms/{MAU_01}", {f"f.{MAU_01}.org_name": "Sửa sau khi nộp"})
    assert response.status_code == 403
    assert "không được sửa khi hồ sơ ở trạng thái" in response.get_data(as_text=True)
    service = app.extensions["ocopflow"].service
    saved = service.form_answers(service.actor_for_username("producer1"), dossier_id)[MAU_01]["answers"]
    assert saved.get("org_name") != "Sửa sau khi nộp"


def test_the_api_refuses_a_save_in_such_a_state_with_403_and_the_reason(app: Flask, walk: Any) -> None:
    api = Api(app.test_client())
    dossier_id = walk("commune_check")
    path = f"/dossiers/{dossier_id}/forms/{MAU_01}"
    body = {"answers": {"org_name": "Sửa sau khi nộp"}}

    error = assert_error_shape(
        api.call("PUT", path, "producer1", json=body, headers={"Accept-Language": "en"}),
        403,
        "permission_denied",
    )
    assert error["details"]["reason"] == "form_state"
    assert "cannot be edited while the dossier is 'Commune check and assessment'" in error["message"]

    vietnamese = api.call("PUT", path, "producer1", json=body, headers={"Accept-Language": "vi"})
    error = assert_error_shape(vietnamese, 403, "permission_denied")
    assert "không được sửa khi hồ sơ ở trạng thái" in error["message"]


def test_the_api_refuses_evidence_for_a_form_that_is_closed_now(app: Flask, walk: Any) -> None:
    api = Api(app.test_client())
    dossier_id = walk("commune_check")
    response = api.call(
        "POST",
        f"/dossiers/{dossier_id}/evidence/labour_list",
        "producer1",
        data={"file": (io.BytesIO(b"%PDF-1.4 x"), "list.pdf")},
        content_type="multipart/form-data",
    )
    error = assert_error_shape(response, 403, "permission_denied")
    assert error["details"]["reason"] == "form_state"
