"""The optional second factor (TOTP) for administrators and auditors: enrolment, the sign-in step,
codes good once, the API token, the account lock, and the administrator's reset as recovery."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import select

from engine.storage import tables as t
from tests.web.client import PASSWORD, Browser


def _enrol(b: Browser) -> pyotp.TOTP:
    page = b.get("/account/totp").get_data(as_text=True)
    assert 'data-testid="totp-qr"' in page and "<svg" in page
    secret = page.split('data-testid="totp-secret">', 1)[1].split("</code>", 1)[0]
    totp = pyotp.TOTP(secret)
    wrong = b.post(
        "/account/totp", {"code": "000000" if totp.now() != "000000" else "111111"}, page="/account/totp"
    )
    assert wrong.status_code == 302 and wrong.headers["Location"].endswith("/account/totp")
    done = b.post("/account/totp", {"code": totp.now()}, page="/account/totp")
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    assert "đang bật" in b.get("/account").get_data(as_text=True)
    return totp


def _next_code(totp: pyotp.TOTP) -> str:
    return totp.at(time.time() + totp.interval)


def _password_step(app: Flask, username: str) -> Browser:
    b = Browser(app.test_client())
    response = b.login(username)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    return b


def test_an_auditor_enrols_and_then_signs_in_with_a_code(as_user: Any, app: Flask) -> None:
    totp = _enrol(as_user("auditor"))
    b = _password_step(app, "auditor")
    assert b.get("/work").status_code == 302  # the password alone signs no one in
    assert b.post("/login/code", {"code": "12345x"}, page="/login/code").status_code == 401
    code = _next_code(totp)
    assert b.post("/login/code", {"code": code}, page="/login/code").status_code == 302
    assert b.get("/work").status_code == 200
    replay = _password_step(app, "auditor")
    assert replay.post("/login/code", {"code": code}, page="/login/code").status_code == 401  # good once
    with app.extensions["ocopflow"].database.engine.connect() as conn:
        actions = conn.execute(select(t.audit_events.c.action)).scalars().all()
    assert "enable_totp" in actions


def test_people_who_neither_administer_nor_audit_are_not_offered_it(as_user: Any) -> None:
    b = as_user("producer1")
    assert 'data-testid="second-factor"' not in b.get("/account").get_data(as_text=True)
    refused = b.get("/account/totp", follow_redirects=True).get_data(as_text=True)
    assert "Xác thực hai bước dành cho người có quyền quản trị hoặc kiểm toán." in refused
    assert 'data-testid="second-factor"' in as_user("admin").get("/account").get_data(as_text=True)


def test_an_api_token_for_an_account_with_a_second_factor_needs_the_code(as_user: Any, app: Flask) -> None:
    totp = _enrol(as_user("admin"))
    client = app.test_client()
    without = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    assert without.status_code == 401 and "otp" in without.get_json()["error"]["message"]
    issued = client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD, "otp": _next_code(totp)}
    )
    assert issued.status_code == 200


def test_wrong_codes_count_toward_the_account_lock(as_user: Any, app: Flask) -> None:
    _enrol(as_user("auditor"))
    b = _password_step(app, "auditor")
    for _ in range(5):
        assert b.post("/login/code", {"code": "99999x"}, page="/login/code").status_code == 401
    assert b.post("/login/code", {"code": "123456"}, page="/login/code").status_code == 429
    assert Browser(app.test_client()).login("auditor").status_code == 429


def test_a_code_step_left_waiting_expires(as_user: Any, app: Flask) -> None:
    totp = _enrol(as_user("auditor"))
    b = _password_step(app, "auditor")
    with b.client.session_transaction() as session:
        session["signin_pending"] = {**session["signin_pending"], "at": time.time() - 301}
    response = b.post("/login/code", {"code": _next_code(totp)}, page="/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert b.get("/work").status_code == 302


def test_turning_it_off_needs_a_current_code(as_user: Any, app: Flask) -> None:
    b = as_user("auditor")
    totp = _enrol(b)
    b.post("/account/totp/disable", {"code": "000000"}, page="/account")
    assert "đang bật" in b.get("/account").get_data(as_text=True)
    b.post("/account/totp/disable", {"code": _next_code(totp)}, page="/account")
    assert "đang bật" not in b.get("/account").get_data(as_text=True)
    assert Browser(app.test_client()).login("auditor").headers["Location"].endswith("/")


def test_an_administrators_password_reset_removes_the_factor(as_user: Any, app: Flask) -> None:
    """A lost phone: the administrator resets the password and the user enrols again later."""
    _enrol(as_user("auditor"))
    page = as_user("admin").post("/admin/users/auditor/reset-password", page="/admin/users/auditor")
    text = page.get_data(as_text=True)
    start = text.index('<code class="secret">') + len('<code class="secret">')
    temporary = text[start : text.index("</code>", start)]
    signed = Browser(app.test_client()).login("auditor", temporary)
    assert signed.headers["Location"].endswith("/account/password")
