"""Signing in and out: hashed passwords, cookie flags, CSRF on the form, throttling, safe redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.model import Catalog
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import make_app
from web.config import ConfigError


def test_signing_in_leads_to_my_work_with_a_safe_cookie(browser: Browser) -> None:
    response = browser.login("commune1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = browser.get("/work").get_data(as_text=True)
    assert "Việc của tôi" in page and "commune1" in page


def test_a_wrong_password_is_refused_and_the_username_kept(browser: Browser) -> None:
    response = browser.login("commune1", "not-the-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page
    assert 'value="commune1"' in page
    assert browser.get("/work").status_code == 302  # still signed out


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(browser: Browser) -> None:
    response = browser.login("nobody", "whatever")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_pages_ask_for_sign_in_and_come_back_afterwards(browser: Browser) -> None:
    response = browser.get("/dossiers?state=commune_check")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    token = browser.token("/login")
    response = browser.client.post(
        "/login",
        data={"username": "commune1", "password": PASSWORD, "csrf_token": token, "next": "/dossiers?state=x"},
    )
    assert response.headers["Location"] == "/dossiers?state=x"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",  # the form's `next=/%09/evil.example`: browsers drop the tab
        "/\n/evil.example",
        "/\r\n/evil.example",
        "//evil",
        "\\\\evil",
        "https:evil",
        " //evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_sign_in_never_redirects_to_another_site(browser: Browser, target: str) -> None:
    token = browser.token("/login")
    response = browser.client.post(
        "/login", data={"username": "commune1", "password": PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.headers["Location"] == "/"


def test_the_next_address_of_the_sign_in_page_is_checked_after_the_browser_would_normalise_it(
    browser: Browser,
) -> None:
    page = browser.get("/login?next=/%09/evil.example").get_data(as_text=True)
    assert 'name="next"' in page
    token = browser.token("/login")
    response = browser.client.post(
        "/login?next=/%09/evil.example",
        data={"username": "commune1", "password": PASSWORD, "csrf_token": token, "next": "/\t/evil.example"},
    )
    assert response.headers["Location"] == "/"
    assert browser.get("/").status_code in (200, 302)


@pytest.mark.parametrize("target", ["/dossiers?state=x", "/dossiers/7", "/admin/audit?actor=a%2Fb"])
def test_sign_in_goes_back_to_a_path_of_this_site(browser: Browser, target: str) -> None:
    token = browser.token("/login")
    response = browser.client.post(
        "/login", data={"username": "commune1", "password": PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.headers["Location"] == target


def test_signing_in_without_the_form_token_is_refused(browser: Browser) -> None:
    response = browser.client.post("/login", data={"username": "commune1", "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_every_post_form_on_a_page_needs_the_token(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    for path in (
        f"/dossiers/{dossier_id}/actions/submit",
        f"/dossiers/{dossier_id}/forms/ocop-2026-mau-01",
        f"/dossiers/{dossier_id}/evidence",
        f"/dossiers/{dossier_id}/score",
        "/dossiers/new",
        "/logout",
        "/lang/en",
    ):
        assert b.client.post(path, data={"csrf_token": "forged"}).status_code == 400, path


def test_signing_out_ends_the_session(as_user: Any) -> None:
    b = as_user("commune1")
    response = b.post("/logout", page="/work")
    assert response.status_code == 302
    assert b.get("/work").status_code == 302


def test_the_sixth_attempt_after_five_failures_is_locked_even_with_the_right_password(
    browser: Browser,
) -> None:
    for _ in range(5):
        assert browser.login("commune1", "wrong").status_code == 401
    locked = browser.login("commune1", PASSWORD)
    assert locked.status_code == 429
    assert "Hãy thử lại sau 5 phút" in locked.get_data(as_text=True)
    assert browser.login("commune2").status_code == 302  # another user from the same address is not locked


def test_a_deactivated_user_is_signed_out_on_the_next_request(app: Flask, as_user: Any) -> None:
    b = as_user("commune1")
    assert b.get("/work").status_code == 200
    with app.extensions["ocopflow"].database.transaction() as repo:
        user = repo.user_by_username("commune1")
        repo.update_user(user["id"], active=False)
    assert b.get("/work").status_code == 302


def test_production_refuses_to_start_without_a_secret_key(
    tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    with pytest.raises(ConfigError, match="OCOPFLOW_SECRET_KEY"):
        make_app(tmp_path, catalog, database_url, ENV="production", SECRET_KEY=None)


def test_production_cookies_are_secure(tmp_path: Path, catalog: Catalog, database_url: str) -> None:
    app = make_app(
        tmp_path,
        catalog,
        database_url,
        ENV="production",
        SECRET_KEY="k" * 40,
        PUBLIC_BASE_URL="https://ocop.example.vn",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["ocopflow"].database.engine.dispose()


def test_settings_come_from_the_environment_and_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    from web.config import load_settings

    config = tmp_path / "ocopflow.toml"
    config.write_text("max_upload_mb = 3\nper_page = 10\n")
    monkeypatch.setenv("OCOPFLOW_CONFIG", str(config))
    monkeypatch.setenv("OCOPFLOW_PER_PAGE", "40")
    monkeypatch.setenv("OCOPFLOW_INSTANCE_DIR", str(tmp_path / "inst"))
    app = Flask(__name__)
    load_settings(app, None)
    assert app.config["MAX_UPLOAD_MB"] == 3
    assert app.config["PER_PAGE"] == 40  # the environment wins over the file
    assert app.config["MAX_CONTENT_LENGTH"] > 3 * 1024 * 1024
    assert (tmp_path / "inst" / "secret_key").is_file()  # development keeps a generated key
    assert "CONFIG" not in app.config  # the file's name is not a setting


def test_a_config_file_that_is_not_toml_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.config import load_settings

    config = tmp_path / "ocopflow.toml"
    config.write_text("per_page = = 3\n")
    monkeypatch.setenv("OCOPFLOW_CONFIG", str(config))
    monkeypatch.setenv("OCOPFLOW_INSTANCE_DIR", str(tmp_path / "inst"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(Flask(__name__), None)
    monkeypatch.setenv("OCOPFLOW_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not a file"):
        load_settings(Flask(__name__), None)


def test_a_bad_environment_name_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.config import load_settings

    monkeypatch.setenv("OCOPFLOW_ENV", "prod")
    monkeypatch.setenv("OCOPFLOW_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="not one of"):
        load_settings(Flask(__name__), None)
