"""The loader's fast expression check reports exactly what engine.expressions.check reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError

from engine import context, expressions
from engine.definitions.expression_checks import _expression_issues, attribute_refs

ROOT = Path(__file__).resolve().parents[2]
CRAFTED = [
    "dossier.kind == 'first'",
    "forms['mau-01'].registration_kind in ['first', 'upgrade']",
    "score.final and score.stars >= 3",
    "evidence | length > 2 and 'licence' in evidence",
    "dossier.stars is none or dossier.stars < 5",
    "(today - dossier.filed_on).days <= 15",
    "dossier.product_set.startswith('0')",
    "{'a': 1}['a'] == 1 and [1, 2][0] == 1",
    "x if dossier.kind else y",
    "dossier.__class__",
    "x.__init__.__globals__",
    "cycler.__init__",
    "dossier['__dict__']",
    "namespace()",
    "lipsum",
    "dossier.kind ==",
    "}}{{",
    "forms[",
    "a ~ b ~ 'c'",
    "dossier.kind | upper | replace('A', 'B')",
    "not dossier.stars",
    "1.kind",
    "evidence | lenght > 1",
    "dossier.stars is definedd",
    "dossier.kind | upper | nosuch(dossier)",
    "x" * (expressions.MAX_SOURCE_LENGTH + 1),
]


def _shipped_expressions() -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("guard", "visible_when") and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((ROOT / "workflows").rglob("*.yaml")) + sorted((ROOT / "forms").rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text("utf-8")))
    return found


@pytest.mark.parametrize("source", CRAFTED + _shipped_expressions())
@pytest.mark.parametrize("allowed", [context.GUARD_NAMES, context.VISIBLE_NAMES], ids=["guard", "visible"])
def test_the_fast_check_agrees_with_the_reference_check(source: str, allowed: frozenset[str]) -> None:
    _agree(source, allowed)


def _agree(source: str, allowed: frozenset[str]) -> None:
    fast = _expression_issues(source, allowed, False)
    try:
        reference = expressions.check(source, allowed)
    except TemplateSyntaxError as exc:  # unknown filters and tests are found while collecting names
        reference = [expressions.ExpressionIssue("E301", exc.message or "")]
    except Exception:  # the reference folds constants and may raise (`1.kind`); ours must answer
        assert isinstance(fast, list)
        return
    assert fast == reference


ATOMS = st.sampled_from(
    ["dossier", "forms", "score", "x", "_y", "1", "'s'", "none", "today", "answers", "loop"]
)
OPS = st.sampled_from(
    [" == ", " and ", " or ", " in ", " ~ ", " + ", " | length", ".kind", "._p", "['_k']", "[0]", "()"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ATOMS, OPS), min_size=1, max_size=6))
def test_random_expressions_get_the_same_verdict_from_both_checks(parts: list[tuple[str, str]]) -> None:
    source = "".join(a + o for a, o in parts)
    _agree(source, context.GUARD_NAMES)


@pytest.mark.parametrize(
    ("source", "root", "refs"),
    [
        ("forms['f-1'].kind == 'a'", "forms", [("f-1", "kind")]),
        ("forms['f-1']['kind'] == 'a'", "forms", [("f-1", "kind")]),
        ("forms.f", "forms", [("f", "")]),
        ("answers.kind != 'first' and answers.other", "answers", [(None, "kind"), (None, "other")]),
        ("dossier.kind", "forms", []),
        ("forms[", "forms", []),
    ],
)
def test_attribute_references_are_found_for_cross_checks(
    source: str, root: str, refs: list[tuple[str | None, str]]
) -> None:
    assert sorted(attribute_refs(source, root), key=str) == sorted(refs, key=str)
