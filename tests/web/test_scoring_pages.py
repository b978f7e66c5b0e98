"""The score sheet and the council result, as council members and the chair see them."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from engine import scoring
from tests.web.filling import answers_for_stars

COUNCIL = ["council1", "council2", "council3", "council4", "chair"]


def scoring_form(app: Flask) -> Any:
    return app.extensions["ocopflow"].catalog.scoring_form_for("ocop-2026", "21")


def sheet_body(answers: dict[str, str], final: bool, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {f"c.{cid}": oid for cid, oid in answers.items()}
    body["final"] = "1" if final else "0"
    if flags:
        body["flag"] = list(flags)
    return body


def submit_sheet(client: Any, dossier_id: int, answers: dict[str, str], flags: tuple[str, ...] = ()) -> Any:
    """Save, check the answers, submit: the journey a scorer takes to a final sheet."""
    response = client.post(f"/dossiers/{dossier_id}/score", sheet_body(answers, final=True, flags=flags))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/dossiers/{dossier_id}/score/confirm")
    return client.post(f"/dossiers/{dossier_id}/score/confirm", {})


def test_the_sheet_shows_parts_groups_criteria_options_floors_and_flags(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    form = scoring_form(app)
    page = as_user("council1").get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    for part in form.parts:
        assert f"Phần {part.id}." in page
    criterion = form.criteria()[0]
    for option in criterion.options:
        assert f'name="c.{criterion.id}" value="{option.id}"' in page
    assert "tối thiểu" in page  # a floor mark
    assert 'name="flag" value="forged"' in page  # a rejection box
    assert 'id="scoring-rules"' not in page  # no copy of the scoring rules for the browser


def test_commune_criteria_are_not_answered_by_the_council_once_the_commune_scored_them(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("commune_check")
    form = scoring_form(app)
    commune = [c for c in form.criteria() if c.assessed_by and c.assessed_by != form.default_assessor]
    assert commune, "the form has commune-assessed criteria"
    first = commune[0]

    def radios(page: str) -> str:
        block = page[page.index(f'data-criterion="{first.id}"') :]
        return block[
            : block.index("</fieldset>")
            if "data-criterion" not in block[20:]
            else block.index("data-criterion", 20)
        ]

    # The commune scores its criteria while it checks the dossier (26/2026 Art. 7.2a) …
    commune_answers = {c.id: c.options[-1].id for c in commune}
    response = submit_sheet(as_user("commune1"), dossier_id, commune_answers)
    assert response.status_code == 302
    walk.more(dossier_id, "council_scoring")
    # … and the council sees them answered, not to be answered again.
    council = as_user("council1")
    page = council.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    block = radios(page)
    assert "disabled" in block and "Tiêu chí do" in block
    assert re.search(
        rf'value="{re.escape(first.options[-1].id)}"\s+checked', block
    )  # the commune's answer shown


def test_a_sheet_can_be_saved_part_way_and_finished_later(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("council_scoring")
    form = scoring_form(app)
    answers = answers_for_stars(form, 4)
    own = [c.id for c in form.assessed_by(form.default_assessor)]  # the commune's are already scored
    first_half = {cid: answers[cid] for cid in own[:5]}
    b = as_user("council1")
    response = b.post(f"/dossiers/{dossier_id}/score", sheet_body(first_half, final=False))
    assert response.status_code == 302
    page = b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    assert "Bản nháp" in page
    cid, oid = next(iter(first_half.items()))
    assert re.search(rf'name="c\.{re.escape(cid)}" value="{re.escape(oid)}"\s+checked', page)
    response = submit_sheet(b, dossier_id, answers)
    assert response.status_code == 302
    page = b.get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    assert "Đã nộp chính thức" in page
    assert 'data-testid="server-result"' in page and "★★★★" in page


def test_an_answer_that_is_not_an_option_is_refused_and_the_sheet_kept(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    form = scoring_form(app)
    criterion = form.criteria()[-1]
    b = as_user("council1")
    body = sheet_body({criterion.id: "zzz"}, final=False)
    response = b.post(f"/dossiers/{dossier_id}/score", body)
    assert response.status_code == 422
    assert "Chưa lưu" in response.get_data(as_text=True)


def test_people_without_the_score_permission_cannot_save_a_sheet(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("council_scoring")
    response = as_user("province1").post(
        f"/dossiers/{dossier_id}/score", sheet_body(answers_for_stars(scoring_form(app), 4), final=True)
    )
    assert response.status_code == 403


def test_the_council_result_shows_totals_spread_quorum_stars_and_the_explanation(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("council_scoring")
    form = scoring_form(app)
    four = answers_for_stars(form, 4)
    lowest = scoring.lowest_answers(form)
    for i, member in enumerate(COUNCIL):
        submit_sheet(as_user(member), dossier_id, lowest if i == 0 else four)
    page = as_user("chair").get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert page.count('data-testid="member-row"') >= 5
    assert 'data-testid="spread-warning"' in page  # the lowest sheet is far from the others
    assert "Đủ" in page
    assert 'data-testid="explanation"' in page
    propose = page[page.index('data-testid="action-council_propose"') :]
    assert "disabled" in propose[: propose.index("</form>")]  # re-scoring is needed first


def test_the_chair_proposes_recognition_from_the_council_page(app: Flask, as_user: Any, walk: Any) -> None:
    dossier_id = walk("council_scoring")
    four = answers_for_stars(scoring_form(app), 4)
    for member in COUNCIL:
        submit_sheet(as_user(member), dossier_id, four)
    chair = as_user("chair")
    page = chair.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert "Kết quả chính thức" in page and "★★★★" in page
    response = chair.post(f"/dossiers/{dossier_id}/actions/council_propose", {"comment": ""})
    assert response.status_code == 302
    assert "Chủ tịch UBND cấp tỉnh quyết định" in chair.get(f"/dossiers/{dossier_id}").get_data(as_text=True)


def test_a_council_member_is_told_why_the_sheet_is_closed_before_the_council_sits(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("advisory_review")
    page = as_user("council1").get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    assert 'data-testid="score-refusal"' in page
    assert "Bạn không chấm điểm hồ sơ ở bước này." in page
    assert "Hội đồng cấp tỉnh" in page  # where the member's council sits
    assert 'data-testid="save-final"' not in page
    criterion = scoring_form(app).criteria()[0]
    assert re.search(rf'name="c\.{criterion.id}" value="[^"]+"\s*\n?\s*disabled', page)

    open_page = as_user("council1").get(f"/dossiers/{walk('council_scoring')}/score").get_data(as_text=True)
    assert 'data-testid="score-refusal"' not in open_page
    assert 'data-testid="save-final"' in open_page


def test_the_dossier_page_offers_to_score_only_where_the_reader_scores(as_user: Any, walk: Any) -> None:
    """Before the council sits a member may look at the sheets, but the link does not say 'Score'."""
    link = re.compile(r'data-testid="score-link">([^<]+)<')
    council = as_user("council1")
    waiting = council.get(f"/dossiers/{walk('advisory_review')}").get_data(as_text=True)
    assert link.findall(waiting) == ["Xem phiếu chấm"]
    sitting = council.get(f"/dossiers/{walk('council_scoring')}").get_data(as_text=True)
    assert link.findall(sitting) == ["Chấm điểm"]
    producer = as_user("producer1").get(f"/dossiers/{walk('council_scoring')}").get_data(as_text=True)
    assert link.findall(producer) == []
