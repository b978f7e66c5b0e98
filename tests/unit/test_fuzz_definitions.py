"""Property: whatever an administrator uploads, the validator answers with problems, never a traceback."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.definitions.loader import LoadResult, load_catalog, load_text
from engine.definitions.messages import CODES
from engine.definitions.model import Catalog
from engine.definitions.problems import Problem

VALID = Path(__file__).resolve().parents[1] / "definitions" / "valid"
FILES = sorted(p for p in VALID.glob("*.yaml"))
TEXTS = {p.name: p.read_text("utf-8") for p in FILES}
CONTEXT: Catalog = load_catalog([VALID]).catalog
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ODD_VALUES = [
    "[]",
    "{}",
    "1",
    "-1.5",
    "null",
    "''",
    "'x'",
    "[a, [b]]",
    "{a: 1}",
    "&a b",
    "*a",
    "!!str x",
    "~",
    "true",
]


def assert_answered(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    assert all(
        isinstance(p, Problem) and p.code in CODES and p.line >= 0 and p.message for p in result.problems
    )
    assert result.ok == (not any(p.severity == "error" for p in result.problems))
    if not result.ok:
        assert result.problems


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = TEXTS[draw(st.sampled_from(sorted(TEXTS)))].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "retype", "truncate", "indent"]))
        if not lines:
            break
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "insert":
            lines.insert(at, draw(st.text(max_size=40)))
        elif action == "retype" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(ODD_VALUES))}"
        elif action == "truncate":
            lines = lines[:at]
        elif action == "indent":
            lines[at] = " " * draw(st.integers(1, 5)) + lines[at]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(mutated_text())
def test_mutated_text_gets_an_answer_never_a_traceback(text: str) -> None:
    assert_answered(load_text(text, "fuzz.yaml", lang="en", context=CONTEXT))


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_get_an_answer(raw: bytes) -> None:
    assert_answered(load_text(raw, "fuzz.yaml"))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_paths(value, (*prefix, i)))
    return found


@st.composite
def mutated_data(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from([n for n in sorted(TEXTS) if n != "units.yaml"]))
    data = copy.deepcopy(yaml.safe_load(TEXTS[name]))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["delete", "retype", "rename"]))
        replacement = draw(
            st.sampled_from([None, 0, -1, 2.5, "", "x", "__class__", [], {}, ["x"], {"x": 1}, True])
        )
        if action == "delete":
            del parent[path[-1]]
        elif action == "retype":
            parent[path[-1]] = replacement
        elif isinstance(parent, dict):
            parent[str(path[-1]) + "_x"] = parent.pop(path[-1])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(mutated_data())
def test_structurally_mutated_definitions_get_an_answer(text: str) -> None:
    assert_answered(load_text(text, "fuzz.yaml", lang="en", context=CONTEXT))


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_unmutated_examples_are_valid_uploads(name: str) -> None:
    result = load_text(TEXTS[name], name, context=CONTEXT)
    if name == "units.yaml":  # a unit list needs its CSV beside it
        assert [p.code for p in result.problems] == ["E130"]
    else:
        assert result.ok, [p.format() for p in result.problems]
