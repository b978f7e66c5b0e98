"""Definitions for administrators: versions, source and diagram, upload -> problems -> diff -> activate."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask

from web.config import PROJECT_ROOT

WORKFLOW = (PROJECT_ROOT / "workflows" / "ocop-2026.yaml").read_text(encoding="utf-8")


def _upload(admin: Any, text: str, filename: str = "ocop-2026.yaml") -> Any:
    return admin.post(
        "/admin/definitions/check", {"text": text, "filename": filename}, page="/admin/definitions"
    )


def _stored_workflow(app: Flask) -> Any:
    versions = app.extensions["ocopflow"].service.definition_versions("workflow", "ocop-2026")
    assert versions
    return versions[0]


def test_the_installed_versions_are_listed_with_legal_basis_and_dates(as_user: Any, app: Flask) -> None:
    page = as_user("admin").get("/admin/definitions").get_data(as_text=True)
    assert 'data-def="ocop-2026" data-version="2026.2"' in page
    assert "Quyết định 26/2026/QĐ-TTg" in page
    assert "2026-05-22" in page
    assert "đang hiệu lực" in page


def test_a_version_shows_its_yaml_source_and_its_diagram(as_user: Any, app: Flask) -> None:
    version = _stored_workflow(app)
    page = as_user("admin").get(f"/admin/definitions/{version.sha256}").get_data(as_text=True)
    assert 'data-testid="diagram"' in page and "<svg" in page
    assert 'id="state.commune_check"' in page and 'id="t.submit.' in page
    assert "kind: workflow" in page
    assert page.count('<td class="ln">') == len(WORKFLOW.splitlines())


def test_an_unknown_version_is_not_found(as_user: Any) -> None:
    admin = as_user("admin")
    assert admin.get("/admin/definitions/" + "0" * 64).status_code == 404
    assert admin.get("/admin/definitions/not-a-hash").status_code == 404


def test_an_upload_with_mistakes_shows_each_problem_with_its_line(as_user: Any) -> None:
    lines = WORKFLOW.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("calendar:"))
    lines.insert(at + 1, "efects: [notify]")
    response = _upload(as_user("admin"), "\n".join(lines) + "\n")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="problems"' in page
    found = re.search(r'href="#L(\d+)">dòng (\d+)', page)
    assert found and int(found.group(1)) == at + 2
    assert f'<tr id="L{at + 2}" class="bad">' in page
    assert 'data-testid="activate"' not in page  # nothing to activate while there are errors


def test_a_valid_upload_shows_the_diff_against_the_active_version_and_the_diagram(as_user: Any) -> None:
    changed = WORKFLOW.replace('version: "2026.2"', 'version: "2026.3"', 1)
    page = _upload(as_user("admin"), changed).get_data(as_text=True)
    assert 'data-testid="diff"' in page
    assert '<div class="del">-version: &#34;2026.2&#34;</div>' in page
    assert '<div class="add">+version: &#34;2026.3&#34;</div>' in page
    assert 'data-testid="diagram"' in page
    assert 'data-testid="activate"' in page


def test_activating_stores_a_new_version_with_its_date_and_audits_it(as_user: Any, app: Flask) -> None:
    admin = as_user("admin")
    changed = WORKFLOW.replace('version: "2026.2"', 'version: "2026.3"', 1)
    response = admin.post(
        "/admin/definitions/activate",
        {"text": changed, "filename": "ocop-2026.yaml", "effective_from": "2027-01-01"},
        page="/admin/definitions",
    )
    assert response.status_code == 302
    versions = app.extensions["ocopflow"].service.definition_versions("workflow", "ocop-2026")
    new = [v for v in versions if v.version == "2026.3"]
    assert len(new) == 1 and new[0].effective_from == dt.date(2027, 1, 1) and new[0].activated_by == "admin"
    listing = admin.get("/admin/definitions").get_data(as_text=True)
    assert 'data-version="2026.3"' in listing and "sắp hiệu lực" in listing
    log = as_user("auditor").get("/admin/audit?action=activate_definition").get_data(as_text=True)
    assert 'data-action="activate_definition"' in log


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"effective_from": "soon"}, "YYYY-MM-DD"),
        ({"effective_from": "2027-01-01", "text": "kind: workflow\nid: x\n"}, "chưa kích hoạt"),
    ],
)
def test_activation_refuses_bad_input_with_a_message(
    as_user: Any, app: Flask, fields: dict[str, str], message: str
) -> None:
    data = {"text": WORKFLOW.replace('"2026.2"', '"2026.9"', 1), "filename": "ocop-2026.yaml", **fields}
    response = as_user("admin").post("/admin/definitions/activate", data, page="/admin/definitions")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    versions = app.extensions["ocopflow"].service.definition_versions("workflow")
    assert not any(v.version == "2026.9" for v in versions)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("notes.txt", b"kind: workflow", "Chỉ nhận tệp YAML"),
        ("big.yaml", b"#" * 1_000_001, "lớn hơn"),
        ("latin.yaml", "kind: wörkflow".encode("latin-1"), "UTF-8"),
    ],
)
def test_a_wrong_upload_file_is_refused_with_a_message(
    as_user: Any, filename: str, content: bytes, message: str
) -> None:
    import io

    admin = as_user("admin")
    response = admin.post(
        "/admin/definitions/check",
        {"file": (io.BytesIO(content), filename)},
        page="/admin/definitions",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)


def test_the_definitions_pages_are_for_administrators_only(as_user: Any, app: Flask) -> None:
    version = _stored_workflow(app)
    auditor = as_user("auditor")
    assert auditor.get(f"/admin/definitions/{version.sha256}").status_code == 403
    response = auditor.post("/admin/definitions/check", {"text": WORKFLOW}, page="/dossiers")
    assert response.status_code == 403


def test_the_diagram_downloads_as_an_svg_file(as_user: Any, app: Flask) -> None:
    version = _stored_workflow(app)
    response = as_user("admin").get(f"/admin/definitions/{version.sha256}/diagram.svg")
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg ") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    roles = app.extensions["ocopflow"].service.definition_versions("roles")[0]
    assert as_user("admin").get(f"/admin/definitions/{roles.sha256}/diagram.svg").status_code == 404


def test_a_flood_of_duplicate_keys_costs_a_bounded_page_that_still_says_the_total(as_user: Any) -> None:
    flood = "kind: workflow\nid: x\n" + "a: 1\n" * 4_000
    response = as_user("admin").post(
        "/admin/definitions/check", {"text": flood, "filename": "flood.yaml"}, page="/admin/definitions"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('<li class="error"') == 101  # 100 problems listed, then E109
    assert page.count("<code>E102</code>") >= 90 and "<code>E109</code>" in page
    assert "Còn" in page and "(tổng cộng 4" in page  # E109: how many more, and the total
    assert len(page) < 600_000  # the 40,000-key upload of the report answered 18 MB


def test_an_upload_with_too_many_lines_is_refused_before_it_is_read(as_user: Any) -> None:
    flood = "kind: workflow\nid: x\n" + "a: 1\n" * 40_000
    admin = as_user("admin")
    response = admin.post("/admin/definitions/check", {"text": flood}, page="/admin/definitions")
    assert response.status_code == 302
    assert "tối đa 5000 dòng" in admin.get("/admin/definitions").get_data(as_text=True)
