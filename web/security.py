"""CSRF tokens for every cookie-authenticated form, and sign-in throttling.

CSRF: one random token per session, sent back by every POST form as the
hidden field `csrf_token` (or the `X-CSRF-Token` header for scripts) and
compared in constant time. Blueprints authenticated by bearer tokens only
(the JSON API) are exempt: a browser never attaches a bearer token by itself.

Throttling: failures are counted per (username, client address) in this
process. After LOGIN_MAX_FAILURES failures within LOGIN_LOCK_SECONDS the pair
is locked until LOGIN_LOCK_SECONDS after the last failure. A gunicorn worker
keeps its own counts, so with N workers an attacker gets at most N times the
budget; the lock still turns a dictionary attack into a crawl.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable

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


class LoginThrottle:
    """Failed sign-ins per (username, address); thread-safe, in memory."""

    def __init__(self, max_failures: int, lock_seconds: float, now: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds
        self._now = now
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._mutex = threading.Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().casefold(), address)

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.lock_seconds]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def locked_for(self, username: str, address: str) -> int:
        """Seconds left on the lock, 0 when the pair may try again."""
        now = self._now()
        with self._mutex:
            times = self._recent(self._key(username, address), now)
            if len(times) < self.max_failures:
                return 0
            return max(1, int(times[-1] + self.lock_seconds - now + 0.999))

    def failed(self, username: str, address: str) -> None:
        now = self._now()
        key = self._key(username, address)
        with self._mutex:
            self._recent(key, now)
            self._failures.setdefault(key, []).append(now)
            if len(self._failures) > 100_000:  # a flood of invented names must not eat the memory
                self._failures.clear()

    def succeeded(self, username: str, address: str) -> None:
        with self._mutex:
            self._failures.pop(self._key(username, address), None)
