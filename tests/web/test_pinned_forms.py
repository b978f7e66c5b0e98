"""The dossier page shows the form versions a dossier is pinned to, not the newest ones."""

from __future__ import annotations

from typing import Any

from flask import Flask

NEW_LABEL = "Mã số thuế (bản sửa đổi)"
FIELD = "      - id: org_name\n"


def edited_mau_01(source: str) -> str:
    """Mẫu 01 as an administrator might amend it: a new tax-number field before the name."""
    assert source.count(FIELD) == 1
    field = (
        "      - id: tax_code\n"
        "        type: text\n"
        "        max_length: 20\n"
        f'        label: {{vi: "{NEW_LABEL}", en: "Tax number (amended)"}}\n'
    )
    return source.replace('version: "2026.2"', 'version: "2026.9"', 1).replace(FIELD, field + FIELD, 1)


def test_an_open_dossier_keeps_showing_the_form_it_was_filed_with(
    app: Flask, as_user: Any, walk: Any
) -> None:
    service = app.extensions["ocopflow"].service
    filed_before = walk("idea", name="Gốm men lam")
    admin = service.actor_for_username("admin")
    source = service.catalog.forms["ocop-2026-mau-01"].source.text
    service.activate_definition(admin, edited_mau_01(source), "mau-01-amended.yaml", service.now().date())
    filed_after = walk("idea", name="Gốm men rạn")

    producer = as_user("producer1")
    old_page = producer.get(f"/dossiers/{filed_before}").get_data(as_text=True)
    new_page = producer.get(f"/dossiers/{filed_after}").get_data(as_text=True)
    assert NEW_LABEL not in old_page
    assert NEW_LABEL in new_page
    # The field itself, not only its label: the old dossier's form has no input for it.
    assert 'id="f-ocop-2026-mau-01-tax_code"' not in old_page
    assert 'id="f-ocop-2026-mau-01-tax_code"' in new_page
