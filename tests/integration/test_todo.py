"""The engine says what is missing: refusals carry the missing items by name, and each reader's
checklist lists what they must supply now, the return reason and the deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import TransitionNotAllowed

FILED = dt.date(2026, 7, 1)
MAU_01, MAU_02 = "ocop-2026-mau-01", "ocop-2026-mau-02"


@pytest.fixture
def dossier(open_dossier):  # type: ignore[no-untyped-def]
    return open_dossier(filed_on=FILED)


def test_submit_refused_names_every_missing_field_of_the_form(service, people, driver, dossier):
    producer = people["producer1"]
    driver.walk(dossier.id, ["preparing"])
    service.save_form(producer, dossier.id, MAU_01, {"org_name": "HTX Bánh tráng", "year": 2026})

    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(producer, dossier.id, "submit")

    assert refused.value.reason == f"form:{MAU_01}"
    assert refused.value.message_code == "refusal.form_items"
    vi = refused.value.text.get("vi")
    assert "Còn thiếu:" in vi and "Họ tên người đại diện pháp lý" in vi and "Điện thoại" in vi
    assert "Tên đơn vị" not in vi  # answered
    missing = refused.value.details["missing"]
    fields = {(m.form, m.field) for m in missing}
    assert (MAU_01, "representative") in fields and (MAU_01, "org_name") not in fields
    assert any(m.form == MAU_02 for m in missing)  # the other required form too, not only the first


def test_an_action_says_why_not_with_a_message_code_in_both_languages(service, people, driver, dossier):
    producer = people["producer1"]
    driver.walk(dossier.id, ["preparing"])
    submit = next(a for a in service.available_actions(producer, dossier.id) if a.id == "submit")
    assert not submit.allowed
    assert submit.message_code == "refusal.form"
    assert "Mẫu 01" in submit.message.get("vi") and "is not complete" in submit.message.get("en")
    assert submit.kind == "forward"
    assert {m.field for m in submit.missing if m.form == MAU_01} >= {"representative", "phone", "commitment"}
    # the fields Mẫu 01 takes from the dossier (`prefill`) are not asked for; saving them is
    assert not {m.field for m in submit.missing} & {"org_name", "product_name", "product_set"}
    assert any(m.form == MAU_01 and m.field is None and getattr(m.label, "code", "") == "form.prefilled_not_saved"
               for m in submit.missing)  # fmt: skip
    withdraw = next(a for a in service.available_actions(producer, dossier.id) if a.id == "withdraw")
    assert withdraw.allowed and withdraw.kind == "destructive" and withdraw.missing == ()


def test_the_producers_checklist_lists_the_empty_fields_of_their_forms(service, people, driver, dossier):
    producer = people["producer1"]
    driver.walk(dossier.id, ["preparing"])
    todo = service.todo(producer, dossier.id)
    forms = {m.form for m in todo.items}
    assert forms == {MAU_01, MAU_02}  # Mẫu 03 and the revocation form are not the producer's
    assert todo.primary is not None and todo.primary.id == "submit"
    assert todo.returned is None


def test_a_complete_form_leaves_the_checklist_and_the_commune_sees_its_own_work(
    service, people, driver, dossier
):
    producer, commune = people["producer1"], people["commune1"]
    driver.walk(dossier.id, ["commune_check"])
    assert not [m for m in service.todo(producer, dossier.id).items]  # nothing left for the producer
    todo = service.todo(commune, dossier.id)
    assert {m.form for m in todo.items if m.form} == {"ocop-2026-mau-03"}
    assert todo.deadline is not None and todo.deadline.name == "commune_review"


def test_a_returned_dossier_shows_who_returned_it_and_why(service, people, driver, dossier):
    producer, commune = people["producer1"], people["commune1"]
    driver.walk(dossier.id, ["commune_check"])
    service.fire(commune, dossier.id, "commune_return", comment="Thiếu danh sách lao động")
    todo = service.todo(producer, dossier.id)
    assert todo.returned is not None
    assert todo.returned.comment == "Thiếu danh sách lao động"
    assert todo.returned.actor == commune.id
    assert todo.returned.action.vi == "Trả lại để bổ sung"
    assert todo.primary is not None and todo.primary.id == "resubmit"
    service.fire(producer, dossier.id, "resubmit")
    assert service.todo(producer, dossier.id).returned is None  # back at the commune: no longer returned


def test_a_document_can_be_replaced_or_removed_while_its_form_is_editable_and_each_is_audited(
    service, people, driver, dossier
):
    producer = people["producer1"]
    driver.walk(dossier.id, ["preparing"])
    first = service.attach_evidence(producer, dossier.id, "labour_list", "v1.pdf", b"%PDF-1.4 one")
    second = service.replace_evidence(producer, dossier.id, first["id"], "v2.pdf", b"%PDF-1.4 two")
    files = service.evidence_list(producer, dossier.id)
    assert [e["filename"] for e in files] == ["v2.pdf"] and files[0]["document_type"] == "labour_list"
    service.remove_evidence(producer, dossier.id, second["id"])
    assert service.evidence_list(producer, dossier.id) == []
    actions = [e.action for e in service.history(producer, dossier.id)]
    assert actions[-3:] == ["attach_evidence", "replace_evidence", "remove_evidence"]
    assert service.verify_audit().ok


def test_removing_the_only_document_of_a_required_field_makes_its_form_incomplete_again(
    service, people, driver, dossier
):
    from engine.errors import NotFound, PermissionDenied

    producer, commune = people["producer1"], people["commune1"]
    driver.walk(dossier.id, ["preparing"])
    driver.fill_form(dossier.id, MAU_02)
    saved = service.form_answers(producer, dossier.id)
    form = service.definitions_for(producer, dossier.id).forms[MAU_02]
    required = [f for f in form.fields() if f.type == "evidence" and f.required and not f.visible_when]
    assert saved[MAU_02]["complete"] and required
    document = required[0].document
    record = next(e for e in service.evidence_list(producer, dossier.id) if e["document_type"] == document)
    service.remove_evidence(producer, dossier.id, record["id"])
    assert not service.form_answers(producer, dossier.id)[MAU_02]["complete"]
    gap = [m for m in service.todo(producer, dossier.id).items if m.field == required[0].id]
    assert gap and gap[0].label == required[0].label  # the checklist names the document again
    service.attach_evidence(producer, dossier.id, document, "again.pdf", b"%PDF-1.4 again")
    assert service.form_answers(producer, dossier.id)[MAU_02]["complete"]  # complete without a re-save

    with pytest.raises(NotFound):
        service.remove_evidence(producer, dossier.id, 999_999)
    driver.walk(dossier.id, ["commune_check"])
    attached = service.evidence_list(producer, dossier.id)[0]
    with pytest.raises(PermissionDenied) as refused:
        service.remove_evidence(producer, dossier.id, attached["id"])  # submitted: no longer editable
    assert refused.value.reason == "form_state"
    with pytest.raises(PermissionDenied):
        service.remove_evidence(commune, dossier.id, attached["id"])


@pytest.mark.parametrize(
    ("typed", "found"),
    [("mut", True), ("Mứt", True), ("MỨT GỪNG", True), ("MUT GUNG", True), ("gừng", True), ("mật", False),
     ("mút", False), ("%", False), ("_", False)],
)  # fmt: skip
def test_search_ignores_missing_diacritics_and_case_but_a_mark_typed_counts(
    service, people, open_dossier, typed, found
):
    dossier = open_dossier(filed_on=FILED, product_name="Mứt gừng")
    other = open_dossier(filed_on=FILED, product_name="Bánh canh")
    page = service.list_dossiers(people["province1"], filters={"q": typed})
    ids = {d.id for d in page.items}
    assert (dossier.id in ids) is found and other.id not in ids
    # the producer's name is searched the same way (HTX Bánh tráng Trảng Bàng)
    by_producer = {
        d.id for d in service.list_dossiers(people["province1"], filters={"q": "trang bang"}).items
    }
    assert {dossier.id, other.id} <= by_producer
