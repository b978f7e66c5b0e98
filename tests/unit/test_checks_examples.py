"""Every file under tests/definitions/invalid/ declares what it must produce.

A file (or each file of a small folder) starts with comments such as
`# expect: E204 line 12`; loading it against the valid examples must produce
exactly those codes on exactly those lines: nothing missing, nothing extra.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definitions.loader import LoadResult, load_catalog
from engine.definitions.model import Catalog

EXAMPLES = Path(__file__).resolve().parents[1] / "definitions"
INVALID = EXAMPLES / "invalid"
EXPECT = re.compile(r"^# expect: ([EW][0-9]{3}) line ([0-9]+)$", re.MULTILINE)


def _cases() -> list[Path]:
    return sorted(INVALID.iterdir())


def _expected(case: Path) -> set[tuple[str, str, int]]:
    files = sorted(case.glob("*.yaml")) if case.is_dir() else [case]
    return {(f.name, code, int(line)) for f in files for code, line in EXPECT.findall(f.read_text("utf-8"))}


@pytest.fixture(scope="module")
def valid_catalog() -> Catalog:
    result = load_catalog([EXAMPLES / "valid"])
    assert result.ok, [p.format() for p in result.problems]
    return result.catalog


def _load(case: Path, context: Catalog) -> LoadResult:
    return load_catalog([case], context=context)


def test_every_invalid_example_declares_what_it_must_produce() -> None:
    undeclared = [c.name for c in _cases() if not _expected(c)]
    assert undeclared == []


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_an_invalid_example_produces_exactly_the_problems_it_declares(
    case: Path, valid_catalog: Catalog
) -> None:
    result = _load(case, valid_catalog)
    actual = {(Path(p.file).name, p.code, p.line) for p in result.problems}
    assert actual == _expected(case), "\n".join(p.format() for p in result.problems)


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_an_invalid_example_fails_validation_unless_it_only_warns(case: Path, valid_catalog: Catalog) -> None:
    result = _load(case, valid_catalog)
    only_warnings = all(code.startswith("W") for _, code, _ in _expected(case)) or case.name.startswith(
        "E402-known"
    )
    assert result.ok is only_warnings
    assert all(p.message and p.hint for p in result.problems)


def test_every_check_has_an_invalid_example() -> None:
    from engine.definitions.messages import CODES

    covered = {code for case in _cases() for _, code, _ in _expected(case)}
    # E100 (unreadable), E103 (too large), E121 (too many nodes) and E117 (schema fallback) are exercised
    # in test_loader.py;
    # E5xx run-time results in test_validate_cli.py; W001 is how E4xx are shown when declared;
    # E6xx (a bundle against the stored versions) and E7xx (migration plans) need a database:
    # tests/integration/test_bundles.py and test_migration_plans.py.
    elsewhere = {
        "E100",
        "E103",
        "E117",
        "E121",
        "E501",
        "E502",
        "W001",
        "E601",
        "E602",
        "E603",
        "E701",
        "E702",
        "E703",
    }
    assert set(CODES) - covered - elsewhere == set()
