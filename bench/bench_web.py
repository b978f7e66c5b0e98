"""Web benchmark: the API served by gunicorn (2 workers) on SQLite, 8 concurrent keep-alive clients.

Measures, in one run, requests per second and latency of
  - GET /api/v1/health (the trivial baseline), and
  - POST /api/v1/dossiers/{id}/transitions/{take|release} — every request a real
    transition (token, permission, guard, state change, effects, audit event,
    the caller's next actions in the answer) of the bench-only workflow in
    bench/fixtures/bench-pingpong.yaml, whose dossiers go back and forth between
    two states so they never run out.
Prints req/s, p50/p99 latency, the ratio transition/health and the goals
(transition >= 50 % of health, p99 < 50 ms), and (on Linux) the gunicorn workers'
CPU time per request and how idle the machine was: on a machine shared with other
work req/s moves with their load, CPU per request much less. Standalone:

    .venv/bin/python bench/bench_web.py [--seconds 5] [--clients 8] [--dossiers 400]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import profile  # noqa: E402  (bench/profile.py, beside this file)

WORKFLOW = "bench-pingpong"
NEXT = {"waiting": "take", "checking": "release"}
AFTER = {"take": "checking", "release": "waiting"}
COMMUNE = "00583"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(instance: Path, database_url: str | None = None) -> dict[str, str]:
    paths = [str(ROOT / "workflows"), str(ROOT / "forms"), str(ROOT / "bench" / "fixtures")]
    return {
        "OCOPFLOW_ENV": "demo",
        "OCOPFLOW_SECRET_KEY": "bench-secret",
        "OCOPFLOW_INSTANCE_DIR": str(instance),
        "OCOPFLOW_DATABASE_URL": database_url or f"sqlite:///{instance / 'bench.db'}",
        "OCOPFLOW_DEFINITIONS_PATHS": json.dumps(paths),
    }


def prepare(
    instance: Path, dossiers: int, database_url: str | None = None
) -> tuple[str, list[int], dict[str, tuple[float, float]]]:
    """Migrate, add a commune officer, open the dossiers; returns (bearer token, dossier ids, in-process
    milliseconds per call of the service methods one API transition uses)."""
    os.environ.update(settings(instance, database_url))
    from web import create_app

    app = create_app()
    service = app.extensions["ocopflow"].service
    service.create_user(None, "bench-admin", "bench-password", ["admin"])
    admin = service.actor_for_username("bench-admin")
    service.create_user(admin, "bench", "bench-password", ["commune_officer"], area=COMMUNE)
    officer = service.actor_for_username("bench")
    ids = [
        service.open_dossier(
            officer,
            product_name=f"Sản phẩm đo {i}",
            product_set="01",
            producer_org=f"Chủ thể {i}",
            commune_code=COMMUNE,
            workflow_id=WORKFLOW,
        ).id
        for i in range(dossiers)
    ]
    token = service.issue_api_token(officer)
    parts = _service_parts(service, officer, token, ids)
    app.extensions["ocopflow"].database.engine.dispose()
    return token, ids, parts


def _service_parts(
    service: object, officer: object, token: str, ids: list[int]
) -> dict[str, tuple[float, float]]:
    """Where a transition's time goes, in process: each service call the API makes, alone
    (wall and CPU ms per call; the wall time of a fire includes waiting for the disk's sync)."""
    n = min(100, len(ids) // 2)
    s: Any = service

    def per_call(fn: Callable[[int], object]) -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(n):
            fn(i)
        return (time.perf_counter() - t0) / n * 1000, (time.process_time() - c0) / n * 1000

    parts = {
        "service.fire (take)": per_call(lambda i: s.fire(officer, ids[i], "take")),
        "service.fire (release)": per_call(lambda i: s.fire(officer, ids[i], "release")),
        "service.actor_for_token": per_call(lambda i: s.actor_for_token(token)),
        "service.available_actions": per_call(lambda i: s.available_actions(officer, ids[i])),
    }
    return parts


def start_gunicorn(
    instance: Path, port: int, workers: int, threads: int, worker_class: str, database_url: str | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings(instance, database_url), "OCOPFLOW_AUTO_UPGRADE_DB": "false"}
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,  # gthread keeps connections alive; sync closes each one (clients reconnect)
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "web:create_app()",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                conn.close()
                # every worker must have booted before the clock starts
                time.sleep(1.0)
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


Request = Callable[[http.client.HTTPConnection], int]


class CpuMeter:
    """CPU seconds of the gunicorn workers and the machine's idle share, read from /proc (Linux)."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = Path("/proc/stat").exists()

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.master:
                found.append(int(stat.parent.name))
        return found

    def _workers_cpu(self) -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # a process that ended meanwhile
            if int(fields[1]) == self.master:  # ppid: a worker of this gunicorn
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / self.tick

    @staticmethod
    def _machine() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values), values[3] + values[4]  # all, idle + iowait

    def sample(self) -> tuple[float, int, int] | None:
        return (self._workers_cpu(), *self._machine()) if self.available else None

    @staticmethod
    def between(
        before: tuple[float, int, int] | None, after: tuple[float, int, int] | None
    ) -> dict[str, float]:
        if before is None or after is None:
            return {}
        total = after[1] - before[1]
        return {
            "cpu_s": after[0] - before[0],
            "idle": (after[2] - before[2]) / total if total else float("nan"),
        }


def run_clients(
    port: int,
    clients: int,
    seconds: float,
    make_request: Callable[[int], Request],
    meter: CpuMeter | None = None,
) -> dict[str, float]:
    """`clients` threads, each with one keep-alive connection, for `seconds`; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        request = make_request(n)
        start_gate.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            status = request(conn)
            latencies[n].append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    before = meter.sample() if meter else None
    began = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    used = CpuMeter.between(before, meter.sample() if meter else None)
    every = sorted(x for per in latencies for x in per)
    if not every:
        raise SystemExit("no request completed")
    return {
        "requests": len(every),
        "errors": sum(errors),
        "rps": len(every) / elapsed,
        "p50": statistics.median(every),
        "p99": every[min(len(every) - 1, int(len(every) * 0.99))],
        "cpu_ms": used["cpu_s"] * 1000 / len(every) if used else float("nan"),
        "idle": used.get("idle", float("nan")),
    }


def health_request(_n: int) -> Request:
    def request(conn: http.client.HTTPConnection) -> int:
        conn.request("GET", "/api/v1/health")
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def transition_request(token: str, ids: list[int], clients: int) -> Callable[[int], Request]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = b"{}"

    def make(n: int) -> Request:
        # each client owns its own dossiers, so no two clients race for one dossier
        mine = ids[n::clients]
        state = dict.fromkeys(mine, "waiting")
        turn = [0]

        def request(conn: http.client.HTTPConnection) -> int:
            dossier = mine[turn[0] % len(mine)]
            turn[0] += 1
            transition = NEXT[state[dossier]]
            conn.request(
                "POST", f"/api/v1/dossiers/{dossier}/transitions/{transition}", body=body, headers=headers
            )
            response = conn.getresponse()
            data = response.read()
            if response.status == 200:
                state[dossier] = AFTER[transition]
            else:
                print(f"  {response.status} {data[:200]!r}", file=sys.stderr)
            return response.status

        return request

    return make


@dataclass
class Measured:
    """One configuration's run: the health baseline, the transitions, and the in-process parts."""

    backend: str
    workers: int
    health: dict[str, float]
    fire: dict[str, float]
    parts: dict[str, tuple[float, float]]


def measure(
    args: argparse.Namespace, database_url: str | None = None, workers: int | None = None
) -> Measured:
    """Set up the data, start gunicorn, run health then the transitions; `database_url` None: SQLite."""
    workers = workers or args.workers
    backend = "PostgreSQL" if database_url else "SQLite"
    instance = Path(tempfile.mkdtemp(prefix="ocopflow-bench-web-"))
    process = None
    try:
        t0 = time.perf_counter()
        token, ids, parts = prepare(instance, args.dossiers, database_url)
        print(f"set-up: {len(ids)} dossiers of {WORKFLOW} in {time.perf_counter() - t0:.1f} s ({backend})")
        port = free_port()
        process = start_gunicorn(instance, port, workers, args.threads, args.worker_class, database_url)
        print(
            f"gunicorn: {workers} {args.worker_class} workers x {args.threads} threads on 127.0.0.1:{port}; "
            f"{args.clients} keep-alive clients, {args.seconds:.0f} s per endpoint"
        )
        meter = CpuMeter(process.pid)
        run_clients(port, args.clients, 1.0, health_request)  # warm-up: imports, caches, connections
        health = run_clients(port, args.clients, args.seconds, health_request, meter)
        spies = profile.start(meter.workers(), args.seconds, args.profile) if args.profile else []
        fire = run_clients(
            port, args.clients, args.seconds, transition_request(token, ids, args.clients), meter
        )
        profile.finish(spies)
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(instance, ignore_errors=True)
    return Measured(backend, workers, health, fire, parts)


def report(m: Measured) -> None:
    print(f"\n{m.backend}, {m.workers} workers")
    print(f"{'endpoint':<44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU ms/req':>12}{'idle':>7}")
    for name, r in (
        ("GET /api/v1/health (baseline)", m.health),
        ("POST .../transitions/{take|release}", m.fire),
    ):
        print(
            f"{name:<44}{r['rps']:>9.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['errors']:>8.0f}"
            f"{r['cpu_ms']:>12.2f}{r['idle']:>7.0%}"
        )
    print(
        "  (CPU ms/req: the gunicorn workers' user + system time per request; idle: the machine's idle share "
        "during the run)"
    )
    print("\nin process, per call (what one API transition does besides HTTP and JSON):")
    for name, (ms, cpu_ms) in m.parts.items():
        print(f"  {name:<40}{ms:>8.2f} ms  ({cpu_ms:.2f} ms CPU)")


def goals(m: Measured) -> None:
    fire, health = m.fire, m.health
    ratio = fire["rps"] / health["rps"]
    print(f"\ntransition / health: {ratio:.1%}  (goal >= 50 %: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"transition p99: {fire['p99']:.1f} ms  (goal < 50 ms: {'met' if fire['p99'] < 50 else 'NOT met'})")
    if fire["cpu_ms"] == fire["cpu_ms"]:  # measured (not NaN)
        print(
            f"CPU per transition: {fire['cpu_ms']:.2f} ms  (goal <= 1.5 ms: "
            f"{'met' if fire['cpu_ms'] <= 1.5 else 'NOT met'}); health / transition CPU: "
            f"{health['cpu_ms'] / fire['cpu_ms']:.1%} (about the req/s ratio when the CPUs, not the write "
            "lock, are the limit)"
        )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    p.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    p.add_argument("--dossiers", type=int, default=400)
    p.add_argument(
        "--profile", type=Path, metavar="DIR", help="sample the workers with py-spy during the transitions"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    m = measure(args)
    report(m)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  (CPUs: {os.cpu_count()}, load average: {load:.1f}; the clients share the CPUs with the server)")
    goals(m)
    if args.profile:
        profile.report(args.profile)
    return 1 if m.health["errors"] or m.fire["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
