"""The dossier page starts with what the reader has to do now; destructive steps are set apart and
confirmed on a page that says what they do; forms that are not the reader's stay out of the way."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask


def section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


def test_the_producer_reads_first_what_is_missing_each_item_a_link_to_its_field(
    as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert page.index('data-testid="todo"') < page.index('data-testid="cycle"')  # before anything else
    todo = section(page, "todo")
    assert "Việc cần làm ngay" in todo
    assert "Để «Nộp hồ sơ cho UBND cấp xã», còn thiếu:" in todo
    link = re.search(r'<a href="#field-ocop-2026-mau-01-representative">([^<]+)</a>', todo)
    assert link and link.group(1) == "Họ tên người đại diện pháp lý"
    assert 'id="field-ocop-2026-mau-01-representative"' in page  # the link lands on the field


def test_the_producer_does_not_see_forms_that_are_not_theirs_nor_an_empty_score_block(
    as_user: Any, walk: Any
) -> None:
    dossier_id = walk("idea")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'id="form-ocop-2026-mau-01"' in page
    assert 'id="form-ocop-2026-mau-03"' not in page  # the commune's report, still empty
    assert 'id="form-ocop-2026-thu-hoi"' not in page  # the revocation form
    assert 'id="h-scores"' not in page  # no sheet yet: no score block
    # the commune, whose form Mẫu 03 is, sees it
    commune_page = as_user("commune1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'id="form-ocop-2026-mau-03"' in commune_page


def test_a_returned_dossier_shows_the_reason_at_the_top(as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    commune = as_user("commune1")
    reason = "Bổ sung danh sách lao động địa phương"
    assert (
        commune.post(f"/dossiers/{dossier_id}/actions/commune_return", {"comment": reason}).status_code == 302
    )
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    todo = section(page, "todo")
    assert "Hồ sơ được trả lại: Trả lại để bổ sung" in todo
    assert reason in todo
    assert page.index(reason) < page.index('id="history"')


def test_the_commune_is_told_its_sheet_and_form_are_missing_and_the_deadline(as_user: Any, walk: Any) -> None:
    dossier_id = walk("commune_check")
    todo = section(as_user("commune1").get(f"/dossiers/{dossier_id}").get_data(as_text=True), "todo")
    assert "Thời hạn:" in todo and "15 ngày làm việc" in todo
    assert 'href="#field-ocop-2026-mau-03-' in todo  # Mẫu 03's fields
    assert f'href="/dossiers/{dossier_id}/score"' in todo or "/score" in todo  # the commune's own sheet


def test_withdraw_is_secondary_and_asks_for_confirmation_saying_what_it_does(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    withdraw = page[page.index('data-testid="action-withdraw"') :]
    withdraw = withdraw[: withdraw.index("</div>")]
    assert 'class="button warning"' in withdraw and "<form" not in withdraw  # a link to the confirmation
    submit = page[page.index('data-testid="action-submit"') :]
    assert page.index('data-testid="action-submit"') < page.index('data-testid="action-withdraw"')
    assert 'class="secondary"' not in submit[: submit.index("</form>")]  # submit is the primary button

    # posting straight to the action never withdraws: it sends to the confirmation page
    response = b.post(f"/dossiers/{dossier_id}/actions/withdraw", {})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/dossiers/{dossier_id}/actions/withdraw/confirm"
    )
    confirm = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn có chắc muốn «Rút hồ sơ»?" in confirm
    assert "Hồ sơ sẽ chuyển sang «Chủ thể rút hồ sơ»." in confirm
    assert "không ai tiếp tục xử lý hay hoàn tác được" in confirm
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    assert service.get_dossier(producer, dossier_id).state == "preparing"

    response = b.post(f"/dossiers/{dossier_id}/actions/withdraw", {"confirmed": "yes"})
    assert response.status_code == 302
    assert service.get_dossier(producer, dossier_id).state == "withdrawn"


def test_a_reject_without_its_reason_stays_on_the_confirmation_with_an_error_summary(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("commune_check")
    b = as_user("commune1")
    response = b.post(f"/dossiers/{dossier_id}/actions/commune_reject", {"confirmed": "yes", "comment": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = page[page.index('data-testid="error-summary"') :]
    assert 'href="#confirm-comment"' in summary and "Bước này cần ghi ý kiến." in summary
    assert 'id="confirm-comment"' in page


def test_the_confirmation_page_is_only_for_an_action_the_reader_has(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    assert as_user("producer1").get(f"/dossiers/{dossier_id}/actions/nope/confirm").status_code == 404
    assert (
        as_user("producer1").get(f"/dossiers/{dossier_id}/actions/commune_reject/confirm").status_code == 404
    )
    checking = walk("commune_check")
    # listed on the page as someone else's step, but not the producer's to confirm
    assert as_user("producer1").get(f"/dossiers/{checking}/actions/commune_reject/confirm").status_code == 404
    assert as_user("commune1").get(f"/dossiers/{checking}/actions/commune_reject/confirm").status_code == 200


def test_english_readers_get_the_checklist_and_the_confirmation_in_english(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    b.post("/lang/en", {"next": "/work"})
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    todo = section(page, "todo")
    assert "What you need to do now" in todo and "Legal representative" in todo
    assert "is not complete" in page  # the engine's refusal, in English
    confirm = b.get(f"/dossiers/{dossier_id}/actions/withdraw/confirm").get_data(as_text=True)
    assert "Are you sure you want to “Withdraw”?" in confirm


def test_an_uploaded_file_is_replaced_then_removed_from_the_page(as_user: Any, walk: Any) -> None:
    import io

    from tests.web.filling import PDF

    dossier_id = walk("preparing")
    b = as_user("producer1")
    sent = b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"document_type": "environment_papers", "file": (io.BytesIO(PDF), "cu.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    replace = re.search(r'action="(/dossiers/\d+/evidence/\d+/replace)"', page)
    assert replace, "each file the reader may change has a replace form"
    response = b.post(
        replace.group(1), {"file": (io.BytesIO(PDF + b"2"), "moi.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "moi.pdf" in page and "cu.pdf</a>" not in page
    assert "Thay tệp minh chứng" in page[page.index('id="history"') :]  # the history says so
    remove = re.search(r'action="(/dossiers/\d+/evidence/\d+/remove)"', page)
    assert remove
    # the commune reads the dossier but changes no file of the producer's
    assert as_user("commune1").post(remove.group(1), {}).status_code == 403
    assert b.post(remove.group(1), {}).status_code == 302
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "moi.pdf</a>" not in page and "Gỡ tệp minh chứng" in page


def test_forms_never_saved_show_what_the_dossier_already_says_and_the_communes_of_its_province(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing", name="Gốm men lam Chu Đậu")
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    form = page[page.index('id="form-ocop-2026-mau-01"') :]
    form = form[: form.index("</details>")]
    assert 'name="f.ocop-2026-mau-01.product_name" value="Gốm men lam Chu Đậu"' in form
    assert 'name="f.ocop-2026-mau-01.org_name" value="HTX Gốm Bát Tràng"' in form
    assert re.search(r'value="21" checked|<option value="21" selected>', form)  # the product set
    commune = form[form.index('name="f.ocop-2026-mau-01.commune"') :]
    commune = commune[: commune.index("</select>")]
    units = app.extensions["ocopflow"].catalog.units
    communes = {u.code: u for us in units.values() for u in us.units.values() if u.level == "commune"}
    offered = set(re.findall(r'<option value="(\d+)"', commune))
    assert "00583" in offered and offered <= {c for c, u in communes.items() if u.parent == "01"}
    assert '<option value="00583" selected>' in commune
    # nothing is saved until the producer saves
    service = app.extensions["ocopflow"].service
    assert "ocop-2026-mau-01" not in service.form_answers(service.actor_for_username("producer1"), dossier_id)


def test_an_answer_that_requires_a_document_lists_it_before_saving(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    url = f"/dossiers/{dossier_id}/forms/ocop-2026-mau-02/visibility"
    before = b.post(url, {"f.ocop-2026-mau-02.has_business_registration": "no"}).get_json()
    assert not before["visible"]["business_registration"]
    assert "business_registration" not in {u["field"] for u in before["uploads"]}
    after = b.post(url, {"f.ocop-2026-mau-02.has_business_registration": "yes"}).get_json()
    assert after["visible"]["business_registration"]
    upload = next(u for u in after["uploads"] if u["field"] == "business_registration")
    assert upload["label"] == "Giấy đăng ký kinh doanh (bản sao)"
    assert upload["anchor"] == "field-ocop-2026-mau-02-business_registration"
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'data-testid="uploads-ocop-2026-mau-02"' in page  # the list forms.js keeps up to date
