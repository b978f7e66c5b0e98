"""Register benchmark: the record list at 100,000 records, through HTTP, against plain SQL.

A fresh database (SQLite by default; `--database postgresql+psycopg://…` for PostgreSQL) gets
100,000 records of the producers' register written straight into its tables (records and their
filter values; the service would also write 100,000 audit events, which is not what is measured).
The app is served on 127.0.0.1 (werkzeug, one thread per request) and one client asks, in turn:

  - the first page (50 records, newest first, with the count),
  - a filtered page (a `filter: true` field: leader_gender=female),
  - a deep page (the keyset cursor 90,000 records down),
  - a search (`q`: each word a prefix of a word of the title or code, through the search-word index),

as a province officer (every record of the province) and a commune officer (one commune's).
Baseline in the same run: the same SELECT … ORDER BY id DESC LIMIT 51 written by hand, on the
same connection pool. Prints p50/p95 of each and the query plans (EXPLAIN) of the list query.

    .venv/bin/python bench/bench_records.py [--records 100000] [--rounds 60] [--database URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGISTER = "ocop-producers"
COMMUNES = ("25708", "25516", "25552", "25486", "25585", "25654", "27712", "27694", "28159", "27727")


def fill(engine: Any, n: int, definition_hash: str) -> None:
    from sqlalchemy import insert

    from engine.service.records import _terms as search_terms
    from engine.storage import tables as t

    rnd = random.Random(80)
    now = dt.datetime(2026, 7, 1, 9, 0)
    batch: list[dict[str, Any]] = []
    facets: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(1, n + 1):
            commune = COMMUNES[i % len(COMMUNES)]
            gender = "female" if rnd.random() < 0.38 else "male"
            kind = rnd.choice(("htx", "tht", "dn", "hkd"))
            data = {"name": f"HTX số {i}", "org_type": kind, "registration_number": f"39{i:08d}",
                    "commune": commune, "leader_name": f"Người {i}", "leader_gender": gender}  # fmt: skip
            batch.append(dict(id=i, register_id=REGISTER, register_version="2026.1", definition_hash=definition_hash,
                              version=1, code=f"CT-80-{i:06d}", title=data["name"], province_code="80",
                              commune_code=commune, organisation=None, status="active", data=data,
                              created_by="bench", created_at=now, updated_by="bench", updated_at=now))  # fmt: skip
            facets += [
                *(
                    {"record_id": i, "field": "_q", "value": w, "register_id": REGISTER}
                    for w in dict.fromkeys(search_terms(data["name"], f"CT-80-{i:06d}"))
                ),
                {"record_id": i, "field": "leader_gender", "value": gender, "register_id": REGISTER},
                {"record_id": i, "field": "org_type", "value": kind, "register_id": REGISTER},
                {"record_id": i, "field": "commune", "value": commune, "register_id": REGISTER},
            ]
            if len(batch) == 5000:
                conn.execute(insert(t.records), batch)
                conn.execute(insert(t.record_facets), facets)
                batch, facets = [], []
        if batch:
            conn.execute(insert(t.records), batch)
            conn.execute(insert(t.record_facets), facets)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE records")
            conn.exec_driver_sql("ANALYZE record_facets")
            conn.exec_driver_sql("SELECT setval('records_id_seq', (SELECT max(id) FROM records))")
        else:
            conn.exec_driver_sql("ANALYZE")


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--database", default=None)
    args = parser.parse_args(argv)

    from sqlalchemy import text
    from werkzeug.serving import make_server

    from engine.commands.demo import seed_users
    from web import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-records-"))
    url = args.database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_DIR": str(folder)})
    rt = app.extensions["ocopflow"]
    seed_users(rt.service)
    register = rt.catalog.registers[REGISTER]
    started = time.perf_counter()
    fill(rt.database.engine, args.records, rt.service.registry.hash_of(register))
    print(
        f"{args.records} records written in {time.perf_counter() - started:.1f} s ({rt.database.engine.dialect.name})"
    )

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    port = http_server.server_port
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def token(user: str) -> str:
        conn.request("POST", "/api/v1/auth/token", json.dumps({"username": user, "password": "demo"}),
                     {"Content-Type": "application/json"})  # fmt: skip
        return str(json.loads(conn.getresponse().read())["token"])

    def get(path: str, bearer: str) -> Callable[[], object]:
        def call() -> object:
            conn.request("GET", path, headers={"Authorization": f"Bearer {bearer}"})
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, (response.status, body[:300])
            return body

        return call

    base = f"/api/v1/registers/{REGISTER}/records"
    deep = args.records - 90_000 if args.records > 90_000 else args.records // 10
    queries = {
        "first page": "?per_page=50",
        "filter leader_gender=female": "?per_page=50&leader_gender=female",
        f"keyset page (before={deep})": f"?per_page=50&before={deep}",
        "search q=số 4242": "?per_page=50&q=s%E1%BB%91%204242",
    }
    engine = rt.database.engine

    def plain(sql: str, **params: Any) -> Callable[[], object]:
        def call() -> object:
            with engine.connect() as c:
                rows = c.execute(text(sql), params).all()
                c.execute(text("SELECT count(*) FROM (SELECT id FROM records WHERE register_id = :r LIMIT 1001) s"),
                          {"r": REGISTER}).scalar_one()  # fmt: skip
                return rows

        return call

    baseline = plain(
        "SELECT * FROM records WHERE register_id = :r AND status = 'active' ORDER BY id DESC LIMIT 51",
        r=REGISTER,
    )
    p50, p95 = timed(baseline, args.rounds)
    print(f"\nbaseline: plain SQL first page + capped count      p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    worst = 0.0
    for user in ("province1", "commune1"):
        bearer = token(user)
        for name, query in queries.items():
            p50, p95 = timed(get(base + query, bearer), args.rounds)
            worst = max(worst, p95)
            print(f"{user:10} {name:32} HTTP  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    print(f"\nworst p95 through HTTP: {worst:.2f} ms (goal <= 30 ms)")
    explain(engine)
    http_server.shutdown()
    engine.dispose()
    return 0


def explain(engine: Any) -> None:
    """The plans of the list query the service runs: a filtered page and the province page."""
    from sqlalchemy.dialects import postgresql, sqlite

    from engine.storage.records import RecordStore
    from engine.storage.repository import AreaFilter

    captured: list[Any] = []

    class Capture(RecordStore):
        def __init__(self, connection: Any) -> None:
            self.connection = connection

    with engine.connect() as c:
        original = c.execute

        def spy(statement: Any, *a: Any, **kw: Any) -> Any:
            captured.append(statement)
            return original(statement, *a, **kw)

        c.execute = spy  # type: ignore[method-assign]
        Capture(c).list_records(REGISTER, area=AreaFilter(False, frozenset({"80"})), filters={"leader_gender": "female"},
                                words=[], status="active", before=None, limit=51)  # fmt: skip
        c.execute = original  # type: ignore[method-assign]
        dialect = postgresql.dialect() if engine.dialect.name == "postgresql" else sqlite.dialect()
        for statement in captured[:1]:
            sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
            print("\nplan of the filtered province page:")
            for row in c.exec_driver_sql(prefix + sql):
                print("  ", " | ".join(str(v) for v in row))


if __name__ == "__main__":
    sys.exit(main())
