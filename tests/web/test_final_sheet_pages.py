"""What scorers, the chair and the producer read: the jump list, check-your-answers, a final
sheet that stays final, the chair's reopening, the council page, and numbers typed the local way."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.web.filling import answers_for_stars, form_post
from tests.web.test_scoring_pages import COUNCIL, scoring_form, sheet_body, submit_sheet

UNITS = {"commune": ["00583"], "province": ["01"]}


def _own(app: Flask, answers: dict[str, str]) -> dict[str, str]:
    """The answers to the council's criteria (the commune scored its own at the commune step)."""
    form = scoring_form(app)
    return {c.id: answers[c.id] for c in form.assessed_by(form.default_assessor)}


def test_the_jump_list_names_each_unscored_criterion_and_shrinks_as_they_are_scored(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    own = _own(app, answers_for_stars(scoring_form(app), 4))
    b = as_user("council1")
    page = b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    todo = page[page.index('data-testid="todo"') : page.index("</nav>", page.index('data-testid="todo"'))]
    links = re.findall(r'href="#c-([^"]+)"', todo)
    assert set(links) == set(own)  # every criterion of the member, each a link to its place
    assert all(f'id="c-{cid}"' in page for cid in links)
    first = dict(list(own.items())[:3])
    assert b.post(f"/dossiers/{dossier_id}/score", sheet_body(first, final=False)).status_code == 302
    page = b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    todo = page[page.index('data-testid="todo"') : page.index("</nav>", page.index('data-testid="todo"'))]
    assert set(re.findall(r'href="#c-([^"]+)"', todo)) == set(own) - set(first)


def test_an_incomplete_sheet_is_stopped_on_the_check_page_with_links_to_what_is_missing(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    own = _own(app, answers_for_stars(scoring_form(app), 4))
    few = dict(list(own.items())[:5])
    b = as_user("council1")
    response = b.post(f"/dossiers/{dossier_id}/score", sheet_body(few, final=True))
    assert response.status_code == 302 and response.headers["Location"].endswith("/score/confirm")
    page = b.get(f"/dossiers/{dossier_id}/score/confirm").get_data(as_text=True)
    assert f"Chưa nộp được: còn {len(own) - 5} tiêu chí chưa chấm" in page
    missing = sorted(set(own) - set(few))
    assert f'/dossiers/{dossier_id}/score#c-{missing[0]}"' in page
    assert 'data-testid="confirm-final"' not in page  # nothing to submit yet
    response = b.post(f"/dossiers/{dossier_id}/score/confirm", {})  # a forged submit is refused
    assert response.status_code == 422
    assert "Chưa nộp được phiếu chính thức" in response.get_data(as_text=True)
    assert "Bản nháp" in b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)


def test_a_submitted_sheet_is_read_only_and_a_new_post_is_refused(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    four = answers_for_stars(scoring_form(app), 4)
    b = as_user("council1")
    b.post(f"/dossiers/{dossier_id}/score", sheet_body(four, final=True))
    confirm = b.get(f"/dossiers/{dossier_id}/score/confirm").get_data(as_text=True)
    assert "Sau khi nộp, bạn không sửa được phiếu này nữa." in confirm
    assert 'data-testid="confirm-final"' in confirm
    assert b.post(f"/dossiers/{dossier_id}/score/confirm", {}).status_code == 302
    page = b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    assert 'data-testid="sheet-final-note"' in page and 'data-testid="save-final"' not in page
    radios = re.findall(r'<input type="radio" name="c\.[^>]+>', page)
    assert radios and all("disabled" in r for r in radios)  # every answer is locked
    response = b.post(f"/dossiers/{dossier_id}/score", sheet_body(four, final=False))
    assert response.status_code == 403
    assert "Phiếu đã nộp chính thức nên không sửa được" in response.get_data(as_text=True)


def test_the_preview_is_the_engines_total_in_the_readers_language(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    form = scoring_form(app)
    four = answers_for_stars(form, 4)
    b = as_user("council1")
    data = b.post(f"/dossiers/{dossier_id}/score/preview", sheet_body(four, final=False)).get_json()
    assert data["stars"] == "★★★★"
    assert data["todo"] == []
    assert data["total"].endswith(" / 100")
    none = b.post(f"/dossiers/{dossier_id}/score/preview", {}).get_json()
    assert none["answered"] == f"0 / {len(_own(app, four))}"
    assert len(none["todo"]) == len(_own(app, four)) and none["todo"][0]["label"].startswith(
        none["todo"][0]["id"]
    )
    assert b.get(f"/dossiers/{dossier_id}/score").status_code == 200
    assert "Bản nháp" not in b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)  # nothing saved


def test_the_chair_is_told_to_hand_in_a_sheet_and_sees_the_totals_explained(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    four = answers_for_stars(scoring_form(app), 4)
    for member in COUNCIL[:-1]:  # every member but the chair
        assert submit_sheet(as_user(member), dossier_id, four).status_code == 302
    chair = as_user("chair")
    page = chair.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert "Bạn là Chủ tịch Hội đồng: bạn cũng phải nộp phiếu chấm chính thức của mình." in page
    assert "Chưa nộp — Chủ tịch cũng phải nộp phiếu chính thức" in page
    assert "Đủ phiếu" in page and "Chưa đủ phiếu" not in page  # 4 of 5 sheets meet the quorum
    assert 'data-testid="totals-explained"' in page  # the commune's points are added, and it says so
    assert re.search(r"\+ [\d,]+</td>", page) and re.search(r'data-testid="combined"[^>]*>= [\d,]+<', page)
    submit_sheet(chair, dossier_id, four)
    page = chair.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert "Kết quả chính thức" in page and 'data-testid="council-next"' not in page


def test_the_producer_sees_the_councils_result_but_no_members_score(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    four = answers_for_stars(scoring_form(app), 4)
    for member in COUNCIL:
        submit_sheet(as_user(member), dossier_id, four)
    page = as_user("producer1").get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert 'data-testid="sheets-hidden"' in page
    rows = re.findall(r'<tr data-testid="member-row">(.*?)</tr>', page, re.S)
    assert rows and all(
        re.search(r'class="num"[^>]*>\s*—\s*</td>\s*$', r) for r in rows
    )  # no total in any row
    assert "★★★★" in page  # the combined result is there


def test_the_chair_reopens_a_sheet_with_a_reason_and_the_member_can_change_it(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    four = answers_for_stars(scoring_form(app), 4)
    member = as_user("council1")
    submit_sheet(member, dossier_id, four)
    chair = as_user("chair")
    assert 'data-testid="reopen"' in chair.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert 'data-testid="reopen"' not in member.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    refused = chair.post(f"/dossiers/{dossier_id}/council/reopen", {"member": "council1", "reason": " "})
    assert "Cần ghi lý do mở lại phiếu." in chair.get(refused.headers["Location"]).get_data(as_text=True)
    forged = member.post(f"/dossiers/{dossier_id}/council/reopen", {"member": "council1", "reason": "tự mở"})
    assert "Chỉ Chủ tịch Hội đồng" in member.get(forged.headers["Location"]).get_data(as_text=True)
    done = chair.post(
        f"/dossiers/{dossier_id}/council/reopen", {"member": "council1", "reason": "Chấm lại 2.1"}
    )
    assert "Đã mở lại phiếu của" in chair.get(done.headers["Location"]).get_data(as_text=True)
    page = member.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    assert "Bản nháp" in page and 'data-testid="save-final"' in page
    history = chair.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Mở lại phiếu chấm đã nộp" in history


def test_numbers_are_read_the_vietnamese_way_and_shown_back_the_same_way(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-02"]
    b = as_user("producer1")
    response = b.post(f"/dossiers/{dossier_id}/forms/{form.id}", form_post(form, UNITS, {"revenue": "1.200"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    service = app.extensions["ocopflow"].service
    saved = service.form_answers(service.actor_for_username("producer1"), dossier_id)[form.id]["answers"]
    assert saved["revenue"] == 1200  # not 1.2
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'name="f.ocop-2026-mau-02.revenue" value="1.200"' in page
    assert (
        "triệu đồng" in page[page.index('name="f.ocop-2026-mau-02.revenue"') :][:400]
    )  # the unit from the YAML


def test_an_ambiguous_number_and_a_wrong_phone_are_refused_with_a_hint(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-02"]
    b = as_user("producer1")
    response = b.post(
        f"/dossiers/{dossier_id}/forms/{form.id}",
        form_post(form, UNITS, {"revenue": "1,200", "phone": "abc"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "«1,200» có thể là 1200 hoặc 1,2: hãy gõ 1200 hoặc 1,2." in page
    assert "Chưa đúng dạng số điện thoại, ví dụ 0912 345 678." in page
    assert 'value="abc"' in page and 'value="1,200"' in page  # what was typed stays to be corrected


def test_hints_show_bounds_as_people_write_them(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Từ 2026 đến 2100" in page and "2026.0" not in page
    b.post("/lang/en", {"next": f"/dossiers/{dossier_id}"})
    english = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "From 2026 to 2100" in english
    form = app.extensions["ocopflow"].catalog.forms["ocop-2026-mau-02"]
    refused = b.post(f"/dossiers/{dossier_id}/forms/{form.id}", form_post(form, UNITS, {"revenue": "1.200"}))
    assert "&#39;1.200&#39; could mean 1200 or 1.2: type 1200 or 1.2." in refused.get_data(as_text=True)
