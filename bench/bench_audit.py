"""Audit chain speed: `verify` in events/s against raw hashlib over the same bytes; and the
auditors' page over a long history: p95 latency of a page view (filtered page, actions, chain
status) against the old full scan of the log, both measured in the same run on the same database.

.venv/bin/python bench/bench_audit.py [N] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.audit import AuditEvent, canonical, payload_digest, seal, verify  # noqa: E402


def build(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    previous: AuditEvent | None = None
    digest = payload_digest({"answers": {"1.1": "c"}})
    for i in range(n):
        draft = AuditEvent(
            seq=0,
            at="2026-06-01T08:00:00.000000+00:00",
            actor=f"user-{i % 97}",
            action="fire",
            dossier_id=f"dossier-{i // 8}",
            from_state="commune_check",
            to_state="province_review",
            definition_hash="ab" * 32,
            payload_digest=digest,
            comment="Hồ sơ đầy đủ" if i % 3 == 0 else None,
        )
        previous = seal(draft, previous)
        events.append(previous)
    return events


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 200_000
    start = time.perf_counter()
    events = build(n)
    seal_s = time.perf_counter() - start
    blobs = [canonical(e) for e in events]

    def raw() -> None:
        sha = hashlib.sha256
        for blob in blobs:
            sha(blob).hexdigest()

    def check() -> None:
        assert verify(events).ok

    def naive() -> None:
        # What the obvious code would do: asdict + json.dumps(sort_keys=True) per event.
        prev = "0" * 64
        for e in events:
            fields = dataclasses.asdict(e)
            del fields["hash"]
            fields["prev_hash"] = prev
            blob = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            assert hashlib.sha256(blob).hexdigest() == e.hash
            prev = e.hash

    raw_s = best_of(3, raw)
    naive_s = best_of(1, naive)
    verify_s = best_of(3, check)
    print(f"events                 {n:>12,}")
    print(f"seal (build chain)     {n / seal_s:>12,.0f} events/s")
    print(f"verify                 {n / verify_s:>12,.0f} events/s")
    print(f"baseline: raw sha256   {n / raw_s:>12,.0f} events/s (same canonical bytes, precomputed)")
    print(f"naive verify           {n / naive_s:>12,.0f} events/s (asdict + json.dumps per event)")
    print(f"verify / raw sha256    {raw_s / verify_s:>12.2f}x (hashing alone is the ceiling)")
    print(f"verify / naive         {naive_s / verify_s:>12.2f}x faster than the naive loop")
    url = sys.argv[sys.argv.index("--database-url") + 1] if "--database-url" in sys.argv else None
    page_view(n, url)


# --- the auditors' page ------------------------------------------------------------------

PER_PAGE = 50
ACTIONS = ["fire"] * 14 + ["save_form"] * 4 + ["attach_evidence", "save_score_sheet"]


def fill(engine: Any, n: int) -> None:
    """n chained events shaped like a real log: 300 actors, 10,000 dossiers, 18 months, rare actions."""
    from sqlalchemy import insert, update

    from engine import audit
    from engine.storage import tables as t

    start = dt.datetime(2025, 1, 1, 7)
    prev, rows = audit.GENESIS, []
    for seq in range(1, n + 1):
        action = "create_user" if seq % 5000 == 0 else ACTIONS[seq % len(ACTIONS)]
        payload = audit.canonical_payload({"n": seq})
        dossier = None if action == "create_user" else seq // 20 + 1
        event = audit.AuditEvent(
            seq=0,
            at=(start + dt.timedelta(minutes=4 * seq)).isoformat(timespec="microseconds"),
            actor=f"user{seq * 7 % 300}",
            action=action,
            dossier_id=None if dossier is None else str(dossier),
            from_state="a",
            to_state="b",
            definition_hash="d" * 64,
            payload_digest=audit.text_digest(payload),
            comment="Hồ sơ đầy đủ" if seq % 3 == 0 else None,
        )
        event = audit.seal(event, audit.Head(seq - 1, prev))
        prev = event.hash
        rows.append({**event.as_dict(), "dossier_id": dossier, "payload": payload})
    with engine.begin() as conn:
        for i in range(0, n, 20_000):
            conn.execute(insert(t.audit_events), rows[i : i + 20_000])
        conn.execute(update(t.audit_head).values(seq=n, hash=prev))
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load, done now so it does not run during the timings.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE audit_events")


def old_page_view(database: Any, service: Any, f: Any, page: int) -> int:
    """What the page did before: stream the whole log through Python filters, keep the newest
    page*50 in a window, collect the actions, then verify the whole chain."""
    window: deque[Any] = deque(maxlen=page * PER_PAGE)
    actions: set[str] = set()
    since = f.since.isoformat() if f.since else None
    until = f.until.isoformat() if f.until else None
    total = 0
    with database.transaction(write=False) as repo:
        for e in repo.iter_events():
            day = e.at[:10]
            if (
                (f.actor and e.actor != f.actor)
                or (f.action and e.action != f.action)
                or (f.dossier_id is not None and e.dossier_id != str(f.dossier_id))
                or (since and day < since)
                or (until and day > until)
            ):
                continue
            window.append(e)
            actions.add(e.action)
            total += 1
    service.verify_audit()
    return total


@contextmanager
def database_for(url: str | None) -> Iterator[Any]:
    """A fresh migrated database: a SQLite file, or a throwaway schema on the PostgreSQL named."""
    from sqlalchemy.engine import make_url

    from engine.storage.db import make_engine, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        if url is None:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'audit-page.db'}")
            upgrade(engine)
            yield engine
            engine.dispose()
            return
        schema = f"bench_{secrets.token_hex(4)}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def page_view(n: int, url: str | None) -> None:
    from engine.definitions.loader import default_paths, load_catalog
    from engine.permissions import Actor
    from engine.service import Service
    from engine.service.queries import AuditFilter
    from engine.storage.repository import Database

    catalog = load_catalog(default_paths()).catalog
    auditor = Actor("auditor", frozenset({"auditor"}), None, None)
    with database_for(url) as engine:
        fill(engine, n)
        database = Database(engine)
        service = Service(database.transaction, catalog, sync=False)
        start = time.perf_counter()
        assert service.check_audit_chain(auditor).ok  # the full check: once, on demand
        full_s = time.perf_counter() - start
        middle = dt.date(2025, 1, 1) + dt.timedelta(days=n * 4 // 1440 // 2)
        cases: list[tuple[str, AuditFilter, int | None]] = [
            ("newest page, no filter", AuditFilter(), None),
            ("a deep page, no filter", AuditFilter(), n // 2),
            ("one actor", AuditFilter(actor="user42"), None),
            ("a rare action", AuditFilter(action="create_user"), None),
            ("one dossier", AuditFilter(dossier_id=n // 40), None),
            ("one month", AuditFilter(since=middle, until=middle + dt.timedelta(days=30)), None),
            ("one actor in one month", AuditFilter(actor="user42", since=middle), None),
        ]

        def view(f: AuditFilter, before: int | None) -> Callable[[], None]:
            def run() -> None:
                service.audit_log(auditor, f, before=before)
                service.audit_actions(auditor)
                assert service.audit_status(auditor).ok

            return run

        for _, f, before in cases:  # warm the caches: a page view of a running server is not cold
            view(f, before)()
        new: list[float] = []
        old: list[float] = []
        print(f"\nauditors' page over {n:,} events on {engine.dialect.name} (50 a page)")
        for name, f, before in cases:
            samples = [best_of(1, view(f, before)) for _ in range(25)]
            new += samples
            page = 1 if before is None else (n - before) // PER_PAGE + 1
            start = time.perf_counter()
            old_page_view(database, service, f, page)
            old.append(time.perf_counter() - start)
            print(f"  {name:<28} now p95 {p95(samples) * 1000:>8.1f} ms   before {old[-1] * 1000:>8.0f} ms")
        print(f"  page view p95, SQL + incremental check  {p95(new) * 1000:>10.1f} ms ({len(new)} views)")
        print(f"  baseline: old full scan + full verify  {p95(old) * 1000:>10.1f} ms p95 ({len(old)} views)")
        print(f"  speed-up at p95                        {p95(old) / p95(new):>10.0f}x")
        print(f"  full chain check (button / audit verify) {full_s * 1000:>8.0f} ms, on demand only")


if __name__ == "__main__":
    main()
