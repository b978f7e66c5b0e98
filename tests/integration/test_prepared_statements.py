"""Statements run on the DBAPI cursor (statements.Prepared) read and write what SQLAlchemy's execute would."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, TransitionNotAllowed
from engine.storage import statements as st
from engine.storage import tables as t
from tests.conftest import is_postgres


def through_sqlalchemy(repo, table, *where) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    q = select(table).where(*where).order_by(*table.primary_key.columns)
    return [dict(r) for r in repo.connection.execute(q).mappings()]


def stored(repo, table, dossier_id: int) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """The row exactly as the driver holds it, no conversion (SQLite: the text SQLAlchemy wrote)."""
    columns = ", ".join(c.name for c in table.columns if c.name != "id")
    cursor = repo.connection.connection.cursor()
    cursor.execute(f"SELECT {columns} FROM {table.name} WHERE id = {int(dossier_id)}")
    row = cursor.fetchone()
    cursor.close()
    return tuple(row)


@pytest.fixture
def certified(service, people, driver, open_dossier):  # type: ignore[no-untyped-def]
    """A 2026 dossier with every kind of row a fire reads: forms, evidence, clocks, a certificate."""
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.attach_evidence(people["producer1"], dossier.id, "labour_list", "list.pdf", b"%PDF-1.4 list")
    done = driver.walk(dossier.id, ["returned", "commune_check", "certified"], stars=4)
    assert done.state == "certified" and done.certificate is not None and done.clocks
    return done


def test_every_prepared_read_returns_the_rows_and_python_types_sqlalchemy_returns(database, certified):
    with database.transaction(write=False) as repo:
        dossier = repo.dossier(certified.id)
        assert dossier == through_sqlalchemy(repo, t.dossiers, t.dossiers.c.id == certified.id)[0]
        assert type(dossier["filed_on"]) is dt.date
        assert type(dossier["created_at"]) is dt.datetime
        assert isinstance(dossier["definition_set"], dict) and dossier["definition_set"]["roles"]
        assert isinstance(dossier["score_total"], float)

        clocks = repo.clocks(certified.id)
        assert clocks == through_sqlalchemy(repo, t.clocks, t.clocks.c.dossier_id == certified.id)
        assert all(type(c["started_on"]) is dt.date and type(c["stopped_on"]) is dt.date for c in clocks)

        forms = repo.form_answers(certified.id)
        expected = through_sqlalchemy(repo, t.form_answers, t.form_answers.c.dossier_id == certified.id)
        assert forms == {r["form_id"]: r for r in expected} and len(forms) >= 2
        assert all(type(f["complete"]) is bool and isinstance(f["answers"], dict) for f in forms.values())
        assert repo.complete_forms(certified.id) == {fid for fid, f in forms.items() if f["complete"]}

        evidence = repo.evidence(certified.id)
        assert evidence == through_sqlalchemy(repo, t.evidence, t.evidence.c.dossier_id == certified.id)
        assert "labour_list" in {e["document_type"] for e in evidence}
        assert all(type(e["uploaded_at"]) is dt.datetime for e in evidence)
        assert repo.evidence_types(certified.id) == {e["document_type"] for e in evidence}

        sheets = repo.score_sheets(certified.id)
        assert sheets == through_sqlalchemy(repo, t.score_sheets, t.score_sheets.c.dossier_id == certified.id)
        assert sheets and all(type(s["final"]) is bool and isinstance(s["answers"], dict) for s in sheets)

        targets = {"commune_check", "province_intake", "certified"}
        expected: dict[str, set[str]] = {}
        for event, payload in repo.dossier_events(certified.id):
            if event.action == "fire" and event.to_state in targets:
                expected.setdefault(payload["transition"], set()).add(event.actor)
        assert len(expected) >= 2
        assert repo.fired_by(certified.id, targets) == {k: frozenset(v) for k, v in expected.items()}
        assert repo.fired_by(certified.id, []) == {}

        certificates = repo.certificates_for_dossiers([certified.id])
        assert certificates == through_sqlalchemy(
            repo, t.certificates, t.certificates.c.dossier_id == certified.id
        )
        assert type(certificates[0]["expires_on"]) is dt.date


def test_notifications_written_by_fires_read_back_with_their_roles_and_the_fires_time(
    service, people, database, certified
):
    with database.transaction(write=False) as repo:
        notes = repo.notifications(certified.id)
    assert notes, "the 2026 workflow notifies on its way to a certificate"
    assert all(isinstance(n["roles"], list) and n["roles"] for n in notes)
    fired_at = {e.at for e in service.history(people["minister"], certified.id) if e.action == "fire"}
    assert {n["created_at"].isoformat(timespec="microseconds") for n in notes} <= fired_at


def test_a_fire_waits_until_the_forms_it_requires_are_saved_complete(service, people, driver, open_dossier):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["preparing"])
    producer = people["producer1"]
    service.save_form(producer, dossier.id, "ocop-2026-mau-01", {"org_name": "HTX Bánh tráng"})  # incomplete
    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(producer, dossier.id, "submit")
    assert refused.value.reason == "form:ocop-2026-mau-01"
    driver.fill_form(dossier.id, "ocop-2026-mau-01")
    with pytest.raises(TransitionNotAllowed) as refused:
        service.fire(producer, dossier.id, "submit")
    assert refused.value.reason == "form:ocop-2026-mau-02"
    driver.fill_form(dossier.id, "ocop-2026-mau-02")
    assert service.fire(producer, dossier.id, "submit").state == "commune_check"


def test_a_prepared_write_stores_exactly_what_sqlalchemy_stores(database, open_dossier):
    one, other = open_dossier(), open_dossier(product_name="Mắm tép")
    values = {
        "state": "province_intake",
        "stars": 3,
        "score_total": 61.25,
        "product_code": None,
        "definition_set": {"roles": {"r": "a" * 64}, "form": {}},
        "updated_at": dt.datetime(2026, 8, 1, 10, 30, 15, 123456),
    }
    with database.transaction() as repo:
        repo.set_dossier_fields(one.id, **values)  # prepared
        repo.connection.execute(update(t.dossiers).where(t.dossiers.c.id == other.id).values(**values))
        mine, theirs = stored(repo, t.dossiers, one.id), stored(repo, t.dossiers, other.id)
    names = [c.name for c in t.dossiers.columns if c.name != "id"]
    written = dict(zip(names, mine, strict=True)), dict(zip(names, theirs, strict=True))
    assert {k: written[0][k] for k in values} == {k: written[1][k] for k in values}
    with database.transaction(write=False) as repo:
        assert repo.dossier(one.id)["definition_set"] == values["definition_set"]
        assert repo.dossier(one.id)["updated_at"] == values["updated_at"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(database, open_dossier):
    dossier = open_dossier()
    with database.transaction() as repo:
        repo.update_dossier(
            dossier.id, dossier.version, state="submitted", updated_at=dt.datetime(2026, 8, 1)
        )
    with pytest.raises(Conflict), database.transaction() as repo:
        repo.update_dossier(dossier.id, dossier.version, state="idea", updated_at=dt.datetime(2026, 8, 2))
    with database.transaction(write=False) as repo:
        row = repo.dossier(dossier.id)
    assert (row["state"], row["version"]) == ("submitted", dossier.version + 1)


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_rolls_the_transaction_back(
    database, open_dossier
):
    dossier = open_dossier()
    with pytest.raises(IntegrityError), database.transaction() as repo:
        repo.add_notification(
            dossier_id=dossier.id,
            roles=["x"],
            area=None,
            message_vi="a",
            message_en=None,
            created_at=dt.datetime(2026, 8, 1),
        )
        repo.add_notification(
            dossier_id=10**9,
            roles=["x"],
            area=None,
            message_vi="b",
            message_en=None,
            created_at=dt.datetime(2026, 8, 1),
        )
    with database.transaction(write=False) as repo:
        assert [n["message_vi"] for n in repo.notifications(dossier.id)] == []


def test_a_statement_with_an_expanding_list_cannot_be_prepared(database):
    with database.transaction(write=False) as repo, pytest.raises(ValueError, match="expanding"):
        st.Prepared(st.CLOCKS_FOR).rows(repo.connection, {"b_ids": [1, 2]})


@pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")
def test_a_write_transaction_holds_sqlites_write_lock_from_its_start_and_a_read_does_not(database):
    path = database.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with database.transaction(write=False):
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        with database.transaction(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_a_prepared_write_must_be_given_the_columns_sqlalchemy_would_default(database):  # type: ignore[no-untyped-def]
    """Connection.execute fills Python-side column defaults; a prepared statement cannot, so it
    refuses to be built without them instead of writing NULL."""
    from sqlalchemy import insert

    from engine.storage import tables as t
    from engine.storage.statements import Prepared

    defaulted = [c.key for c in t.clocks.c if c.default is not None and not c.primary_key]
    assert defaulted, "clocks has a column with a Python-side default"
    given = [c.key for c in t.clocks.c if c.key not in defaulted and not c.primary_key]
    with database.transaction() as repo, pytest.raises(ValueError, match="default"):
        Prepared(insert(t.clocks), given).run(repo.connection, {})
