"""`ocopflow init-db` and `ocopflow demo` on the test database."""

from __future__ import annotations

import pytest

from engine.cli import main


def test_init_db_creates_the_schema_and_can_run_again(database_url, capsys):
    assert main(["init-db", "--database-url", database_url]) == 0
    assert main(["init-db", "--database-url", database_url]) == 0
    from alembic.script import ScriptDirectory

    from engine.storage.db import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()  # the newest revision, whatever its name
    assert f"revision {head}" in capsys.readouterr().out


def test_the_demo_refuses_a_database_that_already_has_users(service, admin, database_url, capsys):
    assert main(["demo", "--database-url", database_url]) == 1
    assert "already has users" in capsys.readouterr().err


@pytest.mark.slow
def test_the_demo_puts_a_dossier_in_every_state_of_every_regime_through_the_service(
    database, database_url, shipped_catalog, capsys
):
    from engine.service import Service

    assert main(["demo", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "audit chain" in out and "intact" in out
    service = Service(database.transaction, shipped_catalog)
    auditor = service.authenticate("auditor", "demo")
    assert auditor is not None
    dossiers = service.list_dossiers(auditor, per_page=200).items
    for workflow in shipped_catalog.workflows.values():
        reached = {d.state for d in dossiers if d.workflow_id == workflow.id}
        assert reached == {s.id for s in workflow.leaves()}, workflow.id
    assert any(d.certificate is not None and d.certificate.stars == 5 for d in dossiers)
    assert {d.kind for d in dossiers} == {"first", "upgrade", "reevaluation"}
    assert service.verify_audit().ok
    for username in ("admin", "producer1", "council5", "chair", "province_chair", "minister"):
        assert service.authenticate(username, "demo") is not None
