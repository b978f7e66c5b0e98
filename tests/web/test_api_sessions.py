"""The bearer-token API has no cookie session: it neither reads nor sets one, and what it answers to a
token holder is never kept by a shared cache."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, session

from tests.web._api_support import Api
from tests.web.client import Browser
from web.auth import PageSessions


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def test_a_signed_in_browser_calling_the_api_gets_no_cookie_and_is_not_signed_in_there(
    as_user: Any, api: Api
) -> None:
    browser: Browser = as_user("producer1")
    token = api.token("producer1")
    response = browser.client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # the session cookie the browser sent is not even read there, while the pages still use it
    assert browser.get("/dossiers").status_code == 200
    with browser.client.application.test_request_context(
        "/api/v1/dossiers", headers={"Cookie": _cookie_header(browser)}
    ):
        assert session.get("sid") is None
    with browser.client.application.test_request_context(
        "/dossiers", headers={"Cookie": _cookie_header(browser)}
    ):
        assert session.get("sid")


def _cookie_header(browser: Browser) -> str:
    cookie = browser.client.get_cookie("ocopflow_session")
    assert cookie is not None
    return f"ocopflow_session={cookie.value}"


def test_writing_to_the_session_of_an_api_call_is_refused(app: Flask) -> None:
    with app.test_request_context("/api/v1/health"), pytest.raises(RuntimeError, match="no cookie session"):
        session["user"] = "producer1"


def test_only_the_api_prefix_itself_is_without_sessions() -> None:
    sessions = PageSessions(("/api/v1",))
    assert sessions._token_route("/api/v1") and sessions._token_route("/api/v1/dossiers/1")
    assert not sessions._token_route("/api/v10/x") and not sessions._token_route("/dossiers")


def test_answers_to_a_token_holder_are_not_stored_by_caches(api: Api) -> None:
    dossier = api.open_dossier()
    response = api.call("GET", f"/dossiers/{dossier['id']}", "producer1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fired = api.call("POST", f"/dossiers/{dossier['id']}/transitions/submit_plan", "producer1", json={})
    assert fired.headers["Cache-Control"] == "no-store", fired.get_json()
    assert "no-store" not in api.client.get("/api/v1/health").headers.get("Cache-Control", "")


def test_the_token_itself_is_not_stored_by_caches(api: Api) -> None:
    from tests.web._api_support import PASSWORD

    response = api.client.post("/api/v1/auth/token", json={"username": "producer1", "password": PASSWORD})
    assert response.status_code == 200 and response.get_json()["token"]
    assert response.headers["Cache-Control"] == "no-store"
