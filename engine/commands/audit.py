"""`ocopflow audit verify`: walk the hash chain and name the first broken event."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.commands.db import add_database_options, open_database


def verify(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from engine.service.queries import verify_chain

    database = None
    try:
        database = open_database(args, upgrade=False)
        result = verify_chain(database.transaction)
    except SQLAlchemyError as exc:
        print(f"cannot read the audit log: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    finally:
        if database is not None:
            database.engine.dispose()
    if args.format == "json":
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "events": result.events,
                    "first_broken": result.first_broken,
                    "problem": result.problem,
                },
                ensure_ascii=False,
            )
        )
    elif result.ok:
        print(f"audit chain intact: {result.events} events")
    else:
        print(f"audit chain BROKEN at event {result.first_broken}: {result.problem}", file=sys.stderr)
        print(f"{result.events} events verified before it", file=sys.stderr)
    return 0 if result.ok else 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    sub = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    check = sub.add_parser("verify", help="check every event's hash; exit 1 naming the first broken one")
    add_database_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=verify)
