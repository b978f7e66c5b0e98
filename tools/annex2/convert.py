"""Convert Annex II of Decision 26/2026/QĐ-TTg into the 26 scoring-form YAML files.

    python -m tools.annex2.convert [SOURCE] [OUT_DIR] [--report FILE] [--check]

SOURCE defaults to ../shared/domain/qd-26-2026-ttg.txt and OUT_DIR to
forms/ocop-2026/scoring/, both relative to the repository root; the report of
artefacts and discrepancies goes to docs/annex2-discrepancies.md. `--check`
writes nothing and exits 1 when a committed file differs from what the
converter produces now.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.annex2.cells import SourceError, split_forms
from tools.annex2.checks import check
from tools.annex2.emit import build, dump, file_name
from tools.annex2.header import HeaderError, product_set_names
from tools.annex2.model import Finding, FormDraft
from tools.annex2.parse import ParseError, parse_form
from tools.annex2.report import render_report

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = ROOT.parent / "shared" / "domain" / "qd-26-2026-ttg.txt"
DEFAULT_OUT = ROOT / "forms" / "ocop-2026" / "scoring"
DEFAULT_REPORT = ROOT / "docs" / "annex2-discrepancies.md"


@dataclass
class Converted:
    draft: FormDraft
    label: str  # the product set's name in Annex II's table of contents
    findings: list[Finding]
    file_name: str
    yaml: str


def convert(text: str, expected: int | None = 26) -> list[Converted]:
    """The decision's text -> one Converted per scoring form, in order."""
    forms = split_forms(text, expected)
    names = product_set_names(text, len(forms)) if expected is not None else [None] * len(forms)
    out = []
    for form, name in zip(forms, names, strict=True):
        draft = parse_form(form)
        label = name or draft.title.removeprefix("Bộ sản phẩm:").strip()
        findings = draft.findings + check(draft)
        doc = build(draft, label, findings)  # may add "representation" findings
        out.append(Converted(draft, label, findings, file_name(draft, label), dump(doc)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.annex2.convert", description=__doc__.split("\n")[0]
    )
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="the markdown report to write")
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args(argv)
    try:
        text = args.source.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read {args.source}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        results = convert(text)
    except (SourceError, ParseError, HeaderError) as exc:
        print(f"error: {args.source}: {exc}", file=sys.stderr)
        return 2
    outputs = {args.out_dir / r.file_name: r.yaml for r in results}
    outputs[args.report] = render_report(results)
    if args.check:
        return _check(outputs)
    _write(outputs)
    return 0


def _check(outputs: dict[Path, str]) -> int:
    stale = [
        p for p, content in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != content
    ]
    for path in stale:
        print(f"{path}: differs from what the converter produces now", file=sys.stderr)
    return 1 if stale else 0


def _write(outputs: dict[Path, str]) -> None:
    from rich.progress import Progress

    with Progress(transient=False) as progress:
        task = progress.add_task("Writing scoring forms", total=len(outputs))
        for path, content in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            progress.advance(task)
    print(f"wrote {len(outputs) - 1} scoring forms and the report")


if __name__ == "__main__":
    sys.exit(main())
