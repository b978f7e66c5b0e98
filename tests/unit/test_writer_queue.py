"""SQLite writers take turns on a lock (db.WriterQueue) before SQLite's own locking."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import create_engine

from engine.storage.db import WriterQueue, writer_queue


def test_a_second_writer_waits_until_the_first_has_finished(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "a.db")
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with queue.turn():
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with queue.turn():
        inside.set()
        time.sleep(0.05)
        order.append("first")
    thread.join()
    assert order == ["first", "second"]


def test_the_same_thread_may_nest_its_turns(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "a.db")
    with queue.turn(), queue.turn():
        pass
    with queue.turn():  # released after nesting
        pass


def test_a_writer_that_waits_past_the_timeout_goes_on_to_sqlites_own_locking(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "a.db", timeout=0.05)
    done = threading.Event()

    def late() -> None:
        with queue.turn():
            done.set()

    with queue.turn():
        thread = threading.Thread(target=late)
        thread.start()
        assert done.wait(2)
    thread.join()


def test_only_sqlite_files_get_a_queue_and_one_per_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert writer_queue(create_engine(url)) is writer_queue(create_engine(url))
    assert writer_queue(create_engine("sqlite://")) is None
    assert writer_queue(create_engine("postgresql+psycopg://u@localhost/db")) is None
