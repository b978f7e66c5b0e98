"""Forms, evidence, clocks and the error each bad request gets."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied, TransitionNotAllowed
from engine.messages import say
from engine.workdays import working_days_between


@pytest.fixture
def dossier(open_dossier):  # type: ignore[no-untyped-def]
    return open_dossier(filed_on=dt.date(2026, 7, 1))


def test_wrong_answers_are_refused_with_one_problem_per_field(service, people, dossier):
    with pytest.raises(InvalidForm) as refused:
        service.save_form(
            people["producer1"],
            dossier.id,
            "ocop-2026-mau-01",
            {
                "year": 1999,
                "registration_kind": "sometimes",
                "commune": "99999",
                "signed_on": "31/12/2026",
                "nope": 1,
            },
        )
    problems = refused.value.problems
    assert set(problems) == {"year", "registration_kind", "commune", "signed_on", "nope"}
    assert problems["year"] == say("field.at_least", min=2026)
    assert problems["registration_kind"].code == "field.one_of"
    assert (problems["signed_on"].code, problems["nope"].code) == ("field.date", "field.unknown")


def test_a_partial_form_is_saved_but_stays_incomplete(service, people, dossier):
    service.save_form(people["producer1"], dossier.id, "ocop-2026-mau-01", {"org_name": "HTX Bánh tráng"})
    saved = service.form_answers(people["producer1"], dossier.id)["ocop-2026-mau-01"]
    assert saved == {"answers": {"org_name": "HTX Bánh tráng"}, "complete": False}


def test_a_hidden_field_keeps_no_answer(service, people, dossier):
    answers = {"registration_kind": "first", "current_stars": 4}
    service.save_form(people["producer1"], dossier.id, "ocop-2026-mau-01", answers)
    saved = service.form_answers(people["producer1"], dossier.id)["ocop-2026-mau-01"]["answers"]
    assert "current_stars" not in saved


def test_only_the_roles_a_form_names_may_edit_it(service, people, dossier):
    with pytest.raises(PermissionDenied) as refused:
        service.save_form(people["commune1"], dossier.id, "ocop-2026-mau-01", {"org_name": "x"})
    assert refused.value.reason == "role"


def test_evidence_is_stored_on_disk_by_content_hash(service, people, dossier, tmp_path):
    record = service.attach_evidence(
        people["producer1"], dossier.id, "labour_list", "lao-dong.pdf", b"%PDF-1.4 list"
    )
    path = service.evidence_path(record["sha256"])
    assert path.parent == tmp_path / "evidence"
    assert path.read_bytes() == b"%PDF-1.4 list"
    assert record["mime"] == "application/pdf" and record["size"] == 13


@pytest.mark.parametrize(
    ("document_type", "filename", "data", "field"),
    [
        ("labour_list", "list.pdf", b"x" * (2 * 1024 + 1), "file"),
        ("labour_list", "list.pdf", b"", "file"),
        ("labour_list", "virus.exe", b"MZ", "filename"),
        ("no_such_document", "list.pdf", b"%PDF", "document_type"),
    ],
    ids=["too-big", "empty", "type-not-allowed", "unknown-document"],
)
def test_evidence_outside_the_limits_is_refused(
    service, people, dossier, document_type, filename, data, field
):
    service.max_evidence_bytes = 2 * 1024
    with pytest.raises(InvalidForm) as refused:
        service.attach_evidence(people["producer1"], dossier.id, document_type, filename, data)
    assert field in refused.value.problems
    assert service.evidence_list(people["producer1"], dossier.id) == []


def test_an_unknown_dossier_is_not_found(service, people):
    with pytest.raises(NotFound):
        service.get_dossier(people["admin"], 999_999)


def test_another_areas_dossier_is_not_found_rather_than_forbidden(service, people, dossier):
    with pytest.raises(NotFound):
        service.get_dossier(people["commune2"], dossier.id)
    with pytest.raises(NotFound):
        service.fire(people["producer2"], dossier.id, "submit_plan")


def test_a_transition_from_the_wrong_state_says_so(service, people, dossier):
    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(people["producer1"], dossier.id, "submit")
    assert refused.value.reason == "state"


def test_a_failed_guard_gives_its_message(service, people, dossier):
    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(people["producer1"], dossier.id, "start_existing_product")
    assert refused.value.reason == "guard"
    assert "upgrade" in str(refused.value)


def test_a_missing_comment_is_refused(service, people, driver, dossier):
    driver.walk(dossier.id, ["commune_check"])
    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(people["commune1"], dossier.id, "commune_return")
    assert refused.value.reason == "comment"


def test_a_stale_version_is_a_conflict_and_changes_nothing(service, people, dossier):
    service.fire(people["producer1"], dossier.id, "submit_plan", expected_version=dossier.version)
    with pytest.raises(Conflict):
        service.fire(people["commune1"], dossier.id, "accept_plan", expected_version=dossier.version)
    assert service.get_dossier(people["commune1"], dossier.id).state == "business_plan"


def test_available_actions_say_why_each_is_refused(service, people, dossier):
    actions = {a.id: a for a in service.available_actions(people["producer1"], dossier.id)}
    assert actions["submit_plan"].allowed
    assert (actions["start_existing_product"].allowed, actions["start_existing_product"].reason) == (
        False,
        "guard",
    )
    commune_view = {a.id: a.reason for a in service.available_actions(people["commune1"], dossier.id)}
    assert commune_view["submit_plan"] == "role"


def test_lists_show_each_reader_only_their_area(service, people, open_dossier):
    mine = open_dossier(filed_on=dt.date(2026, 7, 1))
    theirs = open_dossier(filed_on=dt.date(2026, 7, 1), producer="producer2")
    ids = {name: {d.id for d in service.list_dossiers(people[name]).items} for name in people}
    assert ids["producer1"] == {mine.id} and ids["producer2"] == {theirs.id}
    assert ids["commune1"] == {mine.id}
    assert ids["province1"] == ids["minister"] == {mine.id, theirs.id}
    filtered = service.list_dossiers(people["province1"], filters={"commune_code": mine.commune_code})
    assert [d.id for d in filtered.items] == [mine.id]


def test_the_review_clock_pauses_while_the_dossier_is_returned(service, people, driver, dossier, clock):
    checked = driver.walk(dossier.id, ["commune_check"])
    started = checked.clocks[0]
    assert started.name == "commune_review" and started.days_left == 15
    clock.advance(3)
    used = working_days_between(started.started_on, clock.current.date())
    service.fire(people["commune1"], dossier.id, "commune_return", comment="thiếu giấy tờ")
    clock.advance(60)
    assert service.overdue(people["commune1"]) == []  # paused: not overdue however long it waits
    service.fire(people["producer1"], dossier.id, "resubmit")
    resumed = service.get_dossier(people["commune1"], dossier.id).clocks[0]
    assert resumed.paused_on is None and resumed.paused_days > 0
    assert resumed.days_left == 15 - used  # only the working days before the return counted
    clock.advance(40)
    late = service.overdue(people["commune1"])
    assert [d.id for d in late] == [dossier.id] and late[0].overdue
    assert service.overdue(people["commune2"]) == []


def test_a_document_is_served_only_to_those_who_see_its_dossier(service, people, dossier):
    record = service.attach_evidence(
        people["producer1"], dossier.id, "labour_list", "list.pdf", b"%PDF-1.4 x"
    )
    path, found = service.evidence_file(people["commune1"], dossier.id, record["sha256"])
    assert path.read_bytes() == b"%PDF-1.4 x" and found["filename"] == "list.pdf"
    with pytest.raises(NotFound):
        service.evidence_file(people["producer2"], dossier.id, record["sha256"])
    with pytest.raises(NotFound):
        service.evidence_file(people["commune1"], dossier.id, "0" * 64)


def test_starting_twice_on_the_same_database_stores_each_definition_once(
    service, database, shipped_catalog, tmp_path
):
    from engine.service import Service

    before = service.definition_versions()
    again = Service(database.transaction, shipped_catalog, evidence_dir=tmp_path / "evidence")
    assert again.definition_versions() == before


def test_the_list_filters_by_the_year_a_dossier_was_filed(service, people, open_dossier):
    last_day = open_dossier(filed_on=dt.date(2026, 12, 31))
    first_day = open_dossier(filed_on=dt.date(2027, 1, 1))
    reader = people["province1"]

    def filed_in(year: int) -> list[int]:
        return [d.id for d in service.list_dossiers(reader, filters={"year": year}).items]

    assert filed_in(2026) == [last_day.id]
    assert filed_in(2027) == [first_day.id]
    assert filed_in(2025) == []
