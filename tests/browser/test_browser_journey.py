"""The main journey in Chromium: a producer files a dossier with evidence, the commune checks it,
scores its own criteria and forwards it, five council members and the chair score it, the chair proposes, the provincial chair
certifies, the public checks the certificate and the auditor reads and exports the history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.model import Form
from tests.web.filling import PDF, answers_for_stars, evidence_types, typed_value

pytestmark = pytest.mark.browser

WORKFLOW = "ocop-2026"
PRODUCT_SET = "21"
UNITS = {"commune": ["25708"], "province": ["80"]}  # the demo producer's commune (Tây Ninh)
SCORERS = ["council1", "council2", "council3", "council4", "council5", "chair"]


def fill_form(p: Any, form: Form, overrides: dict[str, Any]) -> None:
    """Type a valid answer into every visible field of a data form, then save it.

    Answers can reveal fields (`visible_when`), so fill until no newly shown field is left."""
    section = p.page.locator(f'[id="form-{form.id}"]')
    done: set[str] = set()
    while True:
        settle(p)
        todo = [
            f
            for f in form.fields()
            if f.type != "evidence"
            and f.id not in done
            and section.locator(f'[data-field="{f.id}"]').is_visible()
        ]
        if not todo or all(f.id in done for f in todo):
            break
        for field in todo:
            if not section.locator(f'[data-field="{field.id}"]').is_visible():
                continue  # hidden meanwhile by an earlier answer
            fmt = form.formats.get(field.format) if field.format else None
            typed = fmt.example if fmt else typed_value(field, UNITS)
            _answer(section, form, field, overrides.get(field.id, typed))
            done.add(field.id)
            settle(p)
    section.locator("button[type=submit]").click()
    p.page.wait_for_load_state()
    assert "Đã lưu" in p.page.locator(".flash").first.inner_text(), p.page.locator(".flash").all_inner_texts()


def settle(p: Any) -> None:
    """Wait until forms.js has applied the visibility rules to what was typed (no form is aria-busy).

    `networkidle` is not enough: it is a page-load state and does not wait for a later fetch.
    """
    p.page.wait_for_load_state("networkidle")
    p.page.wait_for_function("() => !document.querySelector('form[aria-busy=true]')")


def _answer(section: Any, form: Form, field: Any, value: Any) -> None:
    name = f"f.{form.id}.{field.id}"
    radios = section.locator(f'input[type=radio][name="{name}"]')
    if field.type in ("choice", "yes_no") and radios.count():
        section.locator(f'input[name="{name}"][value="{value}"]').check()
    elif field.type == "multi_choice":
        for v in value:
            section.locator(f'input[name="{name}"][value="{v}"]').check()
    elif field.type in ("choice", "admin_unit"):
        section.locator(f'select[name="{name}"]').select_option(value)
    else:
        section.locator(f'[name="{name}"]').fill(str(value))
        section.locator(f'[name="{name}"]').dispatch_event("change")


def upload(p: Any, document: str) -> None:
    evidence = p.page.locator("#evidence")
    evidence.locator("#document_type").select_option(document)
    evidence.locator("#file").set_input_files(
        {"name": f"{document}.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    evidence.locator("[data-testid=upload-form] button[type=submit]").click()
    p.page.wait_for_load_state()


def dossier_path(p: Any) -> str:
    found = re.search(r"/dossiers/\d+", p.page.url)
    assert found, p.page.url
    return found.group(0)


def test_the_main_journey_from_filing_to_a_verified_certificate(
    person: Any, server: tuple[str, Flask]
) -> None:
    base, app = server
    catalog = app.extensions["ocopflow"].catalog
    workflow = catalog.workflows[WORKFLOW]

    producer = person("producer1")
    producer.shot("producer-my-work")
    producer.go("/dossiers/new")
    producer.page.fill("#product_name", "Bánh tráng phơi sương Trảng Bàng")
    producer.page.select_option("#product_set", PRODUCT_SET)
    producer.page.select_option("#commune_code", UNITS["commune"][0])
    if producer.page.locator("#workflow_id").count():
        producer.page.select_option("#workflow_id", WORKFLOW)
    producer.shot("producer-new-dossier")
    producer.page.click("form.card button[type=submit]")
    path = dossier_path(producer)
    producer.act("submit_plan")

    commune = person("commune1")
    commune.go(path)
    commune.act("accept_plan")

    producer.go(path)
    producer.act("product_ready")
    for form_id in workflow.forms:
        form = catalog.forms[form_id]
        if "producer" not in form.editable_by:
            continue
        for document in evidence_types(form):
            upload(producer, document)
        fill_form(
            producer, form, {"registration_kind": "first", "product_set": PRODUCT_SET, "commitment": "yes"}
        )
    producer.page.goto(base + path + "#evidence")
    producer.shot("producer-evidence-uploaded")
    assert producer.page.locator("[data-testid=evidence-row]").count() >= 5
    producer.act("submit")
    assert "UBND cấp xã kiểm tra" in producer.page.locator("[data-testid=state]").inner_text()
    producer.shot("producer-submitted")

    commune.go("/work")
    assert commune.page.locator(f'a[href="{path}"]').count() == 1
    commune.shot("commune-my-work")
    commune.go(path)
    fill_form(
        commune, catalog.forms["ocop-2026-mau-03"], {"conclusion": "propose", "dossier_complete": "yes"}
    )
    # Art. 7.2a: the commune assesses its own criteria before it forwards (requires.sheets).
    form = catalog.scoring_form_for(WORKFLOW, PRODUCT_SET)
    answers = answers_for_stars(form, 4)
    commune.go(path + "/score")
    for criterion in form.assessed_by("commune_officer"):
        commune.page.locator(f'input[name="c.{criterion.id}"][value="{answers[criterion.id]}"]').check()
    commune.shot("commune-scoring-its-criteria", full_page=False)
    commune.page.click("[data-testid=save-final]")
    commune.page.wait_for_load_state()
    commune.page.click("[data-testid=confirm-final]")  # after checking the answers
    commune.page.wait_for_load_state()
    commune.go(path)
    commune.act("commune_forward")
    commune.shot("commune-forwarded")

    province = person("province1")
    province.go(path)
    province.act("province_accept")
    province.act("advisory_forward")
    province.shot("province-sent-to-council")

    for n, username in enumerate(SCORERS):
        member = person(username)
        member.go(path + "/score")
        for criterion_id, option_id in answers.items():
            radio = member.page.locator(f'input[name="c.{criterion_id}"][value="{option_id}"]')
            if radio.is_enabled():
                radio.check()
        if n == 0:
            member.page.wait_for_function("() => !document.querySelector('form[aria-busy=true]')")
            assert "★★★★" in member.page.locator("#live-stars").inner_text()  # the engine's preview
            member.shot("council-scoring-preview", full_page=False)
        member.page.click("[data-testid=save-final]")
        member.page.wait_for_load_state()
        member.page.click("[data-testid=confirm-final]")
        member.page.wait_for_load_state()
        assert "★★★★" in member.page.locator("[data-testid=server-result]").inner_text()
        member.close()

    chair = person("chair")
    chair.go(path + "/council")
    assert "Kết quả chính thức" in chair.page.inner_text("[data-testid=council-summary]")
    chair.shot("chair-council-result", full_page=True)
    chair.act("council_propose")

    governor = person("province_chair")
    governor.go(path)
    assert governor.page.locator(
        "[data-testid=decision-score]"
    ).is_visible()  # the score, where the decision is made
    decision = catalog.forms["ocop-2026-quyet-dinh"]
    fill_form(governor, decision, {"decision_number": "1234/QĐ-UBND"})
    governor.act("province_recognise")
    assert "Đã công nhận" in governor.page.locator("[data-testid=state]").inner_text()
    number = governor.page.locator("[data-testid=certificate-number]").inner_text()
    assert governor.page.locator("#certificate svg").count() == 1  # the QR code
    governor.page.locator("#certificate").scroll_into_view_if_needed()
    governor.shot("certificate-with-qr")

    public = person("auditor")  # any browser; the look-up needs no sign-in
    public.context.clear_cookies()
    public.go("/c/" + number)
    assert "còn hiệu lực" in public.page.locator("[data-testid=verdict]").inner_text()
    public.shot("public-certificate-check")

    auditor = person("auditor")
    auditor.go(path)
    history = auditor.page.locator("[data-testid=history]").inner_text()
    assert "Quyết định công nhận 3 sao / 4 sao" in history and "Nộp hồ sơ cho UBND cấp xã" in history
    auditor.page.locator("#history").scroll_into_view_if_needed()
    auditor.shot("auditor-history")
    if "admin.audit" in app.view_functions:
        dossier_id = path.rsplit("/", 1)[1]
        auditor.go(f"/admin/audit?dossier={dossier_id}")
        auditor.shot("auditor-audit-log")
        with auditor.page.expect_download() as download:
            auditor.page.locator('a[href*="export.csv"]').first.click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "province_chair" in text and "fire" in text  # who certified, and how


def test_the_language_switch_and_a_refused_action_with_its_reason(person: Any) -> None:
    producer = person("producer1")
    producer.go("/dossiers/new")
    producer.page.fill("#product_name", "Muối tôm")
    producer.page.select_option("#product_set", PRODUCT_SET)
    producer.page.select_option("#commune_code", UNITS["commune"][0])
    if producer.page.locator("#workflow_id").count():
        producer.page.select_option("#workflow_id", WORKFLOW)
    producer.page.click("form.card button[type=submit]")
    refused = producer.page.locator("[data-testid=action-start_existing_product]")
    assert refused.locator("button").is_disabled()
    assert "Chỉ hồ sơ nâng hạng hoặc đánh giá lại" in refused.locator(".reason").inner_text()
    refused.scroll_into_view_if_needed()
    producer.shot("refused-action-reason")

    producer.page.click("[data-testid=lang-switch]")
    producer.page.wait_for_load_state()
    assert producer.page.locator("html").get_attribute("lang") == "en"
    assert "My work" in producer.page.locator("header").inner_text()
    assert (
        "Only upgrade or re-evaluation"
        in producer.page.locator("[data-testid=action-start_existing_product] .reason").inner_text()
    )
    producer.shot("english-dossier")
    producer.page.click("[data-testid=lang-switch]")
    assert "Việc của tôi" in producer.page.locator("header").inner_text()
