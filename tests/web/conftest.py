"""Fixtures for the web tests: an app on a fresh database (SQLite, or a throwaway PostgreSQL
schema when OCOPFLOW_TEST_DATABASE is a PostgreSQL URL), the people of the demo, and a
client that signs in and carries the CSRF token."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.loader import load_catalog
from engine.definitions.model import Catalog
from tests.web.client import PASSWORD, Browser
from web import create_app
from web.config import PROJECT_ROOT

# username -> (roles, area, organisation); areas are codes of the shipped unit list.
PEOPLE: dict[str, tuple[list[str], str | None, str | None]] = {
    "admin": (["admin"], None, None),
    "producer1": (["producer"], "00583", "HTX Gốm Bát Tràng"),
    "producer2": (["producer"], "10183", "HTX Thường Tín"),
    "commune1": (["commune_officer"], "00583", None),
    "commune2": (["commune_officer"], "10183", None),
    "province1": (["province_officer"], "01", None),
    "advisory1": (["advisory_team"], "01", None),
    "council1": (["council_member"], "01", None),
    "council2": (["council_member"], "01", None),
    "council3": (["council_member"], "01", None),
    "council4": (["council_member"], "01", None),
    "chair": (["council_chair"], "01", None),
    "governor": (["province_chair"], "01", None),
    "auditor": (["auditor"], None, None),
    "other_province": (["province_officer"], "04", None),
}


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    result = load_catalog([PROJECT_ROOT / "workflows", PROJECT_ROOT / "forms"])
    assert result.ok, [p.format() for p in result.problems if p.severity == "error"]
    return result.catalog


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """A migrated SQLite database with the definitions stored and the people added, copied by each test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = make_app(folder, catalog, f"sqlite:///{path}")
    add_people(app)
    app.extensions["ocopflow"].database.engine.dispose()
    return path


def _postgres_admin(target: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(target, isolation_level="AUTOCOMMIT")


def _database(target: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(target).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[str]:
    """A PostgreSQL database migrated, with the definitions and the people, used as the TEMPLATE of each test's."""
    from sqlalchemy import text

    target = os.environ["OCOPFLOW_TEST_DATABASE"]
    name = "ocf_web_tpl_" + uuid.uuid4().hex[:10]
    admin = _postgres_admin(target)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        folder = tmp_path_factory.mktemp("pg-template")
        app = make_app(folder, catalog, _database(target, name))
        add_people(app)
        app.extensions["ocopflow"].database.engine.dispose()
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, for apps that load other definitions than the shipped ones."""
    target = os.environ.get("OCOPFLOW_TEST_DATABASE", "sqlite")
    if not target.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    from sqlalchemy import text

    name = "ocf_web_" + uuid.uuid4().hex[:12]
    admin = _postgres_admin(target)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _database(target, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test's own database: a copy of the session template (SQLite file or PostgreSQL TEMPLATE)."""
    target = os.environ.get("OCOPFLOW_TEST_DATABASE", "sqlite")
    if not target.startswith("postgresql"):
        template: Path = request.getfixturevalue("sqlite_template")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copy(source, tmp_path / f"test.db{suffix}")
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    from sqlalchemy import text

    template_name: str = request.getfixturevalue("postgres_template")
    name = "ocf_web_" + uuid.uuid4().hex[:12]
    admin = _postgres_admin(target)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield _database(target, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(tmp_path: Path, catalog: Catalog, database_url: str, **overrides: Any) -> Flask:
    config = {
        "ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "CATALOG": catalog,
        **overrides,
    }
    return create_app(config)


def add_people(app: Flask) -> None:
    """The people, added through the service (the first one bootstraps the administrator)."""
    service = app.extensions["ocopflow"].service
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        if repo.users():
            return  # copied from the template
    admin = None
    for username, (roles, area, org) in PEOPLE.items():
        service.seed_user(
            admin, username, PASSWORD, roles, area=area, organisation=org, display_name=username
        )
        if admin is None:
            admin = service.actor_for_username(username)


@pytest.fixture
def app(tmp_path: Path, catalog: Catalog, database_url: str) -> Iterator[Flask]:
    application = make_app(tmp_path, catalog, database_url)
    add_people(application)
    yield application
    application.extensions["ocopflow"].database.engine.dispose()


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def as_user(app: Flask) -> Any:
    def sign_in(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return sign_in


@pytest.fixture
def walk(app: Flask) -> Any:
    """Open a dossier as a producer and drive it to a state through the service (no pages)."""
    from engine.service.scenario import Driver

    service = app.extensions["ocopflow"].service
    actors = [service.actor_for_username(name) for name in PEOPLE]
    driver = Driver(service, [a for a in actors if a is not None])

    def to(
        state: str, *, producer: str = "producer1", name: str = "Gốm men lam", product_set: str = "21"
    ) -> int:
        actor = service.actor_for_username(producer)
        commune = PEOPLE[producer][1]
        snap = service.open_dossier(
            actor,
            product_name=name,
            product_set=product_set,
            producer_org=actor.organisation,
            commune_code=commune,
        )
        if state != snap.state:
            driver.walk(snap.id, [state])
        return int(snap.id)

    def more(dossier_id: int, state: str) -> None:
        """Drive a dossier already opened further on."""
        driver.walk(dossier_id, [state])

    to.more = more  # type: ignore[attr-defined]
    return to
