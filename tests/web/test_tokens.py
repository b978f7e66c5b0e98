"""API tokens with a life: an expiry, a list, revocation by their holder (page and API) and by an
administrator, and no revival when a deactivated user is reactivated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from engine.storage import tables as t
from tests.web._api_support import Api, assert_error_shape
from tests.web.client import PASSWORD


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def _issue(api: Api, username: str, **body: Any) -> dict[str, Any]:
    response = api.client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, **body}
    )
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def _get(api: Api, path: str, token: str) -> Any:
    return api.client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def _delete(api: Api, path: str, token: str) -> Any:
    return api.client.delete(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def test_a_token_has_an_expiry_from_the_setting_or_the_request(api: Api, app: Flask) -> None:
    default = _issue(api, "producer1")
    issued = dt.datetime.fromisoformat(default["created_at"].removesuffix("Z"))
    expires = dt.datetime.fromisoformat(default["expires_at"].removesuffix("Z"))
    assert expires - issued == dt.timedelta(days=app.config["API_TOKEN_DAYS"])
    short = _issue(api, "producer1", expires_in_days=1, label="script")
    assert short["label"] == "script"
    expires = dt.datetime.fromisoformat(short["expires_at"].removesuffix("Z"))
    assert expires - dt.datetime.fromisoformat(short["created_at"].removesuffix("Z")) == dt.timedelta(days=1)
    too_long = api.client.post(
        "/api/v1/auth/token", json={"username": "producer1", "password": PASSWORD, "expires_in_days": 366}
    )
    assert_error_shape(too_long, 422)


def test_an_expired_token_is_refused(api: Api, app: Flask) -> None:
    issued = _issue(api, "producer1")
    assert _get(api, "/dossiers", issued["token"]).status_code == 200
    with app.extensions["ocopflow"].database.transaction() as repo:
        repo.connection.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.id == issued["id"])
            .values(expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1))
        )
    assert_error_shape(_get(api, "/dossiers", issued["token"]), 401)


def test_a_holder_lists_and_revokes_their_token_and_it_fails_on_the_next_call(api: Api, app: Flask) -> None:
    first, second = _issue(api, "producer1", label="one"), _issue(api, "producer1", label="two")
    listed = _get(api, "/auth/tokens", first["token"]).get_json()["items"]
    assert [item["label"] for item in listed] == ["two", "one"]
    assert all("token" not in item for item in listed)  # never a secret again
    revoked = _delete(api, f"/auth/tokens/{second['id']}", first["token"])
    assert revoked.status_code == 200 and revoked.get_json()["revoked"] is True
    assert_error_shape(_get(api, "/dossiers", second["token"]), 401)
    assert _get(api, "/dossiers", first["token"]).status_code == 200
    with app.extensions["ocopflow"].database.engine.connect() as conn:
        actions = conn.execute(select(t.audit_events.c.action)).scalars().all()
    assert actions.count("issue_api_token") == 2 and actions.count("revoke_api_token") == 1


def test_another_users_token_can_be_neither_listed_nor_revoked(api: Api) -> None:
    theirs, mine = _issue(api, "producer2"), _issue(api, "producer1")
    assert_error_shape(_delete(api, f"/auth/tokens/{theirs['id']}", mine["token"]), 404)
    assert_error_shape(_delete(api, "/auth/tokens/999999", mine["token"]), 404)  # the same answer
    assert_error_shape(_delete(api, f"/auth/tokens/{2**40}", mine["token"]), 404)  # past the id range
    assert_error_shape(_get(api, "/auth/tokens?username=producer2", mine["token"]), 403)
    assert _get(api, "/dossiers", theirs["token"]).status_code == 200


def test_an_administrator_lists_and_revokes_anyones_token_through_the_api(api: Api) -> None:
    theirs, admin = _issue(api, "producer2"), _issue(api, "admin")
    listed = _get(api, "/auth/tokens?username=producer2", admin["token"]).get_json()["items"]
    assert [item["id"] for item in listed] == [theirs["id"]]
    assert _delete(api, f"/auth/tokens/{theirs['id']}", admin["token"]).status_code == 200
    assert_error_shape(_get(api, "/dossiers", theirs["token"]), 401)


def test_an_administrator_revokes_a_token_on_the_users_page(api: Api, as_user: Any) -> None:
    theirs = _issue(api, "producer1", label="laptop")
    admin = as_user("admin")
    page = admin.get("/admin/users/producer1").get_data(as_text=True)
    assert f'data-token="{theirs["id"]}"' in page and "laptop" in page
    assert f'action="/admin/users/producer1/tokens/{theirs["id"]}/revoke"' in page
    response = admin.post(
        f"/admin/users/producer1/tokens/{theirs['id']}/revoke", page="/admin/users/producer1"
    )
    assert response.status_code == 302
    assert_error_shape(_get(api, "/dossiers", theirs["token"]), 401)
    assert "đã thu hồi" in admin.get("/admin/users/producer1").get_data(as_text=True)


def test_reactivating_a_user_does_not_revive_their_tokens(api: Api, as_user: Any) -> None:
    issued = _issue(api, "producer1")
    admin = as_user("admin")
    admin.post("/admin/users/producer1/deactivate", page="/admin/users/producer1")
    assert_error_shape(_get(api, "/dossiers", issued["token"]), 401)
    admin.post("/admin/users/producer1/reactivate", page="/admin/users/producer1")
    assert_error_shape(_get(api, "/dossiers", issued["token"]), 401)
    fresh = _issue(api, "producer1")
    assert _get(api, "/dossiers", fresh["token"]).status_code == 200


def test_a_password_reset_revokes_the_users_tokens(api: Api, as_user: Any) -> None:
    issued = _issue(api, "producer1")
    as_user("admin").post("/admin/users/producer1/reset-password", page="/admin/users/producer1")
    assert_error_shape(_get(api, "/dossiers", issued["token"]), 401)


def test_a_person_makes_and_revokes_tokens_on_their_own_page(as_user: Any, api: Api) -> None:
    b = as_user("producer1")
    assert "Chưa có mã truy cập nào." in b.get("/account").get_data(as_text=True)
    made = b.post("/account/tokens", {"label": "máy tính bảng", "days": "7"}, page="/account")
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and 'data-testid="new-token"' in page
    secret = page.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
    assert secret.startswith("ocf_")
    assert _get(api, "/dossiers", secret).status_code == 200
    again = b.get("/account").get_data(as_text=True)
    assert secret not in again and "máy tính bảng" in again  # shown once
    token_id = _get(api, "/auth/tokens", secret).get_json()["items"][0]["id"]
    assert f'action="/account/tokens/{token_id}/revoke"' in again
    assert b.post(f"/account/tokens/{token_id}/revoke", page="/account").status_code == 302
    assert_error_shape(_get(api, "/dossiers", secret), 401)
    bad = b.post("/account/tokens", {"days": "400"}, page="/account")
    assert bad.status_code == 422 and "từ 1 đến 365 ngày" in bad.get_data(as_text=True)


def test_a_person_cannot_revoke_someone_elses_token_from_their_page(as_user: Any, api: Api) -> None:
    theirs = _issue(api, "producer2")
    b = as_user("producer1")
    response = b.post(f"/account/tokens/{theirs['id']}/revoke", page="/account", follow_redirects=True)
    assert f"Không có mã truy cập số {theirs['id']}." in response.get_data(as_text=True)
    assert _get(api, "/dossiers", theirs["token"]).status_code == 200
