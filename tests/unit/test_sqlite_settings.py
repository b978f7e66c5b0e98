"""SQLite connections get the synchronous level asked for: FULL unless told otherwise, never OFF."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from engine.storage.db import make_engine


@pytest.mark.parametrize(
    ("kwargs", "level"),
    [({}, 2), ({"synchronous": "FULL"}, 2), ({"synchronous": "NORMAL"}, 1)],
)
def test_sqlite_connections_use_the_synchronous_level_asked_for(
    tmp_path: Path, kwargs: dict[str, str], level: int
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}", **kwargs)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == level
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()


@pytest.mark.parametrize("level", ["OFF", "EXTRA", "full; DROP TABLE x", ""])
def test_other_synchronous_levels_are_refused(tmp_path: Path, level: str) -> None:
    with pytest.raises(ValueError, match="synchronous must be one of FULL, NORMAL"):
        make_engine(f"sqlite:///{tmp_path / 'a.db'}", synchronous=level)


def test_a_write_transaction_that_cannot_begin_raises_sqlalchemys_error(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():  # creates the file in WAL mode
        pass
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            writer = connection.execution_options(ocopflow_write=True)
            with pytest.raises(OperationalError, match="database is locked"):
                writer.begin()
            assert not connection.in_transaction()
        with engine.connect() as reader, reader.begin():  # WAL readers do not wait for the writer
            assert reader.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
