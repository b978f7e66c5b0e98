"""web/caching.py: a response marked public that read the session (or sets a cookie) is not shared."""

from __future__ import annotations

from flask import Flask, session

from web.caching import guard_shared_cache


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "k"
    app.after_request(guard_shared_cache)

    @app.get("/same")
    def same() -> tuple[str, int, dict[str, str]]:
        return "same for all", 200, {"Cache-Control": "public, max-age=300"}

    @app.get("/reads")
    def reads() -> tuple[str, int, dict[str, str]]:
        return f"hello {session.get('user', '')}", 200, {"Cache-Control": "public, max-age=300"}

    return app


def test_a_public_response_that_never_read_the_session_stays_public() -> None:
    r = _app().test_client().get("/same")
    assert r.headers["Cache-Control"] == "public, max-age=300" and "Vary" not in r.headers


def test_a_public_response_that_read_the_session_becomes_private() -> None:
    r = _app().test_client().get("/reads")
    assert "public" not in r.headers["Cache-Control"] and "no-store" in r.headers["Cache-Control"]
    assert "Cookie" in r.headers["Vary"]
