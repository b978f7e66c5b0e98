"""Admin and auditor pages: permission checks, the audit log with filters and exports, users and roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import text

from tests.integration._attacker import drop_guards
from tests.web._api_support import Api


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


# (user, path, status): pages check the `audit` / `administer` permissions of the roles YAML.
ACCESS = [
    ("auditor", "/admin/audit", 200),
    ("admin", "/admin/audit", 403),
    ("producer1", "/admin/audit", 403),
    ("admin", "/admin/definitions", 200),
    ("admin", "/admin/users", 200),
    ("auditor", "/admin/definitions", 403),
    ("auditor", "/admin/users", 403),
    ("commune1", "/admin/users", 403),
    ("auditor", "/admin/audit/export.csv", 200),
    ("producer1", "/admin/audit/export.xlsx", 403),
]


@pytest.mark.parametrize(("user", "path", "status"), ACCESS)
def test_each_page_is_open_only_to_roles_with_its_permission(
    as_user: Any, user: str, path: str, status: int
) -> None:
    assert as_user(user).get(path).status_code == status


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_page(app: Flask) -> None:
    response = app.test_client().get("/admin/audit?actor=x")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def _dossiers(api: Api, n: int) -> list[dict[str, Any]]:
    made = [api.open_dossier(product_name=f"Sản phẩm {i}") for i in range(n)]
    api.call(
        "POST", f"/dossiers/{made[0]['id']}/transitions/submit_plan", "producer1", json={"comment": "=1+2"}
    )
    return made


def test_the_audit_page_shows_the_chain_status_and_filters_events(as_user: Any, api: Api) -> None:
    made = _dossiers(api, 2)
    auditor = as_user("auditor")
    page = auditor.get("/admin/audit").get_data(as_text=True)
    assert 'data-testid="chain-status" data-ok="true"' in page
    only_fire = auditor.get("/admin/audit?action=fire").get_data(as_text=True)
    assert only_fire.count('data-action="fire:') == 1 and 'data-action="open"' not in only_fire
    one = auditor.get(f"/admin/audit?dossier={made[1]['id']}").get_data(as_text=True)
    assert 'data-action="open"' in one and 'data-action="fire:' not in one
    by_actor = auditor.get("/admin/audit?actor=commune1").get_data(as_text=True)
    assert "Không có sự kiện nào khớp bộ lọc." in by_actor
    future = auditor.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "Không có sự kiện nào khớp bộ lọc." in future


def test_bad_filters_are_named_and_do_not_fail(as_user: Any) -> None:
    page = as_user("auditor").get("/admin/audit?since=tomorrow&dossier=abc&until=2020-01-01")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "YYYY-MM-DD" in text and "Mã hồ sơ là một số." in text
    assert 'value="tomorrow"' in text and 'value="abc"' in text and 'value="2020-01-01"' in text


def _open(app: Flask, n: int) -> None:
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    for i in range(n):
        service.open_dossier(
            producer,
            product_name=f"P{i}",
            product_set="01",
            producer_org=producer.organisation,
            commune_code="00583",
        )


def _seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', page)]


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_audit_page_is_paginated_newest_first(as_user: Any, app: Flask) -> None:
    _open(app, 60)
    auditor = as_user("auditor")
    first = auditor.get("/admin/audit").get_data(as_text=True)
    older = _link(first, "next")
    assert older and _link(first, "prev") is None
    second = auditor.get(older).get_data(as_text=True)
    seqs = [_seqs(first), _seqs(second)]
    assert len(seqs[0]) == 50 and seqs[1]
    assert seqs[0] + seqs[1] == sorted(seqs[0] + seqs[1], reverse=True)
    assert seqs[0][-1] == seqs[1][0] + 1  # nothing skipped between pages
    newer = _link(second, "prev")
    assert newer and _seqs(auditor.get(newer).get_data(as_text=True)) == seqs[0]
    oldest = _link(first, "last")
    assert oldest and _seqs(auditor.get(oldest).get_data(as_text=True))[-1] == 1


def test_new_events_do_not_shift_the_older_pages(as_user: Any, app: Flask) -> None:
    _open(app, 60)
    auditor = as_user("auditor")
    first = auditor.get("/admin/audit").get_data(as_text=True)
    _open(app, 3)  # appended while the auditor reads page 1
    second = auditor.get(_link(first, "next") or "").get_data(as_text=True)
    assert _seqs(second)[0] == _seqs(first)[-1] - 1


def test_a_long_log_reads_more_than_the_cap(as_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.service import queries

    monkeypatch.setattr(queries, "AUDIT_COUNT_CAP", 3)
    assert "hơn 3 sự kiện" in as_user("auditor").get("/admin/audit").get_data(as_text=True)


def test_the_pager_keeps_the_filters(as_user: Any, app: Flask) -> None:
    _open(app, 60)
    auditor = as_user("auditor")
    first = auditor.get("/admin/audit?action=open&actor=producer1").get_data(as_text=True)
    older = _link(first, "next") or ""
    assert "action=open" in older and "actor=producer1" in older
    assert 'data-action="create_user"' not in auditor.get(older).get_data(as_text=True)


def test_a_page_past_either_end_is_not_found_and_keeps_the_form(as_user: Any) -> None:
    auditor = as_user("auditor")
    for cursor in ("before=1", "after=99999999"):
        response = auditor.get(f"/admin/audit?{cursor}&actor=admin&since=2020-01-01")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert 'data-testid="page-problem"' in page
        assert 'value="admin"' in page and 'value="2020-01-01"' in page
        assert _link(page, "first") == "/admin/audit?actor=admin&since=2020-01-01"


@pytest.mark.parametrize("cursor", ["before=abc", "after=-3", "before=9" * 30, "before=5&after=2", "after=٣"])
def test_a_bad_page_address_shows_the_newest_page_with_an_error(as_user: Any, cursor: str) -> None:
    response = as_user("auditor").get(f"/admin/audit?{cursor}&action=create_user")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="page-problem"' in page and 'value="create_user"' in page
    assert _seqs(page) and 'data-action="create_user"' in page


def test_the_csv_export_holds_the_filtered_events_and_defuses_formulas(as_user: Any, api: Api) -> None:
    made = _dossiers(api, 2)
    response = as_user("auditor").get(f"/admin/audit/export.csv?dossier={made[0]['id']}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["Mã hành động"] for r in rows] == ["open", "fire:submit_plan"]
    assert {r["Hồ sơ số"] for r in rows} == {str(made[0]["id"])}
    assert rows[1]["Ý kiến"] == "'=1+2"  # a spreadsheet must not run it
    assert all(len(r["Mã băm"]) == 64 for r in rows)


def test_the_excel_export_matches_the_csv(as_user: Any, api: Api) -> None:
    _dossiers(api, 2)
    auditor = as_user("auditor")
    csv_rows = list(
        csv.reader(
            io.StringIO(auditor.get("/admin/audit/export.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    response = auditor.get("/admin/audit/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # The time: ISO 8601 with its offset in the CSV, an Excel date (no zone, milliseconds) in the sheet.
    times = [(row.pop(1), other.pop(1)) for row, other in zip(xlsx_rows[1:], csv_rows[1:], strict=True)]
    assert xlsx_rows == csv_rows
    for excel, iso in times:
        moment = dt.datetime.fromisoformat(iso)
        assert moment.utcoffset() == dt.timedelta(hours=7)
        assert abs(dt.datetime.fromisoformat(excel) - moment.replace(tzinfo=None)) < dt.timedelta(seconds=1)
    comment_cells = [c for row in sheet.iter_rows() for c in row if c.value == "'=1+2"]
    assert comment_cells and all(c.data_type == "s" for c in comment_cells)


def test_an_unknown_export_format_is_refused(as_user: Any) -> None:
    assert as_user("auditor").get("/admin/audit/export.pdf").status_code == 404


def test_an_administrator_creates_a_user_who_can_then_sign_in(as_user: Any, app: Flask) -> None:
    admin = as_user("admin")
    response = admin.post(
        "/admin/users",
        {
            "username": "commune9",
            "display_name": "Cán bộ xã 9",
            "password": "mat-khau-so-9-dai",
            "roles": ["ocop-2026-roles:commune_officer"],
            "area": "00583",
        },
        page="/admin/users",
    )
    assert response.status_code == 302
    assert "commune9" in admin.get("/admin/users").get_data(as_text=True)
    actor = app.extensions["ocopflow"].service.authenticate("commune9", "mat-khau-so-9-dai")
    assert (
        actor is not None
        and actor.roles == frozenset({"ocop-2026-roles:commune_officer"})
        and actor.area == "00583"
    )
    # the change is in the audit log
    log = as_user("auditor").get("/admin/audit?action=create_user&actor=admin").get_data(as_text=True)
    assert log.count('data-action="create_user"') >= 1


def test_a_user_form_with_problems_keeps_what_was_typed_and_names_the_fields(as_user: Any) -> None:
    admin = as_user("admin")
    response = admin.post(
        "/admin/users",
        {"username": "Bad Name!", "display_name": "Người Mới", "password": "x", "organisation": "HTX A"},
        page="/admin/users",
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'value="Người Mới"' in text and 'value="HTX A"' in text
    assert "Chọn ít nhất một vai trò." in text and "Mật khẩu cần" in text
    assert 'value="x"' not in text  # a password is never sent back


def test_control_characters_in_a_user_form_are_refused_not_stored(as_user: Any) -> None:
    response = as_user("admin").post(
        "/admin/users",
        {
            "username": "new1",
            "display_name": "A\x00B",
            "password": "password-long-1",
            "roles": ["ocop-2026-roles:producer"],
        },
        page="/admin/users",
    )
    assert response.status_code == 400  # the input gate (web/inputs.py), before the page's own checks
    assert "ký tự điều khiển" in response.get_data(as_text=True)


def test_a_taken_username_is_refused_by_name(as_user: Any) -> None:
    response = as_user("admin").post(
        "/admin/users",
        {
            "username": "commune1",
            "display_name": "X",
            "password": "password-long-1",
            "roles": ["ocop-2026-roles:producer"],
        },
        page="/admin/users",
    )
    assert response.status_code == 422
    assert "Tên đăng nhập này đã có." in response.get_data(as_text=True)


def test_an_administrator_changes_roles_and_area(as_user: Any, app: Flask) -> None:
    admin = as_user("admin")
    response = admin.post(
        "/admin/users/commune2",
        {"roles": ["ocop-2026-roles:commune_officer", "ocop-2023-roles:producer"], "area": "00583"},
        page="/admin/users",
    )
    assert response.status_code == 302
    actor = app.extensions["ocopflow"].service.actor_for_username("commune2")
    assert actor.roles == frozenset({"ocop-2026-roles:commune_officer", "ocop-2023-roles:producer"})
    assert actor.area == "00583"


def test_forms_without_the_csrf_token_are_refused(as_user: Any, app: Flask) -> None:
    admin = as_user("admin")
    response = admin.client.post("/admin/users/commune2", data={"roles": ["producer"]})
    assert response.status_code == 400
    actor = app.extensions["ocopflow"].service.actor_for_username("commune2")
    assert actor.roles == frozenset({"commune_officer"})


def test_an_edited_event_shows_the_chain_as_broken_at_that_event(as_user: Any, api: Api, app: Flask) -> None:
    made = _dossiers(api, 1)
    database = app.extensions["ocopflow"].database
    with database.engine.begin() as conn:
        query = "SELECT seq FROM audit_events WHERE action = 'fire' AND dossier_id = :d"
        seq = conn.execute(text(query), {"d": made[0]["id"]}).scalar_one()
        drop_guards(conn)  # the append-only triggers first, as a table owner can
        conn.execute(text("UPDATE audit_events SET comment = 'sửa lén' WHERE seq = :s"), {"s": seq})
    page = as_user("auditor").get(f"/admin/audit?dossier={made[0]['id']}").get_data(as_text=True)
    assert 'data-testid="chain-status" data-ok="false"' in page
    assert f"sự kiện số {seq}" in page
    assert f'<tr data-seq="{seq}" class="broken"' in page


def _edit(app: Flask, seq: int, column: str = "comment") -> None:
    with app.extensions["ocopflow"].database.engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text(f"UPDATE audit_events SET {column} = 'sửa lén' WHERE seq = :s"), {"s": seq})


def _status(page: str) -> str:
    found = re.search(r'data-testid="chain-status" data-ok="(\w+)"', page)
    assert found
    return found.group(1)


def test_a_page_view_checks_only_new_events_and_the_full_check_finds_older_edits(
    as_user: Any, api: Api, app: Flask
) -> None:
    auditor = as_user("auditor")
    first = auditor.get("/admin/audit").get_data(as_text=True)
    through = int(re.search(r'data-through="(\d+)"', first).group(1))  # type: ignore[union-attr]
    assert _status(first) == "true" and through > 0 and "Chưa kiểm tra toàn bộ" in first
    _edit(app, through // 2)  # already verified: a page view does not read it again
    assert _status(auditor.get("/admin/audit").get_data(as_text=True)) == "true"
    response = auditor.post("/admin/audit/verify", {"action": "open"}, page="/admin/audit")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/audit?action=open"
    page = auditor.get("/admin/audit").get_data(as_text=True)
    assert _status(page) == "false" and f"sự kiện số {through // 2}" in page
    assert "Lần kiểm tra toàn bộ gần nhất" in page


def test_an_event_edited_after_the_last_view_is_caught_by_the_next_view(
    as_user: Any, api: Api, app: Flask
) -> None:
    auditor = as_user("auditor")
    assert _status(auditor.get("/admin/audit").get_data(as_text=True)) == "true"
    made = _dossiers(api, 1)
    with app.extensions["ocopflow"].database.engine.connect() as conn:
        query = "SELECT seq FROM audit_events WHERE action = 'fire' AND dossier_id = :d"
        seq = conn.execute(text(query), {"d": made[0]["id"]}).scalar_one()
    _edit(app, seq, "actor")
    page = auditor.get("/admin/audit").get_data(as_text=True)
    assert _status(page) == "false" and f"sự kiện số {seq}" in page


def test_the_full_check_needs_the_audit_permission_and_the_csrf_token(as_user: Any) -> None:
    for user in ("admin", "producer1"):
        assert as_user(user).post("/admin/audit/verify", {}, page="/dossiers").status_code == 403
    auditor = as_user("auditor")
    assert auditor.client.post("/admin/audit/verify", data={}).status_code == 400
    ok = auditor.post("/admin/audit/verify", {}, page="/admin/audit", follow_redirects=True)
    assert ok.status_code == 200 and "Đã kiểm tra toàn bộ chuỗi" in ok.get_data(as_text=True)


def test_an_area_that_is_no_administrative_unit_is_refused_by_name(as_user: Any, app: Flask) -> None:
    admin = as_user("admin")
    response = admin.post(
        "/admin/users",
        {
            "username": "ghost",
            "display_name": "X",
            "password": "long-password-1",
            "roles": ["ocop-2026-roles:producer"],
            "area": "99999",
        },
        page="/admin/users",
    )
    assert response.status_code == 422
    assert "Không có đơn vị hành chính mã 99999" in response.get_data(as_text=True)
    assert app.extensions["ocopflow"].service.actor_for_username("ghost") is None
    response = admin.post(
        "/admin/users/commune2",
        {"roles": ["ocop-2026-roles:commune_officer"], "area": "99999"},
        page="/admin/users",
    )
    assert "Không có đơn vị hành chính mã 99999" in admin.get("/admin/users").get_data(as_text=True)
    assert app.extensions["ocopflow"].service.actor_for_username("commune2").area == "10183"
