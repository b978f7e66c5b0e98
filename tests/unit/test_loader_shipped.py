"""Every shipped workflow, form, roles file, unit list and test suite validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import loader
from engine.definitions.testcases import run_suites

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> loader.LoadResult:
    return loader.load_catalog([ROOT / "workflows", ROOT / "forms"])


def test_every_shipped_definition_validates(shipped: loader.LoadResult) -> None:
    assert [p.format() for p in shipped.errors] == []
    assert shipped.ok and shipped.files > 0


def test_the_default_load_is_the_shipped_pack(shipped: loader.LoadResult) -> None:
    assert loader.load_catalog().files == shipped.files


def test_every_shipped_file_is_in_the_catalog(shipped: loader.LoadResult) -> None:
    c = shipped.catalog
    loaded = sum(
        len(getattr(c, a))
        for a in ("workflows", "roles", "forms", "scoring_forms", "units", "tests", "registers", "plans")
    )
    assert loaded == shipped.files


def test_every_workflow_has_its_roles_and_forms_in_the_pack(shipped: loader.LoadResult) -> None:
    c = shipped.catalog
    for wf in c.workflows.values():
        assert wf.roles in c.roles
        assert set(wf.forms) <= set(c.forms)


def test_every_shipped_definition_test_case_passes(shipped: loader.LoadResult) -> None:
    failures = [(r.file, r.line, r.name, r.detail) for r in run_suites(shipped.catalog) if not r.passed]
    assert failures == []
