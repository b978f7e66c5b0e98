"""The service saves a form, or attaches a document, only in the states the workflow allows."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import PermissionDenied

FILED = dt.date(2026, 7, 1)
MAU_01, MAU_03 = "ocop-2026-mau-01", "ocop-2026-mau-03"


@pytest.fixture
def dossier(open_dossier):  # type: ignore[no-untyped-def]
    return open_dossier(filed_on=FILED)


def test_a_withdrawn_dossier_refuses_a_form_save_with_the_reason_and_records_nothing(
    service, people, dossier
):
    producer = people["producer1"]
    service.save_form(producer, dossier.id, MAU_01, {"org_name": "HTX Bánh tráng"})
    service.fire(producer, dossier.id, "withdraw")
    events = service.verify_audit().events

    with pytest.raises(PermissionDenied) as refused:
        service.save_form(producer, dossier.id, MAU_01, {"org_name": "HTX khác"})

    assert refused.value.reason == "form_state"
    assert "Withdrawn by the producer" in refused.value.message
    assert service.form_answers(producer, dossier.id)[MAU_01]["answers"] == {"org_name": "HTX Bánh tráng"}
    assert service.verify_audit().events == events


def test_a_withdrawn_dossier_takes_no_more_evidence(service, people, dossier):
    producer = people["producer1"]
    service.fire(producer, dossier.id, "withdraw")
    with pytest.raises(PermissionDenied) as refused:
        service.attach_evidence(producer, dossier.id, "labour_list", "list.pdf", b"%PDF-1.4 x")
    assert refused.value.reason == "form_state"
    assert service.evidence_list(producer, dossier.id) == []


def test_each_side_edits_its_form_in_its_own_states(service, people, driver, dossier):
    producer, commune = people["producer1"], people["commune1"]
    driver.walk(dossier.id, ["commune_check"])

    with pytest.raises(PermissionDenied) as refused:
        service.save_form(producer, dossier.id, MAU_01, {"org_name": "Sửa sau khi nộp"})
    assert refused.value.reason == "form_state"
    with pytest.raises(PermissionDenied) as late_upload:
        service.attach_evidence(producer, dossier.id, "labour_list", "list.pdf", b"%PDF-1.4 x")
    assert late_upload.value.reason == "form_state"
    service.save_form(commune, dossier.id, MAU_03, {"dossier_complete": True})

    service.fire(commune, dossier.id, "commune_return", comment="Thiếu danh sách lao động")
    service.save_form(producer, dossier.id, MAU_01, {"org_name": "HTX Bánh tráng (bổ sung)"})
    service.attach_evidence(producer, dossier.id, "labour_list", "list.pdf", b"%PDF-1.4 x")
    with pytest.raises(PermissionDenied) as closed:
        service.save_form(commune, dossier.id, MAU_03, {"dossier_complete": False})
    assert closed.value.reason == "form_state"


def test_a_certified_product_keeps_its_registration_but_the_office_may_record_a_revocation(
    service, people, driver, dossier
):
    certified = driver.walk(dossier.id, ["certified"])
    assert certified.state == "certified"
    with pytest.raises(PermissionDenied) as refused:
        service.save_form(people["producer1"], dossier.id, MAU_01, {"org_name": "Đổi tên sau công nhận"})
    assert refused.value.reason == "form_state"
    assert "Preparing the product dossier" in refused.value.message  # where it can be edited
    service.save_form(people["province1"], dossier.id, "ocop-2026-thu-hoi", {"conclusion_number": "12/KL"})
