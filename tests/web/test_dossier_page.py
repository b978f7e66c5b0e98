"""Working on a dossier: forms keep what was typed, uploads are checked, refusals say why, two languages."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from tests.web.filling import PDF, form_post

UNITS = {"commune": ["00583"], "province": ["01"]}


def test_a_wrong_answer_is_shown_next_to_its_field_and_everything_typed_stays(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-01"]
    b = as_user("producer1")
    data = form_post(form, UNITS, {"year": "hai nghìn", "org_name": "HTX Gốm Bát Tràng (đã nhập)"})
    response = b.post(f"/dossiers/{dossier_id}/forms/{form.id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="error-year"' in page
    assert 'value="hai nghìn"' in page  # the wrong text is still there to correct
    assert 'value="HTX Gốm Bát Tràng (đã nhập)"' in page  # and so is everything else
    assert "Chưa lưu" in page
    saved = app.extensions["ocopflow"].service.form_answers(
        app.extensions["ocopflow"].service.actor_for_username("producer1"), dossier_id
    )
    assert form.id not in saved  # nothing half-saved


def test_a_saved_form_shows_its_answers_and_its_completeness(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-01"]
    b = as_user("producer1")
    response = b.post(
        f"/dossiers/{dossier_id}/forms/{form.id}", {"f.ocop-2026-mau-01.org_name": "HTX Một Phần"}
    )
    assert response.status_code == 302
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'value="HTX Một Phần"' in page
    assert "Chưa đầy đủ" in page  # a draft may be partial


def test_a_field_hidden_by_its_rule_is_not_shown(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    # Mẫu 01 asks for the current stars only when upgrading or re-evaluating
    assert re.search(r'data-field="current_stars" hidden', page)


def test_a_reader_sees_forms_but_cannot_edit_them(as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    page = as_user("auditor").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Bạn chỉ được xem biểu mẫu này." in page
    assert "<fieldset disabled" in page


def upload(b: Any, dossier_id: int, name: str, data: bytes, document: str = "environment_papers") -> Any:
    return b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"document_type": document, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_evidence_is_uploaded_and_listed(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    assert upload(b, dossier_id, "moi-truong.pdf", PDF).status_code == 302
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "moi-truong.pdf" in page
    link = re.search(r'href="(/dossiers/\d+/evidence/\d+)">moi-truong.pdf', page)
    assert link, "the file is a link"
    download = b.get(link.group(1))
    body, status, disposition = download.data, download.status_code, download.headers["Content-Disposition"]
    download.close()
    assert status == 200 and body == PDF
    assert "attachment" in disposition
    assert as_user("commune2").get(link.group(1)).status_code == 404  # another commune
    assert b.get(f"/dossiers/{dossier_id}/evidence/999999").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "document", "message"),
    [
        ("virus.exe", b"MZ...", "environment_papers", "Không nhận tệp .exe"),
        ("empty.pdf", b"", "environment_papers", "Tệp rỗng."),
        ("paper.pdf", PDF, "not_a_document_type", "not_a_document_type"),
    ],
)
def test_a_refused_upload_says_why(
    as_user: Any, walk: Any, name: str, data: bytes, document: str, message: str
) -> None:
    dossier_id = walk("preparing")
    response = upload(as_user("producer1"), dossier_id, name, data, document)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_an_upload_over_the_size_limit_is_refused_with_a_message(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    b = as_user("producer1")
    response = upload(b, dossier_id, "big.pdf", PDF + b"0" * (300 * 1024))
    assert response.status_code == 413
    assert "vượt quá giới hạn" in response.get_data(as_text=True)


def test_an_unavailable_action_is_shown_disabled_with_its_reason(as_user: Any, walk: Any) -> None:
    dossier_id = walk("idea")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    action = page[page.index('data-testid="action-start_existing_product"') :]
    action = action[: action.index("</form>")]
    assert "disabled" in action
    assert "Chỉ hồ sơ nâng hạng hoặc đánh giá lại" in action  # the guard message from the YAML


def test_firing_a_refused_action_explains_it_and_changes_nothing(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    response = b.post(f"/dossiers/{dossier_id}/actions/submit", {"comment": "xin nộp"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    alert = page[page.index('data-testid="action-error"') :]
    alert = alert[: alert.index("</div>")]
    assert "chưa được điền đầy đủ. Còn thiếu:" in alert and "Họ tên người đại diện pháp lý" in alert
    assert 'href="#field-ocop-2026-mau-01-representative"' in alert  # each a link to its field
    # what the dossier already says is filled in, and only saving it is asked for
    assert "Tên đơn vị" not in alert and "điền sẵn từ hồ sơ nhưng chưa được lưu" in alert
    assert "xin nộp" in page  # the comment typed is kept
    assert "Chuẩn bị hồ sơ sản phẩm" in page  # still in the same state


def test_an_action_that_needs_a_comment_asks_for_one(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    b = as_user("commune1")
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    action = page[page.index('data-testid="action-commune_return"') :]
    assert "Ý kiến (bắt buộc)" in action[: action.index("</form>")]
    response = b.post(f"/dossiers/{dossier_id}/actions/commune_return", {"comment": ""})
    assert response.status_code == 422
    assert "Bước này cần ghi ý kiến." in response.get_data(as_text=True)
    response = b.post(
        f"/dossiers/{dossier_id}/actions/commune_return", {"comment": "Bổ sung giấy tờ môi trường"}
    )
    assert response.status_code == 302


def test_a_stale_page_does_not_overwrite_a_newer_change(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    b = as_user("commune1")
    response = b.post(f"/dossiers/{dossier_id}/actions/commune_return", {"comment": "x", "version": "1"})
    assert response.status_code == 302
    assert "người khác thay đổi" in b.get(response.headers["Location"]).get_data(as_text=True)


def test_the_language_switch_turns_the_interface_and_the_yaml_labels_to_english(
    as_user: Any, walk: Any
) -> None:
    dossier_id = walk("idea")
    b = as_user("producer1")
    response = b.post("/lang/en", {"next": f"/dossiers/{dossier_id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/dossiers/{dossier_id}"
    assert "ocopflow_lang=en" in response.headers["Set-Cookie"]
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "My work" in page and "History" in page  # from the message catalog
    assert "Product idea registered" in page  # the state's English label in the YAML
    assert "Only upgrade or re-evaluation dossiers" in page  # the guard message in English
    b.post("/lang/vi", {"next": "/work"})
    assert "Việc của tôi" in b.get("/work").get_data(as_text=True)


def test_the_language_choice_survives_signing_out(as_user: Any) -> None:
    b = as_user("producer1")
    b.post("/lang/en", {"next": "/work"})
    b.post("/logout", page="/work")
    assert "Sign in" in b.get("/login").get_data(as_text=True)


def test_an_unknown_language_falls_back_to_vietnamese(as_user: Any) -> None:
    b = as_user("producer1")
    b.post("/lang/xx", {"next": "https://evil.example/"})
    assert "Việc của tôi" in b.get("/work").get_data(as_text=True)


def test_opening_a_dossier_checks_every_field(as_user: Any) -> None:
    b = as_user("producer1")
    response = b.post("/dossiers/new", {"product_name": "", "product_set": "99", "commune_code": "00583"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Cần điền mục này." in page
    response = b.post("/dossiers/new", {"product_name": "Gốm", "product_set": "99", "commune_code": "00583"})
    assert response.status_code == 422
    assert 'value="Gốm"' in response.get_data(as_text=True)


def test_people_who_do_not_start_dossiers_are_not_offered_to(as_user: Any) -> None:
    assert "Lập hồ sơ mới" in as_user("producer1").get("/dossiers").get_data(as_text=True)
    assert "Lập hồ sơ mới" not in as_user("council1").get("/dossiers").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/"])
def test_the_language_switch_never_redirects_to_another_site(as_user: Any, target: str) -> None:
    response = as_user("producer1").post("/lang/en", {"next": target})
    assert response.headers["Location"] == "/"


def test_the_cycle_bar_names_each_step_as_the_workflow_declares_it(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    bar = page[page.index('data-testid="cycle"') :]
    bar = bar[: bar.index("</ol>")]
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in bar.split("<li")[1:]]
    cells = [cell.partition(">")[2].strip() for cell in cells]
    workflow = app.extensions["ocopflow"].catalog.workflows["ocop-2026"]
    assert cells == [f"Bước {c.step} · {c.label.vi}" for c in workflow.cycle]
    assert cells[0] == "Bước 1 · Tuyên truyền, hướng dẫn" and cells[5] == "Bước 6 · Xúc tiến thương mại"
