"""Sessions that end: a sign-out, a deactivation or a password reset ends every copy of the
cookie within one request; idle and absolute timeouts; the administrator's account pages;
the password rule and the hash upgrade. Each account change lands in the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from engine.definitions.model import Catalog
from engine.storage import tables as t
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import add_people, make_app


def _copy_of(browser: Browser, app: Flask) -> Browser:
    """Another client holding the same cookie: what an attacker who captured it has."""
    cookie = browser.client.get_cookie("ocopflow_session")
    assert cookie is not None
    thief = Browser(app.test_client())
    thief.client.set_cookie("ocopflow_session", cookie.value)
    return thief


def _actions(app: Flask) -> list[str]:
    with app.extensions["ocopflow"].database.engine.connect() as conn:
        return list(conn.execute(select(t.audit_events.c.action).order_by(t.audit_events.c.seq)).scalars())


def _age_sessions(app: Flask, username: str, **ago: dt.timedelta) -> None:
    db = app.extensions["ocopflow"].database
    with db.transaction() as repo:
        user_id = repo.user_by_username(username)["id"]
        row = repo.connection.execute(
            select(t.web_sessions).where(t.web_sessions.c.user_id == user_id)
        ).first()
        values = {column: getattr(row, column) - delta for column, delta in ago.items()}
        repo.connection.execute(
            update(t.web_sessions).where(t.web_sessions.c.user_id == user_id).values(**values)
        )


def test_a_cookie_captured_before_sign_out_is_worthless_after_it(as_user: Any, app: Flask) -> None:
    b = as_user("commune1")
    thief = _copy_of(b, app)
    assert thief.get("/work").status_code == 200
    b.post("/logout", page="/work")
    assert thief.get("/work").status_code == 302
    assert "/login" in thief.get("/work").headers["Location"]


def test_another_sign_in_of_the_same_user_keeps_its_own_session(as_user: Any) -> None:
    phone, laptop = as_user("commune1"), as_user("commune1")
    phone.post("/logout", page="/work")
    assert laptop.get("/work").status_code == 200


def test_a_deactivation_ends_a_captured_cookie_at_once_and_a_reactivation_does_not_revive_it(
    as_user: Any, app: Flask
) -> None:
    victim = as_user("commune1")
    thief = _copy_of(victim, app)
    admin = as_user("admin")
    assert admin.post("/admin/users/commune1/deactivate", page="/admin/users/commune1").status_code == 302
    assert thief.get("/work").status_code == 302
    assert victim.login("commune1").status_code == 401  # cannot sign in either
    assert "đã khoá" in admin.get("/admin/users/commune1").get_data(as_text=True)
    admin.post("/admin/users/commune1/reactivate", page="/admin/users/commune1")
    assert thief.get("/work").status_code == 302  # the old session stays ended
    assert victim.login("commune1").status_code == 302
    assert _actions(app)[-2:] == ["deactivate_user", "reactivate_user"]
    assert app.extensions["ocopflow"].service.verify_audit().ok


def test_an_administrator_cannot_deactivate_their_own_account(as_user: Any) -> None:
    admin = as_user("admin")
    response = admin.post("/admin/users/admin/deactivate", page="/admin/users/admin", follow_redirects=True)
    assert "Không thể tự khoá tài khoản của chính mình." in response.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200


def test_the_account_pages_are_for_administrators_only(as_user: Any) -> None:
    officer = as_user("commune1")
    assert officer.get("/admin/users/commune2").status_code == 403
    assert officer.post("/admin/users/commune2/deactivate", page="/work").status_code == 403
    assert officer.post("/admin/users/commune2/reset-password", page="/work").status_code == 403
    assert as_user("admin").get("/admin/users/nobody-here").status_code == 404


def test_a_session_idle_longer_than_the_setting_ends(as_user: Any, app: Flask) -> None:
    b = as_user("commune1")
    _age_sessions(app, "commune1", seen_at=dt.timedelta(minutes=29), created_at=dt.timedelta(minutes=29))
    assert b.get("/work").status_code == 200  # 29 minutes idle: the default allows 30
    _age_sessions(app, "commune1", seen_at=dt.timedelta(minutes=31))
    assert b.get("/work").status_code == 302


def test_a_busy_session_still_ends_at_the_absolute_timeout(as_user: Any, app: Flask) -> None:
    b = as_user("commune1")
    _age_sessions(app, "commune1", created_at=dt.timedelta(hours=11, minutes=59))
    assert b.get("/work").status_code == 200
    _age_sessions(app, "commune1", created_at=dt.timedelta(minutes=2))
    assert b.get("/work").status_code == 302


def test_the_timeouts_are_settings(tmp_path: Path, catalog: Catalog, database_url: str) -> None:
    app = make_app(tmp_path, catalog, database_url, SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    try:
        add_people(app)
        b = Browser(app.test_client())
        assert b.login("commune1").status_code == 302
        _age_sessions(app, "commune1", seen_at=dt.timedelta(minutes=6))
        assert b.get("/work").status_code == 302
    finally:
        app.extensions["ocopflow"].database.engine.dispose()


def test_a_cookie_of_the_old_kind_holding_a_username_signs_no_one_in(app: Flask) -> None:
    """Before server-side sessions the cookie held the username: a captured one lasted 31 days."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "admin"
    assert client.get("/work").status_code == 302


