"""The admin users page grants a role of a given regime (roles file), and the grant counts only
there: a commune officer of the 2023 regime does not see a dossier running under 2026."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from engine.errors import InvalidForm
from tests.web._api_support import Api


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def _row(page: str, username: str) -> str:
    match = re.search(rf'<tr data-user="{username}">(.*?)</tr>', page, re.S)
    assert match, username
    return match.group(1)


def test_the_users_page_lists_the_roles_by_regime_and_a_legacy_grant_apart(as_user: Any) -> None:
    page = as_user("admin").get("/admin/users").get_data(as_text=True)
    create_form = page[page.index("Thêm người dùng") :]
    for regime, title in (
        ("ocop-2026-roles", "OCOP theo Quyết định 26/2026/QĐ-TTg"),
        ("ocop-2023-roles", "OCOP theo Quyết định 148/QĐ-TTg (2023)"),
    ):
        assert f'data-regime="{regime}"><legend>{title}' in create_form
        assert f'value="{regime}:council_member"' in create_form
    assert "Dùng cho: ocop-2025, ocop-2026" in create_form
    # commune1's role was stored before namespaces: shown apart, and both regimes' boxes are ticked
    row = _row(page, "commune1")
    assert "Mọi chế độ (chưa gắn tệp vai trò):" in row and "Cán bộ UBND cấp xã" in row
    for regime in ("ocop-2023-roles", "ocop-2026-roles"):
        assert f'value="{regime}:commune_officer" checked' in row
    assert 'value="ocop-2026-roles:producer" checked' not in row


def test_a_role_granted_for_one_regime_counts_only_in_that_regime(as_user: Any, api: Api, app: Flask) -> None:
    dossier = api.open_dossier()  # runs under ocop-2026, in commune1's commune
    assert api.call("GET", f"/dossiers/{dossier['id']}", "commune1").status_code == 200
    admin = as_user("admin")
    response = admin.post(
        "/admin/users/commune1",
        {"roles": ["ocop-2023-roles:commune_officer"], "area": "00583"},
        page="/admin/users",
    )
    assert response.status_code == 302
    service = app.extensions["ocopflow"].service
    assert service.actor_for_username("commune1").roles == frozenset({"ocop-2023-roles:commune_officer"})
    assert api.call("GET", f"/dossiers/{dossier['id']}", "commune1").status_code == 404
    row = _row(admin.get("/admin/users").get_data(as_text=True), "commune1")
    assert (
        'data-regime="ocop-2023-roles"><span class="muted small">OCOP theo Quyết định 148/QĐ-TTg (2023):'
        in row
    )
    assert "Mọi chế độ" not in row

    admin.post(
        "/admin/users/commune1",
        {"roles": ["ocop-2026-roles:commune_officer"], "area": "00583"},
        page="/admin/users",
    )
    assert api.call("GET", f"/dossiers/{dossier['id']}", "commune1").status_code == 200
    log = as_user("auditor").get("/admin/audit?action=set_roles").get_data(as_text=True)
    assert log.count('data-action="set_roles"') == 2


def test_a_grant_no_roles_file_defines_is_refused(app: Flask) -> None:
    service = app.extensions["ocopflow"].service
    admin = service.actor_for_username("admin")
    with pytest.raises(InvalidForm) as refused:
        service.set_roles(admin, "commune1", ["ocop-2026-roles:district_officer"])
    assert "ocop-2026-roles:district_officer" in str(refused.value)
    service.set_roles(admin, "commune1", ["ocop-2023-roles:district_officer"])
    assert service.actor_for_username("commune1").roles == frozenset({"ocop-2023-roles:district_officer"})


def test_work_and_notifications_follow_the_regime_of_the_grant(api: Api, app: Flask) -> None:
    service = app.extensions["ocopflow"].service
    admin = service.actor_for_username("admin")
    service.set_roles(admin, "producer1", ["ocop-2026-roles:producer"])
    service.set_roles(admin, "commune1", ["ocop-2026-roles:commune_officer"])
    service.set_roles(admin, "commune2", ["ocop-2023-roles:commune_officer"], area="00583")
    dossier = api.open_dossier()  # ocop-2026, producer1's organisation, commune1's commune
    producer = service.actor_for_username("producer1")
    assert dossier["id"] in [d.id for d in service.my_work(producer)]
    fired = api.call("POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "producer1", json={})
    assert fired.status_code == 200, fired.get_json()
    # the notify effect reaches the 2026 commune officer, not the 2023 one of the same commune
    commune1 = service.actor_for_username("commune1")
    commune2 = service.actor_for_username("commune2")
    assert any(item.dossier_id == dossier["id"] for item in service.notices.inbox(commune1))
    assert not any(item.dossier_id == dossier["id"] for item in service.notices.inbox(commune2))
    assert dossier["id"] in [d.id for d in service.my_work(commune1)]
    assert dossier["id"] not in [d.id for d in service.my_work(commune2)]
