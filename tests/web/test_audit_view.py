"""What an auditor reads: the YAML's labels instead of internal names, times in Vietnam's zone with
the offset shown, an action filter listing what the definitions declare, a typed Excel export with
headers in the reader's language; and the error pages every role can hit (403, 413) in that language."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import text

from tests.web._api_support import Api

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def _submitted(api: Api) -> int:
    """A dossier opened and moved on by its first transition (submit_plan, with a comment)."""
    made = api.open_dossier(product_name="Mứt gừng")
    api.call("POST", f"/dossiers/{made['id']}/transitions/submit_plan", "producer1", json={"comment": "ok"})
    return int(made["id"])


def _stored_at(app: Flask, dossier_id: int, action: str) -> dt.datetime:
    with app.extensions["ocopflow"].database.engine.begin() as conn:
        query = "SELECT at FROM audit_events WHERE action = :a AND dossier_id = :d"
        at = conn.execute(text(query), {"a": action, "d": dossier_id}).scalar_one()
    return dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)


def _row(page: str, action: str) -> str:
    found = re.search(rf'<tr data-seq="\d+" data-action="{re.escape(action)}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {action}"
    return found.group(1)


def _cell(row: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', row, re.S)
    assert found
    return html.unescape(re.sub(r"\s+", " ", found.group(1)).strip())


def test_an_auditor_reads_the_transition_and_states_by_their_labels(api: Api, as_user: Any) -> None:
    dossier = _submitted(api)
    page = as_user("auditor").get(f"/admin/audit?dossier={dossier}").get_data(as_text=True)
    fire = _row(page, "fire:submit_plan")
    assert _cell(fire, "what") == "Nộp phương án sản xuất kinh doanh"
    assert _cell(fire, "states") == "Đăng ký ý tưởng sản phẩm → Phương án sản xuất kinh doanh"
    assert _cell(_row(page, "open"), "what") == "Mở hồ sơ"
    assert "submit_plan" not in re.sub(r'data-action="[^"]*"|value="[^"]*"', "", page)


def test_the_labels_follow_the_reader_into_english(api: Api, as_user: Any) -> None:
    dossier = _submitted(api)
    auditor = as_user("auditor")
    auditor.post("/lang/en", {"next": "/admin/audit"}, page="/admin/audit")
    page = auditor.get(f"/admin/audit?dossier={dossier}").get_data(as_text=True)
    fire = _row(page, "fire:submit_plan")
    assert _cell(fire, "what") == "Submit the business plan"
    assert _cell(fire, "states") == "Product idea registered → Business plan submitted"
    assert _cell(_row(page, "open"), "what") == "Dossier opened"


def test_times_read_in_vietnam_with_the_offset_shown(api: Api, as_user: Any, app: Flask) -> None:
    dossier = _submitted(api)
    stored = _stored_at(app, dossier, "open")
    page = as_user("auditor").get(f"/admin/audit?dossier={dossier}").get_data(as_text=True)
    local = stored.astimezone(VN)
    row = _row(page, "open")
    assert f'<time datetime="{local.isoformat()}"' in row
    assert local.strftime("%d/%m/%Y %H:%M:%S") in row
    assert local.hour == (stored.hour + 7) % 24
    assert "Giờ Asia/Ho_Chi_Minh (UTC+07:00)." in page and "(UTC)" not in page


def test_the_action_filter_offers_the_declared_transitions_by_label_and_filters_by_them(
    api: Api, as_user: Any
) -> None:
    first = _submitted(api)
    second = api.open_dossier(product_name="Trà sen")["id"]
    auditor = as_user("auditor")
    page = auditor.get("/admin/audit").get_data(as_text=True)
    select = page[page.index('data-testid="action-filter"') : page.index("</select>")]
    assert '<option value="fire:submit_plan" >Nộp phương án sản xuất kinh doanh</option>' in select
    assert '<option value="score" >Chấm điểm</option>' in select
    assert '<option value="fire:commune_forward"' in select  # declared, though nobody fired it yet
    only = auditor.get("/admin/audit?action=fire:submit_plan").get_data(as_text=True)
    assert re.findall(r'data-action="([^"]+)"', only) == ["fire:submit_plan"]
    assert f'dossier={first}"' in only and f'dossier={second}"' not in only
    assert '<option value="fire:submit_plan" selected>' in only
    assert "Không có sự kiện nào khớp bộ lọc." in auditor.get(
        "/admin/audit?action=fire:commune_forward"
    ).get_data(as_text=True)


def test_the_excel_export_is_typed_with_vietnamese_headers_a_frozen_header_and_a_filter(
    api: Api, as_user: Any, app: Flask
) -> None:
    dossier = _submitted(api)
    response = as_user("auditor").get(f"/admin/audit/export.xlsx?dossier={dossier}")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == (
        "Số thứ tự",
        "Thời điểm (Asia/Ho_Chi_Minh)",
        "Người thực hiện",
        "Hành động",
        "Hồ sơ số",
        "Từ trạng thái",
        "Đến trạng thái",
        "Ý kiến",
    )
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{len(rows)}"
    opened, fired = rows[1], rows[2]
    assert isinstance(opened[0], int) and opened[4] == dossier  # numbers, not text
    stored = _stored_at(app, dossier, "fire").astimezone(VN).replace(tzinfo=None)
    assert isinstance(fired[1], dt.datetime) and abs(fired[1] - stored) < dt.timedelta(seconds=1)
    assert fired[3:8] == (
        "Nộp phương án sản xuất kinh doanh",
        dossier,
        "Đăng ký ý tưởng sản phẩm",
        "Phương án sản xuất kinh doanh",
        "ok",
    )
    assert fired[8] == "fire:submit_plan"
    date_cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(c.is_date and c.number_format == "dd/mm/yyyy hh:mm:ss" for c in date_cells)


def test_the_exports_speak_english_to_an_english_reader(api: Api, as_user: Any) -> None:
    dossier = _submitted(api)
    auditor = as_user("auditor")
    auditor.post("/lang/en", {"next": "/admin/audit"}, page="/admin/audit")
    sheet = load_workbook(
        io.BytesIO(auditor.get(f"/admin/audit/export.xlsx?dossier={dossier}").get_data())
    ).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("No.", "Time (Asia/Ho_Chi_Minh)", "Actor", "Action")
    assert rows[2][3] == "Submit the business plan"
    csv_text = auditor.get(f"/admin/audit/export.csv?dossier={dossier}").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("No.,Time (Asia/Ho_Chi_Minh),Actor,Action,")
    assert "+07:00," in csv_text


def test_an_administrator_on_the_audit_page_reads_the_apps_own_refusal(as_user: Any) -> None:
    admin = as_user("admin")
    response = admin.get("/admin/audit")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Vai trò của bạn không được mở trang này." in page and "Forbidden" not in page
    assert '<header class="top">' in page  # the app's page, with its navigation
    admin.post("/lang/en", {"next": "/work"})
    english = admin.get("/admin/audit").get_data(as_text=True)
    assert "Your role may not open this page." in english


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/lang/en", 405),
        ("DELETE", "/login", 400),
        ("GET", "/admin/users", 403),
    ],
)
def test_every_http_error_page_is_the_apps_and_localized(
    as_user: Any, method: str, path: str, status: int
) -> None:
    b = as_user("auditor")
    response = b.client.open(path, method=method)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'data-testid="error-message"' in page and 'lang="vi"' in page
    for werkzeug in ("Forbidden", "Not Found", "Method Not Allowed", "The requested URL"):
        assert werkzeug not in page


def test_the_too_large_page_says_the_limit_and_leads_back_to_the_form(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("preparing")
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    b = as_user("producer1")
    form_page = f"http://localhost/dossiers/{dossier_id}"
    response = b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"document_type": "environment_papers", "file": (io.BytesIO(b"%PDF-" + b"0" * 300_000), "big.pdf")},
        content_type="multipart/form-data",
        headers={"Referer": form_page},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert f"vượt quá giới hạn {app.config['MAX_UPLOAD_MB']} MB" in page
    assert f'href="/dossiers/{dossier_id}" data-testid="error-back">Quay lại biểu mẫu</a>' in page
    elsewhere = b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"file": (io.BytesIO(b"0" * 300_000), "big.pdf")},
        content_type="multipart/form-data",
        headers={"Referer": "https://evil.example/phish"},
    )
    assert 'data-testid="error-back"' not in elsewhere.get_data(as_text=True)


def test_the_site_has_a_favicon(app: Flask) -> None:
    client = app.test_client()
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data().startswith(b"<svg")
    login = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in login
