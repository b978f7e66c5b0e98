"""A new regime from a folder of YAML to dossiers running under it, through the admin page alone:
installed as one bundle (any order, or a zip), approved by a second administrator, still there
after a restart and seen by a second app on the same database, then driven through the API.
Also: the migration page, and the administrators' API for definitions and users."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web._api_support import Api, assert_error_shape
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import make_app

HOMESTAY = Path(__file__).resolve().parents[1] / "fixtures" / "homestay"


def files(order: list[int] | None = None) -> list[tuple[str, bytes]]:
    found = [(p.name, p.read_bytes()) for p in sorted(HOMESTAY.iterdir())]
    return [found[i] for i in order] if order else found


def upload(
    admin: Browser, chosen: list[tuple[str, bytes]], path: str = "/admin/definitions/check", **extra: str
) -> Any:
    return admin.post(
        path,
        {"file": [(io.BytesIO(body), name) for name, body in chosen], **extra},
        page="/admin/definitions",
        content_type="multipart/form-data",
    )


def carried(page: str) -> dict[str, Any]:
    """The install form of the check page, as a browser would post it."""
    names = re.findall(r'<input type="hidden" name="name" value="([^"]+)">', page)
    bodies = re.findall(r'<textarea name="body" hidden>(.*?)</textarea>', page, re.S)
    import html

    return {"name": names, "body": [html.unescape(b) for b in bodies]}


def sign_in(app: Flask, username: str) -> Browser:
    b = Browser(app.test_client())
    assert b.login(username).status_code == 302
    return b


@pytest.fixture
def admins(app: Flask) -> Flask:
    service = app.extensions["ocopflow"].service
    service.create_user(service.actor_for_username("admin"), "admin2", PASSWORD, ["admin"])
    return app


def install_through_the_page(app: Flask, order: list[int] | None = None) -> None:
    admin = sign_in(app, "admin")
    check = upload(admin, files(order))
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Không có lỗi." in page
    assert 'data-testid="four-eyes"' in page and page.count('data-item="') == 5
    proposed = admin.post("/admin/definitions/activate", carried(page), page="/admin/definitions")
    assert proposed.status_code == 302
    listing = admin.get("/admin/definitions").get_data(as_text=True)
    bundle = re.search(r'data-bundle="([0-9a-f]{64})"', listing).group(1)
    # The proposer may not approve: refused with the reason, nothing active.
    own = admin.post(
        f"/admin/definitions/bundles/{bundle}/approve", page="/admin/definitions", follow_redirects=True
    )
    assert "bốn mắt" in own.get_data(as_text=True)
    assert "homestay" not in app.extensions["ocopflow"].catalog.workflows
    second = sign_in(app, "admin2")
    approved = second.post(
        f"/admin/definitions/bundles/{bundle}/approve", page="/admin/definitions", follow_redirects=True
    )
    assert "có hiệu lực" in approved.get_data(as_text=True)


def test_a_new_regime_installed_through_the_page_survives_a_restart_and_runs_through_the_api(
    admins: Flask, tmp_path: Path, catalog: Any, database_url: str
) -> None:
    install_through_the_page(admins, order=[5, 3, 1, 0, 4, 2])  # the scoring form before its workflow
    admins.extensions["ocopflow"].database.engine.dispose()
    restarted = make_app(tmp_path / "again", catalog, database_url)  # the shipped folders + the database
    try:
        api = Api(restarted.test_client())
        people = {
            "owner1": ["owner"],
            "xa1": ["commune_officer"],
            "insp1": ["inspector"],
            "lead1": ["inspection_lead"],
            "kiemtra": ["ocop-2026-roles:auditor"],  # the shared role homestay-roles uses
            "kiemtra23": ["ocop-2023-roles:auditor"],  # another regime's auditor: not shared
        }
        for username, roles in people.items():
            area = "00583" if username in ("owner1", "xa1") else "01"
            created = api.call("POST", "/users", "admin", json={"username": username, "password": PASSWORD, "roles": roles,
                                                                  "area": area, "organisation": "Nhà Gốm"})  # fmt: skip
            assert created.status_code == 201, created.get_json()
        opened = api.call("POST", "/dossiers", "owner1", json={"product_name": "Nhà Gốm", "product_set": "homestay",
                          "producer_org": "Nhà Gốm", "commune_code": "00583", "workflow_id": "homestay"})  # fmt: skip
        assert opened.status_code == 201, opened.get_json()
        ident = opened.get_json()["id"]
        form = api.call("PUT", f"/dossiers/{ident}/forms/homestay-application", "owner1",
                        json={"answers": {"name": "Nhà Gốm", "rooms": 4}})  # fmt: skip
        assert form.status_code == 200, form.get_json()
        for transition, user in (("submit", "owner1"), ("send_to_inspection", "xa1")):
            fired = api.call("POST", f"/dossiers/{ident}/transitions/{transition}", user, json={})
            assert fired.status_code == 200, fired.get_json()
        sheet = {"answers": {"fire_safety": "c", "hygiene": "b"}, "final": True}
        for user in ("insp1", "lead1"):
            scored = api.call("PUT", f"/dossiers/{ident}/scores/me", user, json=sheet)
            assert scored.status_code == 200, scored.get_json()
        done = api.call("POST", f"/dossiers/{ident}/transitions/certify", "lead1", json={})
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["state"] == "certified"
        # One grant of the OCOP auditor audits the new regime too; the 2023 auditor sees nothing of it.
        assert api.call("GET", f"/dossiers/{ident}", "kiemtra").get_json()["state"] == "certified"
        assert api.call("GET", f"/dossiers/{ident}", "kiemtra23").status_code == 404
        # The users page knows the new roles after the restart.
        users_page = sign_in(restarted, "admin").get("/admin/users").get_data(as_text=True)
        assert "Trưởng đoàn kiểm tra" in users_page
    finally:
        restarted.extensions["ocopflow"].database.engine.dispose()


def test_a_second_app_on_the_same_database_sees_an_activation(
    admins: Flask, tmp_path: Path, catalog: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_app(tmp_path / "worker2", catalog, database_url)  # another gunicorn worker
    try:
        monkeypatch.setattr("engine.service.base.CATALOG_CHECK_SECONDS", 0.0)
        assert "Chủ homestay" not in sign_in(other, "admin").get("/admin/users").get_data(as_text=True)
        install_through_the_page(admins)
        assert "Chủ homestay" in sign_in(other, "admin").get("/admin/users").get_data(as_text=True)
        assert "homestay" in other.extensions["ocopflow"].catalog.workflows
    finally:
        other.extensions["ocopflow"].database.engine.dispose()


def test_a_zip_bundle_is_checked_like_its_files(admins: Flask) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name, body in files():
            z.writestr(f"homestay/{name}", body)
    page = upload(sign_in(admins, "admin"), [("homestay.zip", archive.getvalue())]).get_data(as_text=True)
    assert "Không có lỗi." in page and page.count('data-item="') == 5


def test_a_bundle_with_bad_files_lists_every_problem_with_its_file_and_line_and_installs_nothing(
    admins: Flask,
) -> None:
    chosen = [
        (name, body.replace(b"points: 50}", b"points: 500}") if name == "inspection.yaml" else body)
        for name, body in files()
    ]
    chosen = [
        (n, b.replace(b"to: refused", b"to: nowhere") if n == "homestay.yaml" else b) for n, b in chosen
    ]
    admin = sign_in(admins, "admin")
    page = upload(admin, chosen).get_data(as_text=True)
    assert 'data-file="inspection.yaml"' in page and 'data-file="homestay.yaml"' in page
    assert re.search(r'data-file="homestay.yaml" data-line="[1-9]\d*"', page)
    assert 'data-testid="activate"' not in page
    refused = admin.post("/admin/definitions/activate", {"name": [n for n, _ in chosen],
                         "body": [b.decode() for _, b in chosen]}, page="/admin/definitions")  # fmt: skip
    assert refused.status_code == 422
    assert not admins.extensions["ocopflow"].service.definition_versions("workflow", "homestay")


def test_the_page_shows_how_much_later_a_proposed_date_is(admins: Flask) -> None:
    page = upload(sign_in(admins, "admin"), files(), effective_from="2026-01-31").get_data(as_text=True)
    assert "muộn hơn tệp 30 ngày" in page
    early = upload(sign_in(admins, "admin"), files(), effective_from="2025-12-01").get_data(as_text=True)
    assert "E602" in early and 'data-testid="activate"' not in early


def test_an_installed_bundle_offers_no_second_activation(admins: Flask) -> None:
    install_through_the_page(admins)
    page = upload(sign_in(admins, "admin"), files()).get_data(as_text=True)
    assert 'data-testid="installed"' in page and 'data-testid="activate"' not in page


def test_deactivating_warns_with_the_open_dossiers_and_they_go_on(admins: Flask) -> None:
    install_through_the_page(admins)
    service = admins.extensions["ocopflow"].service
    admin = service.actor_for_username("admin")
    service.create_user(admin, "owner1", PASSWORD, ["owner"], area="00583", organisation="Nhà Gốm")
    owner = service.actor_for_username("owner1")
    opened = service.open_dossier(owner, product_name="Nhà Gốm", product_set="homestay", producer_org="Nhà Gốm",
                                  commune_code="00583", workflow_id="homestay")  # fmt: skip
    (workflow,) = service.definition_versions("workflow", "homestay")
    browser = sign_in(admins, "admin")
    page = browser.get(f"/admin/definitions/{workflow.sha256}").get_data(as_text=True)
    assert 'data-testid="affected"' in page and f"#{opened.id}" in page
    done = browser.post(
        f"/admin/definitions/{workflow.sha256}/deactivate", page="/admin/definitions", follow_redirects=True
    )
    assert "1 hồ sơ đang mở vẫn chạy theo phiên bản này" in done.get_data(as_text=True)
    assert service.get_dossier(owner, opened.id).state == "application"


def test_the_migration_page_previews_then_applies(app: Flask, walk: Any) -> None:
    service = app.extensions["ocopflow"].service
    admin_actor = service.actor_for_username("admin")
    dossier = service.get_dossier(admin_actor, walk("business_plan"))
    source = service.catalog.workflows["ocop-2026"].source.text
    service.install_bundle(admin_actor, [("v2.yaml", source.replace('version: "2026.2"', 'version: "2026.3"')
                                          .replace("business_plan", "plan_submitted"))])  # fmt: skip
    admin = sign_in(app, "admin")
    plan = 'workflow: ocop-2026\nfrom: "2026.2"\nto: "2026.3"\nstates: {}\n'
    blocked = admin.post("/admin/migrations/preview", {"plan": plan}, page="/admin/migrations")
    assert blocked.status_code == 422
    assert f'data-dossier="{dossier.id}" data-outcome="blocked"' in blocked.get_data(as_text=True)
    wrong = admin.post(
        "/admin/migrations/preview",
        {"plan": plan.replace("{}", "{business_plan: nowhere}")},
        page="/admin/migrations",
    )
    assert "E703" in wrong.get_data(as_text=True) and 'data-line="4"' in wrong.get_data(as_text=True)
    good = plan.replace("{}", "{business_plan: plan_submitted}")
    preview = admin.post("/admin/migrations/preview", {"plan": good}, page="/admin/migrations").get_data(
        as_text=True
    )
    assert f'data-dossier="{dossier.id}" data-outcome="moves"' in preview and 'data-testid="apply"' in preview
    assert service.get_dossier(admin_actor, dossier.id).workflow_version == "2026.2"
    applied = admin.post(
        "/admin/migrations/apply", {"plan": good}, page="/admin/migrations", follow_redirects=True
    )
    assert "Đã chuyển" in applied.get_data(as_text=True)
    moved = service.get_dossier(admin_actor, dossier.id)
    assert (moved.workflow_version, moved.state) == ("2026.3", "plan_submitted")


def test_the_definitions_api_installs_all_or_nothing_for_administrators_only(admins: Flask) -> None:
    api = Api(admins.test_client())
    bundle = [{"name": n, "text": b.decode()} for n, b in files()]
    assert_error_shape(api.call("POST", "/definitions", "producer1", json={"files": bundle}), 403)
    broken = [dict(f, text=f["text"].replace("to: refused", "to: nowhere")) for f in bundle]
    refused = assert_error_shape(api.call("POST", "/definitions", "admin", json={"files": broken}), 422)
    problems = refused["details"]["problems"]
    assert ("homestay.yaml", "E203") in {(p["file"], p["code"]) for p in problems}
    assert all(p["line"] > 0 and p["message"] for p in problems)
    proposed = api.call("POST", "/definitions", "admin", json={"files": bundle})
    assert proposed.status_code == 201 and proposed.get_json()["pending"] is True
    ident = proposed.get_json()["bundle"]
    assert_error_shape(api.call("POST", f"/definitions/bundles/{ident}/approve", "admin"), 403)
    approved = api.call("POST", f"/definitions/bundles/{ident}/approve", "admin2")
    assert approved.status_code == 200 and {v["status"] for v in approved.get_json()["versions"]} == {
        "active"
    }
    listed = api.call("GET", "/definitions", "admin").get_json()["items"]
    assert {"proposed_by": "admin", "approved_by": "admin2"}.items() <= next(
        v for v in listed if v["def_id"] == "homestay"
    ).items()


def test_the_users_api_is_for_administrators(app: Flask) -> None:
    api = Api(app.test_client())
    assert_error_shape(api.call("GET", "/users", "auditor"), 403)
    body = {
        "username": "newcomer",
        "password": "long-enough-pw",
        "roles": ["commune_officer"],
        "area": "00583",
    }
    assert_error_shape(api.call("POST", "/users", "province1", json=body), 403)
    assert api.call("POST", "/users", "admin", json=body).status_code == 201
    assert_error_shape(api.call("POST", "/users", "admin", json=body), 409)
    wrong = assert_error_shape(
        api.call("POST", "/users", "admin", json={**body, "username": "x", "roles": ["wizard"]}), 422
    )
    assert "roles" in wrong["details"]["problems"]
    names = {u["username"]: u for u in api.call("GET", "/users", "admin").get_json()["items"]}
    assert names["newcomer"]["roles"] == ["commune_officer"] and names["newcomer"]["active"] is True


def test_back_dating_a_filing_without_the_role_is_403_with_the_reason(app: Flask) -> None:
    import datetime as dt

    api = Api(app.test_client())
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    refused = api.call("POST", "/dossiers", "producer1", json={"product_name": "Bình gốm", "product_set": "01",
                       "producer_org": "HTX Gốm Bát Tràng", "commune_code": "00583", "filed_on": yesterday},
                       headers={"Accept-Language": "en"})  # fmt: skip
    error = assert_error_shape(refused, 403, "permission_denied")
    assert error["details"]["reason"] == "backdate" and "server's date" in error["message"]
