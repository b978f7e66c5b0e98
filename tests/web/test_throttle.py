"""Sign-in throttling in a shared store: a lock per account and one per address, that every
worker (app instance) on the same store sees, and that nothing wipes to save memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.model import Catalog
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import make_app
from web.throttle import DatabaseStorage, LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _throttle(app: Flask, clock: FakeClock, **kw: int) -> LoginThrottle:
    storage = DatabaseStorage(app.extensions["ocopflow"].database.transaction, now=clock)
    settings = {"max_failures": 5, "lock_seconds": 300, "address_max_failures": 30, **kw}
    return LoginThrottle(storage, now=clock, **settings)


@pytest.mark.parametrize(("failures", "locked"), [(0, False), (4, False), (5, True), (9, True)])
def test_the_account_lock_starts_at_the_fifth_failure(app: Flask, failures: int, locked: bool) -> None:
    throttle = _throttle(app, FakeClock())
    for _ in range(failures):
        throttle.failed("commune1", "10.0.0.1")
    assert bool(throttle.locked_for("commune1", "10.0.0.1")) is locked


def test_the_account_lock_holds_from_every_address(app: Flask) -> None:
    throttle = _throttle(app, FakeClock())
    for n in range(5):
        throttle.failed("Commune1", f"10.0.0.{n}")  # an attacker spreading over addresses
    assert throttle.locked_for("commune1", "192.168.1.1")  # any case, any address
    assert not throttle.locked_for("producer1", "10.0.0.1")


def test_the_address_lock_catches_a_spray_over_many_usernames(app: Flask) -> None:
    throttle = _throttle(app, FakeClock(), address_max_failures=10)
    for n in range(10):
        throttle.failed(f"user{n}", "10.0.0.9")
    assert throttle.locked_for("someone-else", "10.0.0.9")
    assert not throttle.locked_for("someone-else", "10.0.0.10")


def test_the_lock_ends_with_its_window_and_old_failures_are_forgotten(app: Flask) -> None:
    clock = FakeClock()
    throttle = _throttle(app, clock)
    for _ in range(5):
        throttle.failed("commune1", "10.0.0.1")
    clock.now += 299
    assert throttle.locked_for("commune1", "10.0.0.1") == 1
    clock.now += 1
    assert throttle.locked_for("commune1", "10.0.0.1") == 0
    throttle.failed("commune1", "10.0.0.1")
    assert not throttle.locked_for("commune1", "10.0.0.1")


def test_a_success_clears_the_account_but_not_the_address(app: Flask) -> None:
    throttle = _throttle(app, FakeClock(), address_max_failures=6)
    for _ in range(4):
        throttle.failed("commune1", "10.0.0.1")
    throttle.succeeded("commune1", "10.0.0.1")
    throttle.failed("commune1", "10.0.0.1")
    assert not throttle.locked_for("commune1", "10.0.0.1")
    throttle.failed("commune1", "10.0.0.1")  # the address's sixth failure
    assert throttle.locked_for("producer1", "10.0.0.1")


def test_a_flood_of_invented_names_does_not_lift_the_lock_on_an_account_under_attack(app: Flask) -> None:
    """The old in-process table was wiped at 100 000 entries, the lock on the attacked account with it."""
    throttle = _throttle(app, FakeClock(), address_max_failures=10**9)
    for _ in range(5):
        throttle.failed("admin", "10.0.0.1")
    with app.extensions["ocopflow"].database.transaction() as repo:
        for n in range(2000):
            repo.counter_incr(f"flood/{n}", 300.0, 1, 1_000_000.0)
    throttle.failed("invented-name", "10.0.0.2")
    assert throttle.locked_for("admin", "10.0.0.3")


def _failures_until_locked(apps: list[Flask], username: str) -> int:
    browsers = [Browser(a.test_client()) for a in apps]
    for attempt in range(1, 30):
        response = browsers[attempt % len(browsers)].login(username, "wrong-password")
        if response.status_code == 429:
            return attempt - 1
    return 30


def test_two_workers_on_the_database_share_the_count(
    app: Flask, tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    """Two app instances on one database (two gunicorn workers): five failures in all, not ten."""
    second = make_app(tmp_path / "second", catalog, database_url)
    try:
        assert _failures_until_locked([app, second], "commune1") == 5
        assert Browser(second.test_client()).login("commune1").status_code == 429
    finally:
        second.extensions["ocopflow"].database.engine.dispose()


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _clear_redis_sign_in_windows() -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    for key in client.scan_iter("LIMITS:SIGNIN/*"):
        client.delete(key)


@pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379")
def test_two_app_instances_sharing_redis_share_the_count(
    app: Flask, tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    uri = "redis://127.0.0.1:6379"
    _clear_redis_sign_in_windows()
    apps = [make_app(tmp_path / name, catalog, database_url, THROTTLE_STORAGE=uri) for name in ("a", "b")]
    try:
        assert _failures_until_locked(apps, "commune2") == 5
        assert Browser(apps[0].test_client()).login("commune2").status_code == 429
    finally:
        _clear_redis_sign_in_windows()
        for a in apps:
            a.extensions["ocopflow"].database.engine.dispose()


def test_the_memory_store_is_one_process_only_and_documented_so(
    tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    apps: list[Any] = [
        make_app(tmp_path / name, catalog, database_url, THROTTLE_STORAGE="memory://") for name in ("a", "b")
    ]
    try:
        # each instance keeps its own count: why the default is the database
        assert _failures_until_locked(apps, "commune1") == 10
    finally:
        for a in apps:
            a.extensions["ocopflow"].database.engine.dispose()


def test_the_sign_in_page_and_the_token_endpoint_share_one_budget(browser: Browser, app: Flask) -> None:
    for _ in range(3):
        assert browser.login("commune1", "wrong-password").status_code == 401
    client = app.test_client()
    for _ in range(2):
        response = client.post("/api/v1/auth/token", json={"username": "commune1", "password": "nope"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "commune1", "password": PASSWORD})
    assert response.status_code == 429
