"""The `ocopflow` command line: one sub-command per module in engine/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module has `register(subparsers)`, which adds its sub-commands and sets
# `func` on them: func(args) -> exit status.
COMMAND_MODULES: tuple[str, ...] = (
    "engine.commands.validate",
    "engine.commands.db",
    "engine.commands.audit",
    "engine.commands.demo",
    "engine.commands.evidence",
    "engine.commands.governance",
    "engine.commands.certificate",
    "engine.commands.mail",
    "engine.commands.worker",
    "engine.commands.timers",
    "engine.commands.record_import",
    "engine.commands.report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocopflow",
        description="ocopflow: workflows, forms and roles defined in YAML (Vietnamese first, English second).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse and run the chosen sub-command's `func`; help and status 2 when none is chosen."""
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    status: int = args.func(args)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
