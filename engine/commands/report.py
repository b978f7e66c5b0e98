"""`ocopflow report PLAN --period 2026-Q3 --area CODE [--format xlsx|csv] [--output FILE]`: the
periodic report of a plan, the workbook (or CSV) the dashboard's button gives.

`--as USERNAME` makes it in that person's scope (another area: not found, exit 1); without it, the
console reads every area of the plan. `--output -` writes to standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.commands.db import add_database_options


def report(args: argparse.Namespace) -> int:
    from engine.commands.db import DEFAULT_DEFINITIONS, instance_dir, load_definitions, open_database
    from engine.service import Service

    catalog = load_definitions(getattr(args, "definitions", None) or DEFAULT_DEFINITIONS)
    if catalog is None:
        return 2
    database = open_database(args)
    try:
        return _report(Service(database.transaction, catalog, evidence_dir=instance_dir() / "evidence"), args)
    finally:
        database.engine.dispose()


def _report(service: Any, args: argparse.Namespace) -> int:
    from engine import plan_report
    from engine.errors import InvalidForm, NotFound
    from engine.service.plans import CONSOLE

    try:
        actor = CONSOLE
        if args.as_user:
            actor = service.actor_for_username(args.as_user)
            if actor is None:
                print(f"no active user '{args.as_user}'", file=sys.stderr)
                return 2
        made = service.plans.report(actor, args.plan, args.area, args.period)
    except (NotFound, InvalidForm) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    data = plan_report.workbook(made) if args.format == "xlsx" else plan_report.csv_text(made).encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    target = Path(args.output or f"{made.plan_id}-{made.area.code}-{made.period or 'all'}.{args.format}")
    target.write_bytes(data)
    rows = len(made.area.rows) * (1 + len(made.areas))
    print(f"{target}: {rows} rows, {1 + len(made.areas)} areas")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="a plan's periodic report as Excel or CSV")
    parser.add_argument("plan", metavar="PLAN", help="the plan's id")
    parser.add_argument("--period", help="a year (2026), a quarter (2026-Q3) or a month (2026-07)")
    parser.add_argument("--area", help="the unit code (default: the plan's own area)")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--output", metavar="FILE", help="default: PLAN-AREA-PERIOD.FORMAT; '-': stdout")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="make it in this person's scope")
    add_database_options(parser)
    parser.set_defaults(func=report)
