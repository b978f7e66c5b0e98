"""Alembic revisions: a database at an older revision upgrades with its rows kept, the migrated
schema is the one tables.py declares, and the newest revision downgrades cleanly."""

from __future__ import annotations

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
