"""Shared fixtures: a throwaway database per test, the shipped catalog, a service, users.

OCOPFLOW_TEST_DATABASE picks the backend: `sqlite` (default) gives each test a
fresh file database; a postgresql URL gives each test its own schema with a
random name (search_path set through the connection options), dropped after.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.definitions.loader import default_paths, load_catalog
from engine.definitions.model import Catalog
from engine.permissions import Actor
from engine.service import accounts

# scrypt still, at a sixteenth of the default cost: the suite hashes a password for every user of
# every test, and Werkzeug's default (n=2**15) spends a tenth of a second on each.
accounts.PASSWORD_METHOD = "scrypt:2048:8:1"

TEST_DATABASE = os.environ.get("OCOPFLOW_TEST_DATABASE", "sqlite")


def is_postgres() -> bool:
    return TEST_DATABASE.startswith("postgresql")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(TEST_DATABASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(TEST_DATABASE).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def database(database_url: str):  # type: ignore[no-untyped-def]
    from engine.storage.db import make_engine, upgrade
    from engine.storage.repository import Database

    engine = make_engine(database_url)
    upgrade(engine)
    yield Database(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    result = load_catalog(default_paths())
    assert result.ok, [p.format() for p in result.errors]
    return result.catalog


def fresh_catalog(catalog: Catalog) -> Catalog:
    """A catalog whose dicts a test may change (activating a definition adds to them)."""
    out = copy.copy(catalog)
    for name in ("workflows", "roles", "forms", "scoring_forms", "units", "tests", "registers", "plans"):
        setattr(out, name, dict(getattr(catalog, name)))
    return out


class Clock:
    """The service's clock, moved by tests: deadlines and certificates depend on the date."""

    def __init__(self, now: dt.datetime) -> None:
        self.current = now

    def __call__(self) -> dt.datetime:
        self.current += dt.timedelta(microseconds=1)  # distinct, ordered timestamps
        return self.current

    def set(self, day: dt.date) -> None:
        self.current = dt.datetime.combine(day, dt.time(9, 0))

    def advance(self, days: int) -> None:
        self.current += dt.timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 7, 1, 9, 0))


@pytest.fixture
def service(database, shipped_catalog: Catalog, clock: Clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    from engine.service import Service

    return Service(
        database.transaction, fresh_catalog(shipped_catalog), clock=clock, evidence_dir=tmp_path / "evidence"
    )


@pytest.fixture
def admin(service) -> Actor:  # type: ignore[no-untyped-def]
    service.seed_user(None, "admin", "demo", ["admin"], display_name="Admin")
    actor = service.authenticate("admin", "demo")
    assert actor is not None
    return actor


@pytest.fixture
def make_actor(service, admin: Actor) -> Callable[..., Actor]:  # type: ignore[no-untyped-def]
    """make_actor("commune1", ["commune_officer"], area="80001") creates the user and returns its Actor."""

    def make(
        username: str, roles: list[str], *, area: str | None = None, organisation: str | None = None
    ) -> Actor:
        service.seed_user(admin, username, "demo", roles, area=area, organisation=organisation)
        actor = service.actor_for_username(username)
        assert actor is not None
        return actor

    return make
