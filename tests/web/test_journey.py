"""The whole cycle through the pages, as the people would do it: file, check, forward, score, certify."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.web.client import Browser
from tests.web.filling import PDF, answers_for_stars, evidence_types, form_post

WORKFLOW = "ocop-2026"
PRODUCT_SET = "21"  # handicrafts: the dossier of a ceramics cooperative in Bát Tràng
COUNCIL = ["council1", "council2", "council3", "council4", "chair"]


def units(app: Flask) -> dict[str, list[str]]:
    return {"commune": ["00583"], "province": ["01"]}


def dossier_id_from(response: Any) -> int:
    found = re.search(r"/dossiers/(\d+)", response.headers["Location"])
    assert found, response.headers.get("Location")
    return int(found.group(1))


def fire(b: Browser, dossier_id: int, transition: str, comment: str = "") -> Any:
    return b.post(f"/dossiers/{dossier_id}/actions/{transition}", {"comment": comment})


def file_dossier(app: Flask, b: Browser) -> int:
    """A producer opens a dossier, fills Mẫu 01 and 02, attaches the evidence and submits."""
    catalog = app.extensions["ocopflow"].catalog
    workflow = catalog.workflows[WORKFLOW]
    response = b.post(
        "/dossiers/new",
        {
            "product_name": "Gốm men lam",
            "product_set": PRODUCT_SET,
            "commune_code": "00583",
            "workflow_id": WORKFLOW,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    dossier_id = dossier_id_from(response)
    assert fire(b, dossier_id, "submit_plan").status_code == 302
    commune = b.__class__(app.test_client())
    commune.login("commune1")
    assert fire(commune, dossier_id, "accept_plan").status_code == 302
    assert fire(b, dossier_id, "product_ready").status_code == 302
    overrides = {"registration_kind": "first", "product_set": PRODUCT_SET, "commitment": "yes"}
    for form_id in workflow.forms:
        form = catalog.forms[form_id]
        if "producer" not in form.editable_by:
            continue
        for document in evidence_types(form):
            response = b.post(
                f"/dossiers/{dossier_id}/evidence",
                {"document_type": document, "file": (_pdf(), f"{document}.pdf")},
                content_type="multipart/form-data",
            )
            assert response.status_code == 302, response.get_data(as_text=True)
        response = b.post(f"/dossiers/{dossier_id}/forms/{form_id}", form_post(form, units(app), overrides))
        assert response.status_code == 302, response.get_data(as_text=True)
    response = fire(b, dossier_id, "submit")
    assert response.status_code == 302, response.get_data(as_text=True)
    return dossier_id


def _pdf() -> Any:
    import io

    return io.BytesIO(PDF)


def test_a_dossier_goes_from_filing_to_a_public_certificate(app: Flask, as_user: Any) -> None:
    catalog = app.extensions["ocopflow"].catalog
    producer = as_user("producer1")
    dossier_id = file_dossier(app, producer)
    assert "UBND cấp xã kiểm tra" in producer.get(f"/dossiers/{dossier_id}").get_data(as_text=True)

    commune = as_user("commune1")
    assert f"/dossiers/{dossier_id}" in commune.get("/work").get_data(as_text=True)
    mau03 = catalog.forms["ocop-2026-mau-03"]
    response = commune.post(
        f"/dossiers/{dossier_id}/forms/{mau03.id}",
        form_post(mau03, units(app), {"conclusion": "propose", "dossier_complete": "yes"}),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    refused = fire(commune, dossier_id, "commune_forward")  # its own criteria are not assessed yet
    assert refused.status_code == 422
    assert "Phiếu chấm của &#39;Cán bộ UBND cấp xã&#39; chưa có" in refused.get_data(as_text=True)
    form = catalog.scoring_form_for(WORKFLOW, PRODUCT_SET)
    answers = answers_for_stars(form, 4)
    own = {f"c.{c.id}": answers[c.id] for c in form.assessed_by("commune_officer")}
    assert commune.get(f"/dossiers/{dossier_id}/score").status_code == 200
    response = commune.post(f"/dossiers/{dossier_id}/score", {**own, "final": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    confirm = commune.get(f"/dossiers/{dossier_id}/score/confirm").get_data(as_text=True)
    assert "Sau khi nộp, bạn không sửa được phiếu này nữa." in confirm  # check the answers first
    assert commune.post(f"/dossiers/{dossier_id}/score/confirm", {}).status_code == 302
    assert fire(commune, dossier_id, "commune_forward").status_code == 302

    province = as_user("province1")
    assert fire(province, dossier_id, "province_accept").status_code == 302
    assert fire(province, dossier_id, "advisory_forward").status_code == 302

    for member in COUNCIL:
        b = as_user(member)
        page = b.get(f"/dossiers/{dossier_id}/score")
        assert page.status_code == 200
        body = {f"c.{cid}": oid for cid, oid in answers.items()}
        body["final"] = "1"
        response = b.post(f"/dossiers/{dossier_id}/score", body)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert b.post(f"/dossiers/{dossier_id}/score/confirm", {}).status_code == 302

    chair = as_user("chair")
    council_page = chair.get(f"/dossiers/{dossier_id}/council").get_data(as_text=True)
    assert "★★★★" in council_page
    assert fire(chair, dossier_id, "council_propose").status_code == 302

    governor = as_user("governor")
    decision = governor.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'data-testid="decision-score"' in decision  # the council's result next to the decision
    assert 'href="#field-ocop-2026-quyet-dinh-decision_number"' in decision  # the number is asked for
    saved = governor.post(
        f"/dossiers/{dossier_id}/forms/ocop-2026-quyet-dinh",
        {
            "f.ocop-2026-quyet-dinh.decision_number": "1234/QĐ-UBND",
            "f.ocop-2026-quyet-dinh.decision_date": "2026-09-01",
        },
    )
    assert saved.status_code == 302
    assert fire(governor, dossier_id, "province_recognise").status_code == 302
    page = governor.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    number = re.search(r'data-testid="certificate-number">([^<]+)<', page)
    assert number, "the certificate section shows its number"
    assert "<svg" in page  # the QR code

    public = app.test_client().get(f"/c/{number.group(1)}")
    assert public.status_code == 200
    assert "còn hiệu lực" in public.get_data(as_text=True)

    history = as_user("auditor").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Quyết định công nhận 3 sao / 4 sao" in history
