"""The auditors' page: the last signed checkpoint and whether the chain still reaches it; the
consistency check in plain words; GET /api/v1/audit/verify against the stored checkpoints."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.integration._attacker import sql, truncate_and_rewind
from tests.web._api_support import Api


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


def _service(app: Flask) -> Any:
    return app.extensions["ocopflow"].service


def _status(page: str) -> str:
    found = re.search(r'data-testid="checkpoint-status" data-reaches="(\w+)"', page)
    assert found, "the checkpoint block is missing"
    return found.group(1)


def test_the_audit_page_shows_the_last_checkpoint_and_whether_the_chain_reaches_it(
    app: Flask, as_user: Any, api: Api
) -> None:
    api.open_dossier()
    auditor = as_user("auditor")
    assert _status(auditor.get("/admin/audit").get_data(as_text=True)) == "none"
    signed = _service(app).write_audit_checkpoint().checkpoint
    page = auditor.get("/admin/audit").get_data(as_text=True)
    assert _status(page) == "true" and f'data-testid="checkpoint-seq">{signed.seq}<' in page
    assert signed.key_id in page and "Chuỗi vẫn đi tới điểm kiểm tra này" in page
    database = app.extensions["ocopflow"].database
    rows = _checkpoint_rows(database)
    truncate_and_rewind(database, signed.seq - 2)  # the stored checkpoint is deleted with it…
    _put_back(database, rows)  # …unless the attacker forgets it: then the page sees the cut
    cut = auditor.get("/admin/audit").get_data(as_text=True)
    assert _status(cut) == "false" and "Chuỗi không còn đi tới điểm kiểm tra này" in cut
    assert f"Chuỗi chỉ còn đến sự kiện {signed.seq - 2}" in cut  # the finding itself, in Vietnamese
    body = api.call("GET", "/audit/verify", "auditor").get_json()
    assert (
        body["ok"] is False and body["checkpoints"] == 1 and f"reached event {signed.seq}" in body["problem"]
    )


def _checkpoint_rows(database: Any) -> list[dict[str, Any]]:
    from sqlalchemy import text

    with database.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_checkpoints"))]


def _put_back(database: Any, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sql(database, "INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature) "
                      "VALUES (:seq, :head_hash, :at, :key_id, :signature)", **row)  # fmt: skip


def test_the_consistency_page_names_a_state_changed_without_an_event(
    app: Flask, as_user: Any, api: Api
) -> None:
    made = api.open_dossier()
    auditor = as_user("auditor")
    clean = auditor.get("/admin/audit/consistency").get_data(as_text=True)
    assert 'data-ok="true"' in clean
    sql(
        app.extensions["ocopflow"].database,
        "UPDATE dossiers SET state = 'certified' WHERE id = :d",
        d=made["id"],
    )
    page = auditor.get("/admin/audit/consistency").get_data(as_text=True)
    assert 'data-ok="false"' in page and 'data-code="consistency.state"' in page
    assert f"Hồ sơ {made['id']} đang ở trạng thái «certified»" in page
    assert as_user("producer1").get("/admin/audit/consistency").status_code == 403
