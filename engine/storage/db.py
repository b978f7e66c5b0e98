"""Engine factory and schema upgrades: SQLite (WAL) by default, PostgreSQL by URL.

The caller (the CLI or the web app factory) reads the environment and passes
the URL in; nothing here looks at os.environ.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the thread lock alone
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def default_url(instance_dir: Path) -> str:
    """instance/ocopflow.db: the database used when no URL is configured."""
    return f"sqlite:///{(instance_dir / 'ocopflow.db').resolve()}"


SYNCHRONOUS = ("FULL", "NORMAL")


def make_engine(url: str, *, echo: bool = False, synchronous: str = "FULL") -> Engine:
    """An Engine with the per-connection settings each backend needs.

    SQLite: WAL journal, a busy timeout, foreign keys on, and write
    transactions opened with BEGIN IMMEDIATE so writers queue instead of
    failing mid-transaction with "database is locked".

    `synchronous` is SQLite's: FULL (the default) syncs the WAL at every commit,
    so a committed fire and its audit event survive a power cut. NORMAL in WAL
    mode never corrupts the database but may lose the last commits on power
    loss — wrong for a legal audit trail, and measured to gain the engine little
    (bench/bench_runtime.py --synchronous NORMAL: ~+10 % fires/s; the fire is
    bound by its Python and SQL work, not the sync). Offered for benchmarks.
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not '{synchronous}'")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine, synchronous)
        return _fresh_pool_after_fork(engine)
    return _fresh_pool_after_fork(
        create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    )


def _fresh_pool_after_fork(engine: Engine) -> Engine:
    """A forked child never uses its parent's pooled connections (SQLAlchemy's advice for
    multiprocessing): its pool starts empty, the parent's connections are left unclosed to it."""
    if hasattr(os, "register_at_fork"):
        ref = weakref.ref(engine)

        def in_child() -> None:
            alive = ref()
            if alive is not None:
                alive.dispose(close=False)

        os.register_at_fork(after_in_child=in_child)
    return engine


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # On the driver's connection: through exec_driver_sql a BEGIN costs ~15-20 us more (execution
        # context, events, result object), and an API call opens three transactions. Errors are still
        # SQLAlchemy's (OperationalError for "database is locked"); echo logs "BEGIN (implicit)".
        write = connection.get_execution_options().get("ocopflow_write", False)
        sql = "BEGIN IMMEDIATE" if write else "BEGIN"
        dialect = connection.dialect
        try:
            connection.connection.driver_connection.execute(sql)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(sql, (), exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


class WriterQueue:
    """SQLite writers take turns on a lock instead of in SQLite's busy handler.

    SQLite lets one transaction write at a time. A writer that finds the database
    locked sleeps in SQLite's busy handler — 1, 2, 5 … up to 100 ms a try — even
    when the holder finishes a millisecond later: under a few concurrent writers
    (web workers and their threads) that sleeping, not the work, set the latency.
    Here writers queue on a thread lock within the process and an advisory file
    lock (`<database>-writers`) across processes, and are woken as soon as the
    writer before them commits. The wait is bounded by the same busy timeout; past
    it SQLite's own locking takes over unchanged (this queue is an optimisation, the
    database's locks still guarantee one writer). Re-entrant within a thread.
    """

    def __init__(self, database: Path, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = database.with_name(database.name + "-writers")
        self.timeout = timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if fcntl is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        if getattr(self._local, "held", False):
            yield
            return
        deadline = time.monotonic() + self.timeout
        if not self._lock.acquire(timeout=self.timeout):
            yield  # SQLite's busy handling decides
            return
        try:
            fd = self._file()
            locked = fd is not None and _flock(fd, deadline)
            self._local.held = True
            try:
                yield
            finally:
                self._local.held = False
                if locked:
                    assert fcntl is not None and fd is not None
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


def _flock(fd: int, deadline: float) -> bool:
    """Take the file lock, retrying every 0.2 ms until the deadline (flock itself cannot time out)."""
    assert fcntl is not None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.0002)


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The process's queue for a SQLite file database; None for PostgreSQL and in-memory SQLite."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database).resolve()
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(path, WriterQueue(path))


_QUEUES: dict[Path, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run `alembic upgrade head` programmatically on this engine."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        rev: str | None = MigrationContext.configure(connection).get_current_revision()
        return rev
