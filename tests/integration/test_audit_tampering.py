"""Tampering with audit rows directly in SQL is caught by `ocopflow audit verify`, which names the event."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from engine.cli import main


@pytest.fixture
def history(service, people, driver, open_dossier) -> int:  # type: ignore[no-untyped-def]
    """A real chain: users, definitions, one dossier walked a few steps. Returns the number of events."""
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["commune_check"])
    result = service.verify_audit()
    assert result.ok and result.events > 30
    return int(result.events)


def sql(database, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    with database.engine.begin() as conn:
        conn.execute(text(statement), params)


def verify_cli(database_url: str, capsys) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    status = main(["audit", "verify", "--database-url", database_url, "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_an_untouched_chain_verifies_and_the_command_exits_0(history, database_url, capsys):
    status, report = verify_cli(database_url, capsys)
    assert status == 0
    assert report == {"ok": True, "events": history, "first_broken": None, "problem": None}


def edit(database, seq: int) -> None:  # type: ignore[no-untyped-def]
    sql(database, "UPDATE audit_events SET actor = 'mallory' WHERE seq = :seq", seq=seq)


def edit_payload(database, seq: int) -> None:  # type: ignore[no-untyped-def]
    sql(database, "UPDATE audit_events SET payload = :p WHERE seq = :seq", p='{"forged": true}', seq=seq)


def delete(database, seq: int) -> None:  # type: ignore[no-untyped-def]
    sql(database, "DELETE FROM audit_events WHERE seq = :seq", seq=seq)


def reorder(database, seq: int) -> None:  # type: ignore[no-untyped-def]
    sql(database, "UPDATE audit_events SET seq = -1 WHERE seq = :seq", seq=seq)
    sql(database, "UPDATE audit_events SET seq = :seq WHERE seq = :next", seq=seq, next=seq + 1)
    sql(database, "UPDATE audit_events SET seq = :next WHERE seq = -1", next=seq + 1)


def insert(database, seq: int) -> None:  # type: ignore[no-untyped-def]
    """Make room after `seq - 1` and slip in a copy of an event, re-sealed so it looks valid on its own."""
    from engine import audit

    with database.engine.begin() as conn:
        top = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar_one()
        for s in range(top, seq - 1, -1):
            conn.execute(text("UPDATE audit_events SET seq = seq + 1 WHERE seq = :s"), {"s": s})
        prev = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": seq - 1}).scalar_one()
        forged = audit.AuditEvent(seq=seq, at="2026-07-01T09:00:00", actor="mallory", action="fire", prev_hash=prev,
                                  payload_digest=audit.payload_digest({}))  # fmt: skip
        forged = audit.AuditEvent(**{**forged.as_dict(), "hash": audit.chain_hash(prev, forged)})
        row = forged.as_dict()
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, at, actor, action, payload_digest, payload, prev_hash, hash) "
                "VALUES (:seq, :at, :actor, :action, :payload_digest, '{}', :prev_hash, :hash)"
            ),
            row,
        )


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (edit, lambda k: {k}),
        (edit_payload, lambda k: {k}),
        (delete, lambda k: {k}),
        (reorder, lambda k: {k}),
        # The forged event is consistent with the one before it; the chain breaks at the event after.
        (insert, lambda k: {k, k + 1}),
    ],
    ids=["edit", "edit-payload", "delete", "reorder", "insert"],
)
def test_tampering_is_detected_and_the_first_broken_event_is_named(
    history, database, database_url, capsys, tamper, named
):
    k = history // 2
    tamper(database, k)
    status, report = verify_cli(database_url, capsys)
    assert status == 1
    assert report["ok"] is False
    assert report["first_broken"] in named(k)
    assert str(report["first_broken"]) in report["problem"]


def test_deleting_the_newest_events_is_detected_through_the_chain_head(
    history, database, database_url, capsys
):
    sql(database, "DELETE FROM audit_events WHERE seq > :k", k=history - 2)
    status, report = verify_cli(database_url, capsys)
    assert status == 1
    assert report["first_broken"] == history - 1


def test_the_text_report_names_the_broken_event_on_stderr(history, database, database_url, capsys):
    edit(database, 7)
    assert main(["audit", "verify", "--database-url", database_url]) == 1
    assert "event 7" in capsys.readouterr().err


def test_no_code_path_updates_or_deletes_audit_rows():
    """The storage layer only ever inserts audit events (and moves the head row)."""
    from pathlib import Path

    import engine

    root = Path(engine.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "update(t.audit_events" not in source and "delete(t.audit_events" not in source, path
        assert "DELETE FROM audit_events" not in source and "UPDATE audit_events" not in source, path


def test_events_appended_while_the_chain_is_read_are_not_taken_for_a_deleted_tail(
    history, service, open_dossier, monkeypatch
):  # type: ignore[no-untyped-def]
    """The full check reads the chain, then the head: both must come from one snapshot.

    On PostgreSQL's per-statement snapshots an event committed between the two reads
    made the head run ahead of the chain, reported as 'events … deleted'.
    """
    from engine import audit
    from engine.service import queries

    real = audit.verify_rows

    def verify_then_append(rows, **kwargs):  # type: ignore[no-untyped-def]
        result = real(rows, **kwargs)
        open_dossier(producer="producer2", product_name="Appended during the check")
        return result

    monkeypatch.setattr(queries.audit, "verify_rows", verify_then_append)
    during = service.verify_audit()
    monkeypatch.undo()
    assert during.ok, during.problem
    assert during.events == history
    after = service.verify_audit()
    assert after.ok and after.events > history
