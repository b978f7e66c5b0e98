"""SQLite connections get the synchronous level asked for: FULL unless told otherwise, never OFF."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

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
