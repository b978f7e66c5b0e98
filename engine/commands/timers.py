"""`ocopflow timers backfill`: arm the timers that dossiers already waiting in a state lack.

    ocopflow timers backfill [--database URL]

For an installation upgrading to definitions that gained timers (engine/service/timer_backfill.py):
each open dossier gets the timers its current states declare, counted from when it entered them,
and one audit event `timers_backfill` when anything changed. Running it again changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.commands.db import (
    DEFAULT_DEFINITIONS,
    add_database_options,
    instance_dir,
    load_definitions,
    open_database,
)


def backfill_command(args: argparse.Namespace) -> int:
    from engine.service import Service

    catalog = load_definitions(getattr(args, "definitions", None) or DEFAULT_DEFINITIONS)
    if catalog is None:
        return 1
    try:
        database = open_database(args)
    except Exception as exc:  # the database cannot be opened: say so, exit 1
        print(f"cannot open the database: {exc}", file=sys.stderr)
        return 1
    try:
        service = Service(database.transaction, catalog, evidence_dir=instance_dir() / "evidence")
        report = service.timers.backfill()
    finally:
        database.engine.dispose()
    for dossier_id, log in report.changes:
        for x in log:
            print(f"dossier {dossier_id}\t{x['effect']}\t{x['state']}/{x['timer']}"
                  f"{chr(9) + x['due_at'] if 'due_at' in x else ''}{' (paused)' if x.get('paused') else ''}")  # fmt: skip
    print(
        f"timers backfill: {report.dossiers} dossiers, {report.changed} changed, "
        f"{report.armed} armed, {report.cancelled} cancelled"
    )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("timers", help="timers of dossiers: backfill")
    commands = parser.add_subparsers(dest="timers_command", metavar="ACTION")
    backfill = commands.add_parser(
        "backfill", help="arm the timers that waiting dossiers lack (idempotent, audited)"
    )
    add_database_options(backfill)
    backfill.add_argument("--definitions", nargs="*", default=None, help="default: workflows/ forms/")
    backfill.set_defaults(func=backfill_command)
