"""SQLite writers take turns on a lock (db.WriterQueue) before SQLite's own locking."""

from __future__ import annotations

import subprocess
import sys
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


# A writer in another process: says it is about to queue, then notes its entry and exit in a log.
CHILD = """
import sys, time
from pathlib import Path
from engine.storage.db import WriterQueue

database, log, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
queue = WriterQueue(database)
with log.open("a") as fh:
    fh.write("queued\\n")
for _ in range(rounds):
    with queue.turn():
        with log.open("a") as fh:
            fh.write("in\\n")
        time.sleep(0.002)
        with log.open("a") as fh:
            fh.write("out\\n")
"""


def _writer_process(database: Path, log: Path, rounds: int) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", CHILD, str(database), str(log), str(rounds)], cwd=root)


def _wait_for(path: Path, text: str) -> None:
    for _ in range(3000):
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.01)
    raise AssertionError(f"{path} never said {text!r}")


def test_a_writer_in_another_process_waits_until_this_one_has_finished(tmp_path: Path) -> None:
    database, log = tmp_path / "a.db", tmp_path / "child.log"
    child = None
    try:
        with WriterQueue(database).turn():
            child = _writer_process(database, log, 1)
            _wait_for(log, "queued")
            time.sleep(0.3)  # room for the child to get in, if the lock did not hold it back
            assert log.read_text() == "queued\n"
        assert child.wait(60) == 0
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
    assert log.read_text() == "queued\nin\nout\n"


def test_writers_in_two_processes_never_overlap(tmp_path: Path) -> None:
    database, log = tmp_path / "a.db", tmp_path / "both.log"
    children = [_writer_process(database, log, 40) for _ in range(2)]
    assert [c.wait(120) for c in children] == [0, 0]
    turns = [line for line in log.read_text().splitlines() if line != "queued"]
    assert len(turns) == 2 * 2 * 40
    assert turns == ["in", "out"] * (2 * 40)
