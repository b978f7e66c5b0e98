"""`ocopflow evidence clean-orphans`: evidence files on disk that no record names.

A dry run by default: it lists the orphans and their size. `--apply` deletes
them and records the deletion in the audit chain. Files changed in the last
`--grace-minutes` (60) are left alone: their upload may not have committed yet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from engine.commands.db import add_database_options, instance_dir, open_database


def evidence_dir(args: argparse.Namespace) -> Path:
    chosen = args.evidence_dir or os.environ.get("OCOPFLOW_EVIDENCE_DIR")
    return Path(chosen) if chosen else instance_dir() / "evidence"


def clean_orphans_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from engine.service.evidence_files import clean_orphans

    folder = evidence_dir(args)
    database = None
    try:
        database = open_database(args, upgrade=False)
        report = clean_orphans(
            database.transaction,
            folder,
            now=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            apply=args.apply,
            grace=dt.timedelta(minutes=args.grace_minutes),
        )
    except SQLAlchemyError as exc:
        print(f"cannot read the evidence records: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    finally:
        if database is not None:
            database.engine.dispose()
    if args.format == "json":
        files = [{"name": o.name, "size": o.size, "modified": o.modified.isoformat()} for o in report.orphans]
        print(json.dumps({"folder": str(folder), "removed": report.removed, "orphans": files}))
        return 0
    for orphan in report.orphans:
        print(f"{folder / orphan.name}\t{orphan.size}\t{orphan.modified:%Y-%m-%d %H:%M}")
    count, size = len(report.orphans), report.bytes
    if report.removed:
        print(f"removed {count} orphan file(s), {size} bytes (recorded in the audit chain)")
    elif count:
        print(f"{count} orphan file(s), {size} bytes; nothing removed (dry run): add --apply to remove them")
    else:
        print(f"no orphan files in {folder}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evidence", help="evidence files on disk")
    sub = parser.add_subparsers(dest="evidence_command", metavar="COMMAND", required=True)
    clean = sub.add_parser(
        "clean-orphans", help="list files no evidence record names; --apply removes them (dry run by default)"
    )
    add_database_options(clean)
    clean.add_argument(
        "--evidence-dir",
        help="default: $OCOPFLOW_EVIDENCE_DIR or <instance>/evidence ($OCOPFLOW_INSTANCE_DIR)",
    )
    clean.add_argument("--apply", action="store_true", help="remove them (default: only list them)")
    clean.add_argument("--grace-minutes", type=int, default=60, help="leave files younger than this (60)")
    clean.add_argument("--format", choices=("text", "json"), default="text")
    clean.set_defaults(func=clean_orphans_command)
