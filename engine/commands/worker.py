"""`ocopflow worker`: the background jobs, run in a loop (or `--once`).

    ocopflow worker [--interval 30] [--once]
    ocopflow worker --parked          # the jobs that failed MAX_ATTEMPTS times, with their error

The jobs are PERIODIC_JOBS below, each a callable `job(service) -> str` run on every
round (its return value is the line printed for the round); a job that raises is
printed and the loop goes on. Adding a job is one line in that list.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from engine.commands.db import add_database_options, open_service


def run_due_timers(service: Any) -> str:
    report = service.timers.run_due(limit=TIMERS_PER_ROUND)
    line = (
        f"timers: {report.fired} fired, {report.notified} notified, {report.escalated} escalated, "
        f"{report.skipped} skipped, {report.failed} failed ({report.parked} parked)"
    )
    return "\n".join([line, *(f"  {e}" for e in report.errors)])


def queue_digests(service: Any) -> str:
    """Today's digest mail for each digest user (once a day; later rounds queue nothing)."""
    from engine.service.notifications import send_digests

    report = send_digests(service._tx, None, service.now(), base_url=service.public_base_url)
    return f"digests: {report.mails} mails queued, {report.notifications} notifications"


def deliver_mail(service: Any) -> str:
    """The outbox to the SMTP server (engine/service/mail.py): sent once, retried with backoff."""
    import os

    from engine.service.mail import SmtpSettings, deliver_outbox

    report = deliver_outbox(service._tx, SmtpSettings.from_env(os.environ), service.now())
    return f"mail: {report.sent} sent, {report.failed} failed"


TIMERS_PER_ROUND = 500  # claimed at once; the rest wait for the next round

# The worker's periodic jobs, in the order each round runs them: timers first (they may notify),
# then the digests (they queue mails), then the outbox.
PERIODIC_JOBS: list[Callable[[Any], str]] = [
    run_due_timers,
    queue_digests,
    deliver_mail,
]


def run_round(service: Any, jobs: list[Callable[[Any], str]] | None = None) -> bool:
    """One round of every job; False if one of them raised."""
    ok = True
    for job in PERIODIC_JOBS if jobs is None else jobs:
        try:
            service.refresh_catalog()
            print(job(service), flush=True)
        except Exception as exc:
            print(f"{job.__name__}: failed: {exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
            ok = False
    return ok


def _parked(service: Any) -> int:
    rows = service.timers.parked()
    if not rows:
        print("no parked jobs")
        return 0
    for r in rows:
        error = (r["last_error"] or "").splitlines()[-1:] or [""]
        print(f"timer {r['id']}\tdossier {r['dossier_id']}\t{r['state']}/{r['timer']} ({r['phase']})"
              f"\tattempts {r['attempts']}\t{error[0]}")  # fmt: skip
    return 0


def worker_command(args: argparse.Namespace) -> int:
    try:
        service = open_service(args)
    except Exception as exc:  # the database cannot be opened: say so, exit 1
        print(f"cannot open the database: {exc}", file=sys.stderr)
        return 1
    if service is None:
        return 1
    if args.parked:
        return _parked(service)
    if args.once:
        return 0 if run_round(service) else 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"ocopflow worker: every {args.interval} s (Ctrl+C to stop)", flush=True)
    try:
        while not stop.is_set():
            started = time.monotonic()
            run_round(service)
            stop.wait(max(0.0, args.interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("worker", help="run the background jobs (due timers) in a loop, or --once")
    add_database_options(parser)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds (30)")
    parser.add_argument("--once", action="store_true", help="one round, then exit (1 if a job failed)")
    parser.add_argument("--parked", action="store_true", help="list the parked jobs and exit")
    parser.add_argument("--definitions", nargs="*", default=None, help="default: workflows/ forms/")
    parser.set_defaults(func=worker_command)
