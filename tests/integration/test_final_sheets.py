"""A final score sheet is complete, confirmed, and final: only the chair's reopening, with a reason, changes it.

Run on both databases (OCOPFLOW_TEST_DATABASE). The dossiers are 2026 dossiers of set 01
walked to the provincial council by the demo's scenario driver.
"""

from __future__ import annotations

import pytest

from engine import audit
from engine.errors import InvalidForm, PermissionDenied
from engine.permissions import Actor
from engine.service.scenario import answers_for_stars


def _at_council(service, driver, open_dossier):  # type: ignore[no-untyped-def]
    dossier = open_dossier()
    at = driver.walk(dossier.id, ["council_scoring"], stars=4)
    assert at.state == "council_scoring"
    form = service.definitions_for(driver.actors[0], dossier.id).scoring_form
    return dossier.id, form


def _member_answers(form, stars: int = 4) -> dict[str, str]:  # type: ignore[no-untyped-def]
    answers, _ = answers_for_stars(form, stars)
    return answers


def test_a_final_sheet_must_score_every_criterion_of_the_scorer(
    service, people, driver, open_dossier
) -> None:  # type: ignore[no-untyped-def]
    dossier_id, form = _at_council(service, driver, open_dossier)
    answers = _member_answers(form)
    few = dict(list(answers.items())[:5])
    with pytest.raises(InvalidForm) as refused:
        service.save_score_sheet(people["council1"], dossier_id, few, final=True)
    assert refused.value.text.code == "scoring.sheet_incomplete"
    view = service.sheet_view(people["council1"], dossier_id)
    assert set(refused.value.problems) == set(view.criteria) - set(few)  # each missing one, by id
    assert view.mine is None  # nothing was saved
    service.save_score_sheet(people["council1"], dossier_id, few)  # a draft may be partial
    assert service.sheet_view(people["council1"], dossier_id).final is False
    saved = service.save_score_sheet(people["council1"], dossier_id, answers, final=True)
    assert saved["final"] is True


def test_a_final_sheet_cannot_change_until_the_chair_reopens_it_with_a_reason(
    service, people, driver, open_dossier
) -> None:  # type: ignore[no-untyped-def]
    dossier_id, form = _at_council(service, driver, open_dossier)
    answers = _member_answers(form)
    member: Actor = people["council1"]
    service.save_score_sheet(member, dossier_id, answers, final=True)
    lower = {**answers, **{k: v for k, v in _member_answers(form, 3).items()}}
    for final in (False, True):
        with pytest.raises(PermissionDenied) as refused:
            service.save_score_sheet(member, dossier_id, lower, final=final)
        assert refused.value.reason == "sheet_final"
    # A member, another member, the provincial chair: none of them is the council's chair.
    for who in ("council1", "council2", "province_chair"):
        with pytest.raises(PermissionDenied) as refused:
            service.reopen_score_sheet(people[who], dossier_id, "council1", "xin chấm lại")
        assert refused.value.reason == "chair"
    chair = people["chair"]
    with pytest.raises(InvalidForm):
        service.reopen_score_sheet(chair, dossier_id, "council1", "   ")  # a reason is required
    with pytest.raises(InvalidForm):
        service.reopen_score_sheet(chair, dossier_id, "council2", "không có phiếu")  # nothing final
    assert service.sheet_view(member, dossier_id).final is True

    service.reopen_score_sheet(chair, dossier_id, "council1", "Chênh lệch lớn, Hội đồng thảo luận lại")
    assert service.sheet_view(member, dossier_id).final is False
    again = service.save_score_sheet(member, dossier_id, lower, final=True)
    assert again["final"] is True

    events = [e for e in service.history(chair, dossier_id) if e.action == "reopen_sheet"]
    assert [(e.actor, e.from_state) for e in events] == [("chair", "council_scoring")]
    assert service.verify_audit().ok  # the reopening is sealed in the hash chain like every change
    assert isinstance(events[0], audit.AuditEvent)


def test_the_reopening_and_its_reason_are_in_the_audit_payload(service, people, driver, open_dossier) -> None:  # type: ignore[no-untyped-def]
    dossier_id, form = _at_council(service, driver, open_dossier)
    service.save_score_sheet(people["council2"], dossier_id, _member_answers(form), final=True)
    service.reopen_score_sheet(people["chair"], dossier_id, "council2", "Nhầm tiêu chí 2.1")
    details = [
        p for e, p in service.history_details(people["auditor"], dossier_id) if e.action == "reopen_sheet"
    ]
    assert details and details[-1]["member"] == "council2" and details[-1]["reason"] == "Nhầm tiêu chí 2.1"


def test_member_sheets_are_seen_only_by_the_roles_the_definitions_name(
    service, people, driver, open_dossier
) -> None:  # type: ignore[no-untyped-def]
    dossier_id, form = _at_council(service, driver, open_dossier)
    answers = _member_answers(form)
    for who in ("council1", "council2"):
        service.save_score_sheet(people[who], dossier_id, answers, final=True)
    assert {r["member"] for r in service.score_sheets(people["council1"], dossier_id)} == {"council1"}
    assert service.score_sheets(people["producer1"], dossier_id) == []
    chair_sees = {r["member"] for r in service.score_sheets(people["chair"], dossier_id)}
    assert {"council1", "council2"} <= chair_sees
    progress = service.council_progress(people["producer1"], dossier_id)
    assert not progress.sheets_visible
    assert all(s.total is None for s in progress.seats)  # the producer sees no member's score
    assert progress.result.total is not None  # but the council's combined result
    for_producer = service.council_result(people["producer1"], dossier_id)  # what the API answers
    assert (for_producer.totals, for_producer.sheet_count) == ({}, 2)
    assert set(service.council_result(people["chair"], dossier_id).totals) == {"council1", "council2"}


def test_the_council_progress_names_who_has_not_handed_in_a_final_sheet(
    service, people, driver, open_dossier
) -> None:  # type: ignore[no-untyped-def]
    dossier_id, form = _at_council(service, driver, open_dossier)
    answers = _member_answers(form)
    for who in ("council1", "council2", "council3", "council4", "council5"):
        service.save_score_sheet(people[who], dossier_id, answers, final=True)
    progress = service.council_progress(people["chair"], dossier_id)
    assert [s.member for s in progress.awaited] == ["chair"]
    assert progress.chair_awaited and progress.result.sheets_quorum_met and not progress.result.quorum_met
    assert progress.result.chair_missing and not progress.result.final
    seat = next(s for s in progress.seats if s.member == "council1")
    assert seat.name != "council1"  # the person's name, not the username
    assert seat.total == pytest.approx(seat.own + (seat.assessors or 0))
    service.save_score_sheet(people["chair"], dossier_id, answers, final=True)
    done = service.council_progress(people["chair"], dossier_id)
    assert done.awaited == () and done.result.final
