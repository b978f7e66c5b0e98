"""Alembic revisions: a database at an older revision upgrades with its rows kept, the migrated
schema is the one tables.py declares, and the newest revision downgrades cleanly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from engine import audit
from engine.storage import tables as t
from engine.storage.db import MIGRATIONS, current_revision, make_engine, upgrade

AUDIT_INDEXES = {"ix_audit_events_actor_seq", "ix_audit_events_action_seq", "ix_audit_events_at"}


@pytest.fixture
def engine(database_url: str) -> Any:
    made = make_engine(database_url)
    yield made
    made.dispose()


def downgrade(engine: Any, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def audit_indexes(engine: Any) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("audit_events")} & AUDIT_INDEXES


def test_revision_0003_adds_the_audit_page_indexes_and_keeps_the_events(engine: Any) -> None:
    upgrade(engine, "0002")
    event = audit.seal(audit.AuditEvent(0, "2026-07-01T09:00:00.000000", "admin", "create_user",
                                        payload_digest=audit.payload_digest({})), None)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            insert(t.audit_events).values(**{**event.as_dict(), "dossier_id": None, "payload": "{}"})
        )
    assert audit_indexes(engine) == set()
    upgrade(engine, "0003")
    assert current_revision(engine) == "0003"
    assert audit_indexes(engine) == AUDIT_INDEXES
    with engine.connect() as conn:
        assert conn.execute(select(t.audit_events.c.hash)).scalars().all() == [event.hash]
    downgrade(engine, "0002")
    assert current_revision(engine) == "0002" and audit_indexes(engine) == set()
    upgrade(engine)
    assert audit_indexes(engine) == AUDIT_INDEXES


def test_the_migrated_schema_is_the_one_tables_py_declares(engine: Any) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), t.metadata)
    # Only differences in tables and indexes matter here (column type spellings vary by dialect).
    structural = [d for d in differences if isinstance(d, tuple) and d[0].endswith(("_table", "_index"))]
    assert structural == []


def test_revision_0004_keeps_stored_versions_as_approved_by_who_stored_them(engine: Any) -> None:
    import datetime as dt

    upgrade(engine, "0003")
    at = dt.datetime(2026, 7, 1, 9, 0)
    row = {"kind": "roles", "def_id": "r", "version": "", "sha256": "a" * 64, "source": "kind: roles",
           "file": "r.yaml", "activated_by": "admin", "activated_at": at, "active": True}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(t.definitions.c.kind.table).values(**row))
    upgrade(engine, "0004_defstore")
    with engine.connect() as conn:
        stored = conn.execute(select(t.definitions)).mappings().one()
        version = conn.execute(select(t.catalog_version.c.version)).scalar()
    assert (stored["status"], stored["proposed_by"], stored["approved_by"]) == ("active", "admin", "admin")
    assert stored["approved_at"] == at and version == 1
    downgrade(engine, "0003")
    assert current_revision(engine) == "0003"


def test_revision_0004_gives_old_tokens_an_expiry_and_revokes_those_of_inactive_users(engine: Any) -> None:
    upgrade(engine, "0003")
    now = dt.datetime(2026, 11, 1, 9, 0)
    old_users = sa_table(
        "users", "id", "username", "password_hash", "roles", "display_name", "active", "created_at"
    )
    old_tokens = sa_table("api_tokens", "id", "user_id", "token_hash", "created_at", "revoked")
    with engine.begin() as conn:
        for uid, name, active in ((1, "still-here", True), (2, "gone", False)):
            conn.execute(
                insert(old_users).values(
                    id=uid, username=name, password_hash="x", roles="[]", display_name=name,
                    active=active, created_at=now,
                )
            )  # fmt: skip
            conn.execute(
                insert(old_tokens).values(
                    id=uid, user_id=uid, token_hash=f"h{uid}", created_at=now, revoked=False
                )
            )
    upgrade(engine)
    with engine.connect() as conn:
        rows = {r.user_id: r for r in conn.execute(select(t.api_tokens)).all()}
        users = {r.username: r for r in conn.execute(select(t.users)).all()}
    assert rows[1].revoked is False and rows[1].expires_at > dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert rows[2].revoked is True  # reactivating "gone" must not bring this token back
    assert users["gone"].must_change_password is False
    downgrade(engine, "0003")
    assert "web_sessions" not in inspect(engine).get_table_names()
    assert "expires_at" not in {c["name"] for c in inspect(engine).get_columns("api_tokens")}


def sa_table(name: str, *columns: str) -> Any:
    """A table as an older revision had it (tables.py describes only the newest)."""
    from sqlalchemy import column, table

    return table(name, *(column(c) for c in columns))


def test_revision_0004_dossierpage_fills_the_folded_search_text_of_existing_dossiers(engine: Any) -> None:
    import datetime as dt

    upgrade(engine, "0003")
    now = dt.datetime(2026, 7, 1, 9, 0)
    row = {
        "version": 1, "workflow_id": "ocop-2026", "workflow_version": "2026.1", "definition_hash": "0" * 64,
        "state": "idea", "product_name": "Mứt gừng Đà Lạt", "product_set": "07", "product_group": "thuc-pham",
        "producer_org": "HTX Đồng Xoài", "province_code": "80", "commune_code": "25708", "kind": "first",
        "filed_on": now.date(), "created_by": "producer1", "created_at": now, "updated_at": now,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(t.dossiers).values(**row))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(t.dossiers.c.search_text)).scalar_one() == (
            "mứt gừng đà lạt htx đồng xoài\nmut gung da lat htx dong xoai"
        )
    downgrade(engine, "0003")
    assert current_revision(engine) == "0003"
