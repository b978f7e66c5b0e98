"""`ocopflow validate`: check definition files, then run their test cases.

Prints `file:line:col: CODE message` and an indented hint for each problem,
then a summary; exit status 1 on any error or failed test case, 0 otherwise
(warnings do not fail).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.definitions import loader, messages, testcases
from engine.definitions.model import Catalog
from engine.definitions.problems import Problem

_PROGRESS_MIN_FILES = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check workflows, forms and roles (default: the shipped workflows/ and forms/)",
        description="Check definition files and run their test cases. Exit status 1 on any error.",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: workflows/ forms/)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    parser.add_argument("--codes", action="store_true", help="print the table of problem codes and exit")
    parser.add_argument("--no-tests", action="store_true", help="do not run the definition test cases")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except BrokenPipeError:  # `ocopflow validate | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.codes:
        return _print_codes(args.format, args.lang)
    paths = [Path(p) for p in args.paths] or None
    context = None
    if paths is not None:
        # Files checked on their own still refer to the shipped definitions (roles, forms, …);
        # files in both are read once: the loader caches them by content hash.
        context = loader.load_catalog(None, args.lang).catalog
    with _progress(args.format == "text") as progress:
        result = loader.load_catalog(paths, args.lang, context=context, progress=progress)
    results: list[testcases.CaseResult] = []
    if result.ok and not args.no_tests:
        shown = {s.id: loader.display(Path(s.source.file)) for s in result.catalog.tests.values() if s.source}
        results = testcases.run_suites(_with_context(result.catalog, context), shown)
    problems = result.problems + testcases.problems(results, args.lang)
    failed = sum(1 for r in results if not r.passed)
    errors = sum(1 for p in problems if p.severity == "error")
    if args.format == "json":
        document = {
            "ok": errors == 0,
            "files": result.files,
            "problems": [p.as_dict() for p in problems],
            "tests": {
                "passed": len(results) - failed,
                "failed": failed,
                "results": [r.as_dict() for r in results],
            },
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_text(problems, result.files, len(results) - failed, failed, args.lang, result.ok)
    return 1 if errors else 0


def _with_context(catalog: Catalog, context: Catalog | None) -> Catalog:
    """The loaded definitions over the shipped ones, with only the loaded test suites."""
    if context is None:
        return catalog
    merged = Catalog(tests=catalog.tests)
    for attr in ("workflows", "roles", "forms", "scoring_forms", "units"):
        setattr(merged, attr, {**getattr(context, attr), **getattr(catalog, attr)})
    return merged


def _print_text(problems: list[Problem], files: int, passed: int, failed: int, lang: str, ran: bool) -> None:
    for p in problems:
        print(p.format())
        if p.hint:
            print(f"    {p.hint}")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if lang == "en":
        tests = (
            f"test cases: {passed} passed, {failed} failed"
            if ran
            else "test cases not run (fix the errors first)"
        )
        print(f"{files} files checked: {errors} errors, {warnings} warnings; {tests}")
    else:
        tests = (
            f"ca kiểm thử: {passed} đạt, {failed} không đạt"
            if ran
            else "chưa chạy ca kiểm thử (hãy sửa lỗi trước)"
        )
        print(f"Đã kiểm tra {files} tệp: {errors} lỗi, {warnings} cảnh báo; {tests}")


def _print_codes(fmt: str, lang: str) -> int:
    rows = messages.table(lang)
    if fmt == "json":
        print(
            json.dumps(
                [{"code": c, "message": m, "hint": h} for c, m, h in rows], ensure_ascii=False, indent=2
            )
        )
        return 0
    for code, message, hint in rows:
        print(f"{code}  {message}\n      {hint}")
    return 0


@contextmanager
def _progress(enabled: bool) -> Iterator[loader.Progress | None]:
    """A rich progress bar on stderr, only for people watching a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("validate"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("validate", total=None)

        def update(done: int, total: int) -> None:
            if total >= _PROGRESS_MIN_FILES:
                bar.update(task, completed=done, total=total)

        yield update
