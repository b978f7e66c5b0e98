"""CSRF tokens and sign-in throttling, on their own (the app-level tests use them through pages)."""

from __future__ import annotations

import pytest
from flask import Flask

from web.security import csrf_token, init_csrf


@pytest.fixture
def tiny_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-secret"
    init_csrf(app, exempt_blueprints=set())

    @app.get("/token")
    def token() -> str:
        return csrf_token()

    @app.post("/change")
    def change() -> str:
        return "changed"

    return app


def test_a_post_without_a_token_is_refused(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    client.get("/token")
    assert client.post("/change").status_code == 400


def test_a_post_with_the_session_token_passes(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    token = client.get("/token").get_data(as_text=True)
    assert client.post("/change", data={"csrf_token": token}).status_code == 200
    assert client.post("/change", headers={"X-CSRF-Token": token}).status_code == 200


def test_a_token_from_another_session_is_refused(tiny_app: Flask) -> None:
    other = tiny_app.test_client()
    stolen = other.get("/token").get_data(as_text=True)
    victim = tiny_app.test_client()
    victim.get("/token")
    assert victim.post("/change", data={"csrf_token": stolen}).status_code == 400


def test_a_post_without_any_session_is_refused_even_with_an_empty_token(tiny_app: Flask) -> None:
    assert tiny_app.test_client().post("/change", data={"csrf_token": ""}).status_code == 400


def test_the_token_stays_the_same_within_a_session(tiny_app: Flask) -> None:
    client = tiny_app.test_client()
    assert client.get("/token").get_data() == client.get("/token").get_data()
