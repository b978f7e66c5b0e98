"""PostgreSQL: the application runs under the role docs/security.md (Audit trail) sets up, and that role
cannot update, delete, truncate or unguard the audit tables, even with the triggers gone."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import fresh_catalog, is_postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"

pytestmark = pytest.mark.skipif(not is_postgres(), reason="roles and grants are PostgreSQL's")


def documented_grants() -> list[str]:
    """The GRANT/REVOKE block of the documentation, statement by statement."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    grants = next(b for b in blocks if b.lstrip().startswith("GRANT"))
    return [s.strip() for s in grants.split(";") if s.strip()]


@pytest.fixture
def app_role(database):  # type: ignore[no-untyped-def]
    """A throwaway login role given exactly the documented privileges on this test's schema."""
    role = f"ocopflow_app_{secrets.token_hex(4)}"
    with database.engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        for statement in documented_grants():
            statement = re.sub(r"\bpublic\b", f'"{schema}"', statement).replace("ocopflow_app", f'"{role}"')
            conn.execute(text(statement))
    yield role
    with database.engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))


def test_the_app_works_under_the_documented_role_which_cannot_rewrite_the_audit_trail(
    database, database_url, app_role, shipped_catalog, clock, tmp_path
):
    from engine.commands.demo import seed_users
    from engine.service import Service
    from engine.storage.db import make_engine
    from engine.storage.repository import Database

    url = make_url(database_url).set(username=app_role, password=None)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        service = Service(Database(engine).transaction, fresh_catalog(shipped_catalog), clock=clock,
                          evidence_dir=tmp_path / "evidence")  # fmt: skip
        people = {a.id: a for a in seed_users(service)}
        assert people and service.write_audit_checkpoint().checkpoint is not None
        assert service.verify_audit().ok
        for statement in (
            "UPDATE audit_events SET actor = 'mallory' WHERE seq = 1",
            "DELETE FROM audit_events WHERE seq = 1",
            "TRUNCATE audit_events",
            "DELETE FROM audit_checkpoints",
            "DROP TRIGGER audit_events_append_only ON audit_events",
            "UPDATE alembic_version SET version_num = '0003'",
        ):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), engine.begin() as conn:
                conn.execute(text(statement))
        assert service.verify_audit().ok
    finally:
        engine.dispose()
