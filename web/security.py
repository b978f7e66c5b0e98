"""CSRF tokens for every cookie-authenticated form (sign-in throttling: web/throttle.py).

CSRF: one random token per session, sent back by every POST form as the
hidden field `csrf_token` (or the `X-CSRF-Token` header for scripts) and
compared in constant time. Blueprints authenticated by bearer tokens only
(the JSON API) are exempt: a browser never attaches a bearer token by itself.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, current_app, request, session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SESSION_KEY = "_csrf"


def csrf_token() -> str:
    token = session.get(_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[_SESSION_KEY] = token
    return token


def rotate_csrf_token() -> None:
    """A new token after sign-in, so a token planted before sign-in is worthless."""
    session[_SESSION_KEY] = secrets.token_urlsafe(32)


class CSRFError(Exception):
    pass


def check_csrf() -> None:
    expected = session.get(_SESSION_KEY)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(expected, given):
        raise CSRFError()


def init_csrf(app: Flask, exempt_blueprints: set[str]) -> None:
    @app.before_request
    def _protect() -> None:
        if request.method in SAFE_METHODS:
            return
        if request.blueprint in exempt_blueprints:
            return
        if current_app.config.get("CSRF_DISABLED"):
            return
        try:
            check_csrf()
        except CSRFError:
            abort(400, description="csrf")

    app.jinja_env.globals["csrf_token"] = csrf_token
