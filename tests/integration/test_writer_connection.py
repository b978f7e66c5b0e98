"""SQLite write transactions share one connection per process (repository._Writer), one writer at a time."""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

import pytest

from engine.storage.db import make_engine, upgrade
from engine.storage.repository import Database
from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="the shared writer connection is SQLite's")


def dbapi_of(repo):  # type: ignore[no-untyped-def]
    return repo.connection.connection.dbapi_connection


@pytest.fixture
def fresh(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_write_transactions_reuse_one_connection_and_reads_use_the_pool(fresh):
    database = Database(fresh)
    with database.transaction() as repo:
        first = dbapi_of(repo)
    with database.transaction() as repo:
        assert dbapi_of(repo) is first
    with database.transaction(write=False) as repo:
        assert dbapi_of(repo) is not first


def test_a_failed_write_is_rolled_back_and_the_connection_serves_the_next_one(database, open_dossier):
    dossier = open_dossier()
    with pytest.raises(RuntimeError), database.transaction() as repo:
        repo.set_dossier_fields(dossier.id, product_name="lost")
        raise RuntimeError("boom")
    with database.transaction() as repo:
        repo.set_dossier_fields(dossier.id, stars=2)
    with database.transaction(write=False) as repo:
        row = repo.dossier(dossier.id)
    assert (row["product_name"], row["stars"]) == (dossier.product_name, 2)


def test_a_writer_finding_the_connection_taken_uses_its_own_and_waits_for_sqlites_lock(fresh):
    database = Database(fresh)
    assert database._writers is not None
    database._writers.timeout = 0.05  # the second writer gives up on the queue and goes on
    seen: list[object] = []

    def second() -> None:
        with database.transaction() as repo:
            seen.append(dbapi_of(repo))

    with database.transaction() as repo:
        first = dbapi_of(repo)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)  # the second is past the queue, waiting on BEGIN IMMEDIATE
        assert seen == []
    thread.join(30)
    assert len(seen) == 1 and seen[0] is not first


def test_a_dropped_database_gives_its_connection_back_to_the_pool(fresh):
    database = Database(fresh)
    with database.transaction():
        pass
    assert fresh.pool.checkedout() == 1
    del database
    gc.collect()
    assert fresh.pool.checkedout() == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_forked_process_writes_on_its_own_connection_and_the_parent_on_its(database, open_dossier):
    dossier = open_dossier()  # the parent's writer connection is open now
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            with database.transaction() as repo:
                repo.set_dossier_fields(dossier.id, product_name="written by the child")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with database.transaction() as repo:
        repo.set_dossier_fields(dossier.id, stars=3)
        repo.connection.connection.info["parent"] = True  # the parent's writer connection
    for record in list(database.engine.pool._pool.queue):  # type: ignore[attr-defined]
        record.info["parent"] = True  # and its pooled ones
    read_r, read_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports whether it was handed a parent's connection
        try:
            with database.transaction() as repo:
                writer = "parent" in repo.connection.connection.info
            with database.transaction(write=False) as repo:
                reader = "parent" in repo.connection.connection.info
            os.write(read_w, f"{writer} {reader}".encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    os.close(read_w)
    answer = os.read(read_r, 100).decode()
    os.close(read_r)
    assert answer == "False False"  # the child's pool started empty
    with database.transaction(write=False) as repo:
        row = repo.dossier(dossier.id)
    assert (row["product_name"], row["stars"]) == ("written by the child", 3)


def test_a_commit_that_fails_leaves_no_open_transaction_behind(fresh):
    """A deferred constraint fails at COMMIT, which leaves SQLite inside its transaction holding
    the write lock: that connection must not serve the next writer, and the lock must be free."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    with fresh.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
    database = Database(fresh)
    with pytest.raises(IntegrityError), database.transaction() as repo:
        repo.connection.exec_driver_sql("INSERT INTO child VALUES (42)")
    other = sqlite3.connect(fresh.url.database, isolation_level=None, timeout=0.5)
    other.execute("BEGIN IMMEDIATE")  # another process can write: the lock was released
    other.execute("ROLLBACK")
    other.close()
    with database.transaction() as repo:
        repo.connection.exec_driver_sql("INSERT INTO parent VALUES (1)")
    with database.transaction(write=False) as repo:
        counts = [
            repo.connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in ("parent", "child")
        ]
    assert counts == [1, 0]
