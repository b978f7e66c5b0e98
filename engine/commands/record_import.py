"""`ocopflow import REGISTER FILE.xlsx|.csv --as USERNAME [--apply]`: the onboarding import.

Without `--apply` it prints the preview (every row's action and every problem by row and column)
and writes nothing; with it, the rows are written in one transaction when no problem remains.
The import runs as a person of the database (`--as`), with that person's roles and area, as the
page does. Exit status 1 while any problem remains.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.commands.db import (
    DEFAULT_DEFINITIONS,
    add_database_options,
    instance_dir,
    load_definitions,
    open_database,
)


def import_command(args: argparse.Namespace) -> int:
    from engine.service import Service

    catalog = load_definitions(DEFAULT_DEFINITIONS)
    if catalog is None:
        return 1
    database = open_database(args)
    try:
        return _run(Service(database.transaction, catalog, evidence_dir=instance_dir() / "evidence"), args)
    finally:
        database.engine.dispose()  # the connections close with the command, not at exit


def _run(service: Any, args: argparse.Namespace) -> int:
    from engine.errors import InvalidForm, NotFound, PermissionDenied

    actor = service.actor_for_username(args.as_user)
    if actor is None:
        print(f"no active user '{args.as_user}'", file=sys.stderr)
        return 1
    path = Path(args.file)
    data = path.read_bytes()
    run = service.imports.confirm if args.apply else service.imports.preview
    try:
        plan = run(actor, args.register, path.name, data, locale=args.lang)
    except InvalidForm as exc:
        for where, message in exc.problems.items():
            print(f"{path.name}: {where}: {message.get(args.lang)}", file=sys.stderr)
        return 1
    except (NotFound, PermissionDenied) as exc:
        print(exc.text.get(args.lang), file=sys.stderr)
        return 1
    for p in plan.problems:
        print(f"{path.name}: {p.column}: {p.message.get(args.lang)}")
    for r in plan.rows:
        print(f"{path.name}:{r.line}: {r.action} {r.title}" + (f" ({r.code})" if r.code else ""))
        for p in r.problems:
            print(f"{path.name}:{r.line}: {p.column}: {p.message.get(args.lang)}")
    counts = plan.counts
    print(f"create {counts['create']}, update {counts['update']}, unchanged {counts['unchanged']}, "
          f"refused {counts['refused']}; " + ("written" if plan.written else "nothing written"))  # fmt: skip
    return 1 if plan.problem_count else 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("import", help="import a register's records from an .xlsx or .csv file")
    add_database_options(parser)
    parser.add_argument("register", help="the register's id, e.g. ocop-producers")
    parser.add_argument("file", help="an .xlsx or .csv file whose header row names the register's fields")
    parser.add_argument("--as", dest="as_user", required=True, help="the username the import runs as")
    parser.add_argument("--apply", action="store_true", help="write the rows (default: preview only)")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="messages and typed numbers (vi)")
    parser.set_defaults(func=import_command)
