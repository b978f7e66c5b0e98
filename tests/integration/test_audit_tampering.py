"""Tampering with audit rows directly in SQL is caught by `ocopflow audit verify`, which names the event."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from engine.cli import main
from tests.integration._attacker import drop_guards, sql


@pytest.fixture
def history(service, people, driver, open_dossier) -> int:  # type: ignore[no-untyped-def]
    """A real chain: users, definitions, one dossier walked a few steps. Returns the number of events."""
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["commune_check"])
    result = service.verify_audit()
    assert result.ok and result.events > 30
    return int(result.events)


def verify_cli(database_url: str, capsys) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    status = main(["audit", "verify", "--database-url", database_url, "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_an_untouched_chain_verifies_and_the_command_exits_0(history, database_url, capsys):
    status, report = verify_cli(database_url, capsys)
    assert status == 0
    assert report == {"ok": True, "events": history, "first_broken": None, "problem": None, "checkpoints": 0}


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
        drop_guards(conn)
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


# --- the database's second line: triggers refuse UPDATE and DELETE of audit rows -------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
        "UPDATE audit_checkpoints SET seq = 1",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_database_refuses_to_update_or_delete_audit_rows(history, service, database, statement):
    from sqlalchemy.exc import DBAPIError

    assert service.write_audit_checkpoint().checkpoint is not None
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text(statement))
    after = service.verify_audit()
    assert after.ok and after.events == history and after.checkpoints == 1


def test_postgresql_also_refuses_to_truncate_the_audit_table(history, database):
    from sqlalchemy.exc import DBAPIError

    if database.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


# --- signed checkpoints: rewrites a keyless chain cannot see ---------------------------------


@pytest.fixture
def kept(history, service, database_url, tmp_path, capsys):  # type: ignore[no-untyped-def]
    """The auditor's files: the head signed and exported, and the signer's public key."""
    key = str(service.signing_key)
    assert main(["audit", "checkpoint", "--database-url", database_url, "--key", key]) == 0
    assert "checkpoint signed: event" in capsys.readouterr().out
    checkpoints, public = tmp_path / "kept.jsonl", tmp_path / "signer.pem"
    assert main(["audit", "checkpoints", "export", str(checkpoints), "--database-url", database_url]) == 0
    assert "1 checkpoints written" in capsys.readouterr().out
    assert main(["audit", "public-key", "--key", key]) == 0
    public.write_text(capsys.readouterr().out)
    assert checkpoints.read_text().count("\n") == 1
    return checkpoints, public


def verify_kept(database_url, kept, capsys) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    checkpoints, public = kept
    status = main(["audit", "verify", "--database-url", database_url, "--format", "json",
                   "--checkpoints", str(checkpoints), "--public-key", str(public)])  # fmt: skip
    return status, json.loads(capsys.readouterr().out)


def _edit(k: int):  # type: ignore[no-untyped-def]
    return lambda events: [{**e, "actor": "mallory"} if e["seq"] == k else e for e in events]


def _edit_payload(k: int):  # type: ignore[no-untyped-def]
    return lambda events: [{**e, "payload": '{"forged":true}'} if e["seq"] == k else e for e in events]


def _delete_and_renumber(k: int):  # type: ignore[no-untyped-def]
    return lambda events: [e for e in events if e["seq"] != k]


def _insert(k: int):  # type: ignore[no-untyped-def]
    forged = {"at": "2026-07-01T09:00:00.000000", "actor": "mallory", "action": "fire", "dossier_id": None,
              "from_state": None, "to_state": None, "definition_hash": None, "payload": "{}", "comment": None}  # fmt: skip
    return lambda events: [*events[: k - 1], forged, *events[k - 1 :]]


def _reorder(k: int):  # type: ignore[no-untyped-def]
    return lambda events: [*events[: k - 1], events[k], events[k - 1], *events[k + 1 :]]


def _truncate(k: int):  # type: ignore[no-untyped-def]
    return lambda events: events[:k]


REWRITES = {
    "re-seal-edit": _edit,
    "re-seal-edited-payload": _edit_payload,
    "delete-and-renumber": _delete_and_renumber,
    "insert-and-re-seal": _insert,
    "reorder-and-re-seal": _reorder,
    "truncate-with-head-rewind": _truncate,
}


@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_a_rewritten_chain_passes_alone_but_not_against_the_auditors_checkpoints(
    kept, history, database, database_url, capsys, kind
):
    from tests.integration._attacker import rewrite

    k = history // 2
    rewrite(database, REWRITES[kind](k))  # the stored checkpoints are deleted too
    alone, report = verify_cli(database_url, capsys)
    assert alone == 0 and report["ok"], "the attack must be invisible without the checkpoints"
    status, report = verify_kept(database_url, kept, capsys)
    assert status == 1 and report["ok"] is False
    assert report["first_broken"] is not None and report["first_broken"] <= k + 1
    assert f"event {history}" in report["problem"]


@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_the_api_check_catches_a_rewrite_with_the_stored_checkpoints(history, service, database, kind):
    """GET /api/v1/audit/verify (service.verify_audit) reads the checkpoints the database holds."""
    from tests.integration._attacker import rewrite

    assert service.write_audit_checkpoint().checkpoint is not None
    k = history // 2

    def keep_checkpoints(events):  # type: ignore[no-untyped-def]
        return REWRITES[kind](k)(events)

    stored = _stored_checkpoints(database)
    rewrite(database, keep_checkpoints)
    _restore_checkpoints(database, stored)
    result = service.verify_audit()
    assert not result.ok and result.first_broken is not None and result.first_broken <= k + 1


def _stored_checkpoints(database):  # type: ignore[no-untyped-def]
    with database.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_checkpoints"))]


def _restore_checkpoints(database, rows) -> None:  # type: ignore[no-untyped-def]
    with database.engine.begin() as conn:
        for row in rows:
            conn.execute(text("INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature) "
                              "VALUES (:seq, :head_hash, :at, :key_id, :signature)"), row)  # fmt: skip


def test_a_checkpoint_altered_in_the_file_or_signed_by_another_key_is_refused(
    kept, history, database_url, capsys, tmp_path
):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from engine import checkpoints

    checkpoints_file, _ = kept
    (line,) = checkpoints_file.read_text().splitlines()
    moved = json.loads(line) | {"seq": 3}
    forged = checkpoints.sign(Ed25519PrivateKey.generate(), 3, "f" * 64, "2026-07-01T09:00:00Z").to_line()
    checkpoints_file.write_text(line + "\n" + json.dumps(moved) + "\n" + forged + "\n")
    status, report = verify_kept(database_url, kept, capsys)
    assert status == 1 and report["first_broken"] == 3
    assert "signature" in report["problem"] or "signed by key" in report["problem"]


def test_a_broken_chain_is_never_signed(history, service, database):
    edit(database, 5)
    written = service.write_audit_checkpoint()
    assert written.checkpoint is None and written.verified.first_broken == 5
    assert _stored_checkpoints(database) == []


def test_the_signing_key_is_created_once_with_owner_only_permissions(history, service):
    first = service.write_audit_checkpoint().checkpoint
    mode = service.signing_key.stat().st_mode & 0o777
    assert mode == 0o600
    key_text = service.signing_key.read_bytes()
    assert service.write_audit_checkpoint().unchanged  # the head has not moved: nothing new to sign
    assert service.signing_key.read_bytes() == key_text and first is not None


def test_the_private_key_never_enters_the_database(history, service, database):
    service.write_audit_checkpoint()
    pem = service.signing_key.read_text()
    secret = "".join(pem.splitlines()[1:-1])
    with database.engine.connect() as conn:
        for table in ("audit_checkpoints", "audit_events"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert all(secret not in str(v) for v in row)


def test_the_page_status_says_whether_the_chain_still_reaches_the_last_checkpoint(
    history, service, people, database
):
    from tests.integration._attacker import rewrite

    auditor = people["auditor"]
    assert service.audit_checkpoint_status(auditor).last is None
    service.write_audit_checkpoint()
    status = service.audit_checkpoint_status(auditor)
    assert status.last is not None and status.last.seq == history and status.reaches and status.signature_ok
    stored = _stored_checkpoints(database)
    rewrite(database, _truncate(history - 3))
    _restore_checkpoints(database, stored)
    cut = service.audit_checkpoint_status(auditor)
    assert not cut.reaches and f"reached event {history}: 3 events were removed" in (cut.problem or "")


# --- state, stars, certificates and evidence changed without an event -----------------------


@pytest.fixture
def certified(service, people, driver, open_dossier):  # type: ignore[no-untyped-def]
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    done = driver.walk(dossier.id, ["certified"], stars=4)
    assert done.certificate is not None
    return done


def consistency_cli(database_url, service, capsys) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    status = main(["audit", "consistency", "--database-url", database_url, "--format", "json",
                   "--evidence-dir", str(service.evidence_dir)])  # fmt: skip
    return status, json.loads(capsys.readouterr().out)


def test_dossiers_that_say_what_their_events_say_are_consistent(certified, database_url, service, capsys):
    status, report = consistency_cli(database_url, service, capsys)
    assert (status, report["differences"]) == (0, []) and report["dossiers"] >= 1


def _evidence_row(database, dossier_id):  # type: ignore[no-untyped-def]
    with database.engine.connect() as conn:
        return conn.execute(text("SELECT id, sha256 FROM evidence WHERE dossier_id = :d ORDER BY id"),
                            {"d": dossier_id}).first()  # fmt: skip


CHANGES = {
    "state": ("UPDATE dossiers SET state = 'rejected' WHERE id = :d", "consistency.state"),
    "stars": ("UPDATE dossiers SET stars = 5 WHERE id = :d", "consistency.stars"),
    "certificate-stars": (
        "UPDATE certificates SET stars = 5 WHERE dossier_id = :d",
        "consistency.certificate_changed",
    ),
    "certificate-status": (
        "UPDATE certificates SET status = 'revoked' WHERE dossier_id = :d",
        "consistency.certificate_changed",
    ),
    "certificate-deleted": (
        "DELETE FROM certificates WHERE dossier_id = :d",
        "consistency.certificate_missing",
    ),
    "evidence-deleted": (
        "DELETE FROM evidence WHERE id = (SELECT MIN(id) FROM evidence WHERE dossier_id = :d)",
        "consistency.evidence_missing",
    ),
    "evidence-checksum": (
        "UPDATE evidence SET sha256 = :other WHERE id = (SELECT MIN(id) FROM evidence WHERE dossier_id = :d)",
        "consistency.evidence_changed",
    ),
    "evidence-added": (
        "INSERT INTO evidence (dossier_id, document_type, filename, sha256, size, mime, uploaded_by, "
        "uploaded_at) SELECT dossier_id, document_type, 'forged.pdf', sha256, size, mime, "
        "uploaded_by, uploaded_at FROM evidence WHERE dossier_id = :d AND id = (SELECT MIN(id) "
        "FROM evidence WHERE dossier_id = :d)",
        "consistency.evidence_unrecorded",
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_made_without_an_event_is_reported_in_plain_words(
    certified, database, database_url, service, capsys, change
):
    statement, code = CHANGES[change]
    sql(database, statement, d=certified.id, other="0" * 64)
    assert service.verify_audit().ok, "the chain itself is untouched"
    status, report = consistency_cli(database_url, service, capsys)
    assert status == 1
    assert code in {d["code"] for d in report["differences"]}
    found = next(d for d in report["differences"] if d["code"] == code)
    assert found["dossier"] == certified.id and str(certified.id) in found["vi"] and found["en"]


@pytest.mark.parametrize("damage", ["deleted", "overwritten"])
def test_an_evidence_file_deleted_or_changed_on_disk_is_reported(
    certified, database, database_url, service, capsys, damage
):
    row = _evidence_row(database, certified.id)
    path = service.evidence_dir / row.sha256
    if damage == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"not what was uploaded")
    status, report = consistency_cli(database_url, service, capsys)
    code = "consistency.file_missing" if damage == "deleted" else "consistency.file_changed"
    assert status == 1 and code in {d["code"] for d in report["differences"]}


def test_a_dossier_added_without_an_event_is_reported(certified, database, database_url, service, capsys):
    columns = ("version, workflow_id, workflow_version, definition_hash, state, product_name, product_set, "
               "product_group, producer_org, province_code, commune_code, kind, filed_on, created_by, created_at, "
               "updated_at")  # fmt: skip
    sql(
        database,
        f"INSERT INTO dossiers ({columns}) SELECT {columns} FROM dossiers WHERE id = :d",
        d=certified.id,
    )
    status, report = consistency_cli(database_url, service, capsys)
    assert status == 1 and "consistency.no_open_event" in {d["code"] for d in report["differences"]}


def test_every_event_the_service_stores_is_sealed_by_the_one_seal_of_engine_audit(
    service, open_dossier, monkeypatch
):
    """Production, tests and benchmarks share audit.seal: storage has no canonical JSON of its own."""
    from engine import audit

    sealed: list[audit.AuditEvent] = []
    real = audit.seal

    def recording(event, previous):  # type: ignore[no-untyped-def]
        sealed.append(real(event, previous))
        return sealed[-1]

    monkeypatch.setattr(audit, "seal", recording)
    open_dossier(product_name="Một con dấu")
    monkeypatch.undo()
    (stored,) = _last_events(service, 1)
    assert sealed and sealed[-1].hash == stored.hash and sealed[-1].seq == stored.seq


def _last_events(service, n):  # type: ignore[no-untyped-def]
    with service._tx(write=False) as repo:
        return repo.last_events(n)


# --- records of the registers, and evidence replaced or removed through the service ---------


@pytest.fixture
def record(service, make_actor):  # type: ignore[no-untyped-def]
    from tests.integration.test_records import producer_values

    officer = make_actor("province1", ["province_officer"], area="80")
    made = service.create_record(officer, "ocop-producers", producer_values())
    service.update_record(officer, "ocop-producers", made.id, {**producer_values(), "name": "HTX Mới"},
                          expected_version=made.version)  # fmt: skip
    return made


RECORD_CHANGES = {
    "values": ("UPDATE records SET data = :data WHERE id = :r", "consistency.record_changed"),
    "status": ("UPDATE records SET status = 'archived' WHERE id = :r", "consistency.record_status"),
    "added": (
        "INSERT INTO records (register_id, register_version, definition_hash, version, title, province_code, "
        "commune_code, status, data, created_by, created_at, updated_by, updated_at) SELECT register_id, "
        "register_version, definition_hash, 1, 'Thêm bằng SQL', province_code, commune_code, status, data, "
        "created_by, created_at, updated_by, updated_at FROM records WHERE id = :r",
        "consistency.record_unrecorded",
    ),
    "deleted": (
        "DELETE FROM record_events WHERE record_id = :r; DELETE FROM record_facets WHERE record_id = :r; "
        "DELETE FROM records WHERE id = :r",
        "consistency.record_missing",
    ),
}


def test_records_that_say_what_their_events_say_are_consistent(record, database_url, service, capsys):
    status, report = consistency_cli(database_url, service, capsys)
    assert (status, report["differences"]) == (0, [])


@pytest.mark.parametrize("change", sorted(RECORD_CHANGES))
def test_a_record_changed_without_an_event_is_reported(
    record, database, database_url, service, capsys, change
):
    statements, code = RECORD_CHANGES[change]
    for statement in statements.split("; "):
        sql(database, statement, r=record.id, data=json.dumps({"name": "Đổi bằng SQL"}))
    assert service.verify_audit().ok, "the chain itself is untouched"
    status, report = consistency_cli(database_url, service, capsys)
    found = [d for d in report["differences"] if d["code"] == code]
    assert status == 1 and found and found[0]["vi"] and found[0]["en"]
    if change != "added":
        assert str(record.id) in found[0]["vi"]


def test_evidence_replaced_and_removed_through_the_service_stays_consistent(
    database_url, service, people, driver, open_dossier, capsys
):
    """The service's own replace and remove are events the check replays: the new file is not
    'unrecorded', the old one not 'missing'."""
    producer = people["producer1"]
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["preparing"])
    first = service.attach_evidence(producer, dossier.id, "labour_list", "v1.pdf", b"%PDF-1.4 one")
    second = service.replace_evidence(producer, dossier.id, first["id"], "v2.pdf", b"%PDF-1.4 two")
    assert consistency_cli(database_url, service, capsys)[1]["differences"] == []
    service.remove_evidence(producer, dossier.id, second["id"])
    status, report = consistency_cli(database_url, service, capsys)
    assert (status, report["differences"]) == (0, [])