def _reset(app: Flask, as_user: Any, username: str) -> str:
    page = as_user("admin").post(f"/admin/users/{username}/reset-password", page=f"/admin/users/{username}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    start = text.index('<code class="secret">') + len('<code class="secret">')
    return text[start : text.index("</code>", start)]


def test_a_password_reset_forces_a_new_password_at_the_next_sign_in(as_user: Any, app: Flask) -> None:
    before = as_user("commune1")
    temporary = _reset(app, as_user, "commune1")
    assert len(temporary) >= 12
    assert before.get("/work").status_code == 302  # the reset ended the session
    b = Browser(app.test_client())
    assert b.login("commune1", PASSWORD).status_code == 401  # the old password is gone
    signed = b.login("commune1", temporary)
    assert signed.headers["Location"].endswith("/account/password")
    for path in ("/work", "/dossiers", "/account"):
        response = b.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    page = b.get("/account/password").get_data(as_text=True)
    assert 'data-testid="must-change"' in page
    # the API refuses a token until the password is changed
    api = app.test_client().post("/api/v1/auth/token", json={"username": "commune1", "password": temporary})
    assert api.status_code == 403
    short = b.post(
        "/account/password",
        {"current": temporary, "password": "short-pass1", "confirm": "short-pass1"},
        page="/account/password",
    )
    assert short.status_code == 422 and "Mật khẩu cần từ 12 ký tự." in short.get_data(as_text=True)
    new = "một câu mật khẩu dài"
    done = b.post(
        "/account/password", {"current": temporary, "password": new, "confirm": new}, page="/account/password"
    )
    assert done.status_code == 302
    assert b.get("/work").status_code == 200
    assert Browser(app.test_client()).login("commune1", new).status_code == 302
    actions = _actions(app)
    assert actions.index("reset_password") < actions.index("change_password")
    assert app.extensions["ocopflow"].service.verify_audit().ok


def test_a_password_change_needs_the_current_password_and_ends_the_other_sessions(
    as_user: Any, app: Flask
) -> None:
    here, elsewhere = as_user("producer1"), as_user("producer1")
    new = "mật khẩu mới rất dài"
    wrong = here.post(
        "/account/password", {"current": "nope", "password": new, "confirm": new}, page="/account/password"
    )
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    mismatch = here.post(
        "/account/password",
        {"current": PASSWORD, "password": new, "confirm": new + "x"},
        page="/account/password",
    )
    assert mismatch.status_code == 422
    done = here.post(
        "/account/password", {"current": PASSWORD, "password": new, "confirm": new}, page="/account/password"
    )
    assert done.status_code == 302
    assert here.get("/work").status_code == 200
    assert elsewhere.get("/work").status_code == 302


@pytest.mark.parametrize(
    ("password", "accepted"), [("a" * 11, False), ("a" * 12, True), ("a" * 128, True), ("a" * 129, False)]
)
def test_a_new_user_needs_a_password_of_12_to_128_characters(
    as_user: Any, app: Flask, password: str, accepted: bool
) -> None:
    response = as_user("admin").post(
        "/admin/users",
        {
            "username": "newbie",
            "display_name": "Người mới",
            "password": password,
            "roles": ["ocop-2026-roles:producer"],
        },
        page="/admin/users",
    )
    assert (response.status_code == 302) is accepted
    assert (app.extensions["ocopflow"].service.authenticate("newbie", password) is not None) is accepted


def test_an_old_format_hash_still_signs_in_and_is_upgraded(app: Flask) -> None:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(b"old-password", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"
    db = app.extensions["ocopflow"].database
    with db.transaction() as repo:
        repo.update_user(repo.user_by_username("producer2")["id"], password_hash=legacy)
    assert Browser(app.test_client()).login("producer2", "wrong-password").status_code == 401
    assert Browser(app.test_client()).login("producer2", "old-password").status_code == 302
    with db.transaction(write=False) as repo:
        stored = repo.user_by_username("producer2")["password_hash"]
    assert stored.startswith("scrypt:") and stored != legacy
    assert Browser(app.test_client()).login("producer2", "old-password").status_code == 302


def test_a_sign_in_deletes_the_users_ended_and_timed_out_sessions(as_user: Any, app: Flask) -> None:
    as_user("commune1").post("/logout", page="/work")  # ended
    as_user("commune1")
    _age_sessions(app, "commune1", seen_at=dt.timedelta(hours=1))  # both now idle too long
    live = as_user("commune1")
    with app.extensions["ocopflow"].database.engine.connect() as conn:
        user_id = conn.execute(select(t.users.c.id).where(t.users.c.username == "commune1")).scalar_one()
        rows = conn.execute(select(t.web_sessions).where(t.web_sessions.c.user_id == user_id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None
    assert live.get("/work").status_code == 200
