"""PostgreSQL benchmarks, each against a baseline measured in the same run (issue 15, part 2).

1. Firing a transition on PostgreSQL. Baseline: raw psycopg doing what any durable fire must —
   one UPDATE of the dossier's state and one INSERT of a hash-chained audit row, in one
   transaction — on the same server. The engine's full fire (load, permission, forms and guard,
   machine, effects, audit hash, commit) is interleaved with it in rounds, so machine noise hits
   both alike. Goal: fire >= 60 % of raw psycopg.
2. HTTP transitions (bench_web.py's load: 8 keep-alive clients, the ping-pong workflow) with
   gunicorn's 4 workers on PostgreSQL, against 2 workers on SQLite measured in the same run.
   Goal: >= 2x the SQLite figure. On a machine with two cores, four workers and the clients share
   two CPUs: the figure says what the database allows there, not what more cores would give.

Each part runs in a throwaway database created on the server and dropped afterwards. The server
is OCOPFLOW_BENCH_POSTGRES (a SQLAlchemy URL; default: the development machine's
postgresql+psycopg://postgres@127.0.0.1:5432/test); when it cannot be reached the script says so
and stops without failing, so `make bench` still runs where there is no PostgreSQL.

    .venv/bin/python bench/bench_postgres.py [--quick] [--seconds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_runtime  # noqa: E402  (bench/bench_runtime.py, beside this file)
import bench_web  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _libpq(url: str) -> str:
    """The URL psycopg itself takes (SQLAlchemy's names the driver)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextlib.contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of `url`, dropped afterwards; yields its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"ocopflow_bench_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RawPsycopg:
    """The lower bound: one UPDATE and one INSERT of a hash-chained row per transaction, raw psycopg."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(_libpq(url))
        with self.conn.transaction():
            self.conn.execute(
                "CREATE TABLE raw_dossiers (id INTEGER PRIMARY KEY, state TEXT, version INTEGER)"
            )
            self.conn.execute(
                "CREATE TABLE raw_audit (seq INTEGER PRIMARY KEY, at TIMESTAMP, actor TEXT, dossier_id INTEGER, "
                "from_state TEXT, to_state TEXT, prev_hash TEXT, hash TEXT)"
            )
            self.conn.execute("INSERT INTO raw_dossiers VALUES (1, 'a', 1)")
        self.prev = "0" * 64
        self.i = 0

    def fire(self) -> None:
        i = self.i
        frm, to = ("a", "b") if i % 2 == 0 else ("b", "a")
        digest = hashlib.sha256(f"{self.prev}{i}{frm}{to}".encode()).hexdigest()
        with self.conn.transaction():
            self.conn.execute("UPDATE raw_dossiers SET state = %s, version = version + 1 WHERE id = 1", (to,))
            self.conn.execute(
                "INSERT INTO raw_audit VALUES (%s, %s, 'bench', 1, %s, %s, %s, %s)",
                (i + 1, dt.datetime.now(), frm, to, self.prev, digest),
            )
        self.prev, self.i = digest, i + 1

    def close(self) -> None:
        self.conn.close()


def firing(url: str, n: int, rounds: int = 10) -> dict[str, float]:
    """Raw psycopg and the engine's fire interleaved in rounds; median rates (fires per second)."""
    evidence = Path(os.environ.get("TMPDIR", "/tmp")) / f"ocopflow-bench-pg-{secrets.token_hex(4)}"
    service, engine = bench_runtime.service_at(url, evidence)
    step, _people, _dossier = bench_runtime.return_and_resubmit(service)
    raw = RawPsycopg(url)
    per_round = max(2, n // rounds // 2 * 2)
    raw_rates, fire_rates = [], []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(per_round):
                raw.fire()
            raw_rates.append(per_round / (time.perf_counter() - start))
            start = time.perf_counter()
            for i in range(per_round):
                step(i)
            fire_rates.append(per_round / (time.perf_counter() - start))
        assert service.verify_audit().ok
    finally:
        raw.close()
        engine.dispose()
    return {"raw": statistics.median(raw_rates), "fire": statistics.median(fire_rates)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer fires, shorter HTTP runs")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per HTTP endpoint")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process fire")
    args = parser.parse_args(argv)
    url = os.environ.get("OCOPFLOW_BENCH_POSTGRES", DEFAULT_URL)
    why = reachable(url)
    if why:
        print(f"skipped: no PostgreSQL at {url} ({why}); set OCOPFLOW_BENCH_POSTGRES to measure one")
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"PostgreSQL at {url}; CPUs: {os.cpu_count()}, load average at start: {load:.1f}")

    fires = 300 if args.quick else 1000
    with throwaway_database(url) as database:
        rates = firing(database, fires)
    ratio = rates["fire"] / rates["raw"]
    print("\n1. firing a transition on PostgreSQL (median of 10 interleaved rounds)")
    print(f"  raw psycopg UPDATE + INSERT in one transaction {rates['raw']:>10,.0f} /s")
    print(f"  Service.fire (full)                            {rates['fire']:>10,.0f} /s")
    print(f"  fire / raw psycopg: {ratio:.1%}  (goal >= 60 %: {'met' if ratio >= 0.6 else 'NOT met'})")
    if args.skip_http:
        return 0

    web = bench_web.parser().parse_args([])
    web.seconds = args.seconds or (3.0 if args.quick else 5.0)
    print("\n2. HTTP transitions: SQLite with 2 workers, then PostgreSQL with 4 (same run)")
    sqlite = bench_web.measure(web, None, 2)
    with throwaway_database(url) as database:
        postgres = bench_web.measure(web, database, 4)
    for measured in (sqlite, postgres):
        bench_web.report(measured)
    errors = (
        sqlite.fire["errors"] + postgres.fire["errors"] + sqlite.health["errors"] + postgres.health["errors"]
    )
    factor = postgres.fire["rps"] / sqlite.fire["rps"] if sqlite.fire["rps"] else float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n  (CPUs: {os.cpu_count()}, load average at the end: {load:.1f})")
    print(
        f"PostgreSQL 4 workers / SQLite 2 workers, transitions: {factor:.2f}x  "
        f"(goal >= 2x: {'met' if factor >= 2 else 'NOT met'})"
    )
    print(
        f"PostgreSQL transition p99: {postgres.fire['p99']:.1f} ms  "
        f"(goal < 50 ms: {'met' if postgres.fire['p99'] < 50 else 'NOT met'})"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
