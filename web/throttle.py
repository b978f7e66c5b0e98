"""Sign-in throttling in a store every worker shares, through the `limits` library
(the rate-limiting core of Flask-Limiter).

Two fixed windows count failed sign-ins (the page and `POST /api/v1/auth/token` alike):
- per account: LOGIN_MAX_FAILURES failures on one username, from any address, within
  LOGIN_LOCK_SECONDS lock that account until the window ends;
- per address: LOGIN_ADDRESS_MAX_FAILURES failures from one client address, on any
  usernames, lock that address likewise (a spray over many names).
A success clears the account's window, never the address's. Windows are dropped only once
they have ended, never to save memory.

The store is THROTTLE_STORAGE: `database` (default: the app's own database, so every
gunicorn worker and every machine on it shares the counts), or any `limits` storage URI
such as `redis://127.0.0.1:6379` or `memory://` (one process only: tests and a single dev
server).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.exc import SQLAlchemyError

DATABASE = "database"


class DatabaseStorage(Storage):
    """A `limits` storage over the app's database (table throttle_counters); one upsert a failure."""

    STORAGE_SCHEME = None  # built by the app, never from a URI

    def __init__(self, transaction: Callable[..., Any], now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._transaction = transaction
        self._now = now

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self._now()
        with self._transaction() as repo:
            repo.counters_purge(now)  # ended windows count for nothing; live ones are kept
            count: int = repo.counter_incr(key, float(expiry), amount, now)
        return count

    def get(self, key: str) -> int:
        with self._transaction(write=False) as repo:
            count, _expiry = repo.counter(key, self._now())
        return int(count)

    def get_expiry(self, key: str) -> float:
        with self._transaction(write=False) as repo:
            _count, expiry = repo.counter(key, self._now())
        return float(expiry)

    def check(self) -> bool:
        try:
            self.get("health")
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as repo:
            purged: int = repo.counters_purge(math.inf)
        return purged

    def clear(self, key: str) -> None:
        with self._transaction() as repo:
            repo.counter_clear(key)


class LoginThrottle:
    """Failed sign-ins per account and per client address, in a shared `limits` storage."""

    def __init__(
        self,
        storage: Storage,
        *,
        max_failures: int,
        lock_seconds: int,
        address_max_failures: int,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._account = RateLimitItemPerSecond(max_failures, lock_seconds, namespace="SIGNIN")
        self._address = RateLimitItemPerSecond(address_max_failures, lock_seconds, namespace="SIGNIN")
        self._now = now

    @staticmethod
    def _account_key(username: str) -> tuple[str, str]:
        return ("account", username.strip().casefold()[:120])

    @staticmethod
    def _address_key(address: str) -> tuple[str, str]:
        return ("address", address[:120])

    def _windows(self, username: str, address: str) -> list[tuple[Any, tuple[str, str]]]:
        return [(self._account, self._account_key(username)), (self._address, self._address_key(address))]

    def locked_for(self, username: str, address: str) -> int:
        """Seconds left on the longest lock that applies, 0 when a try is allowed."""
        wait = 0.0
        for item, key in self._windows(username, address):
            if not self._limiter.test(item, *key):
                reset = self._limiter.get_window_stats(item, *key).reset_time
                wait = max(wait, reset - self._now(), 1.0)
        return math.ceil(wait)

    def failed(self, username: str, address: str) -> None:
        for item, key in self._windows(username, address):
            self._limiter.hit(item, *key)

    def succeeded(self, username: str, address: str) -> None:
        self.storage.clear(self._account.key_for(*self._account_key(username)))


def build_throttle(config: Any, transaction: Callable[..., Any]) -> LoginThrottle:
    uri = str(config["THROTTLE_STORAGE"] or DATABASE)
    storage = DatabaseStorage(transaction) if uri == DATABASE else storage_from_string(uri)
    if not isinstance(storage, Storage):
        raise ValueError(f"THROTTLE_STORAGE={uri!r} names an asyncio storage; use the synchronous scheme.")
    return LoginThrottle(
        storage,
        max_failures=int(config["LOGIN_MAX_FAILURES"]),
        lock_seconds=int(config["LOGIN_LOCK_SECONDS"]),
        address_max_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]),
    )
