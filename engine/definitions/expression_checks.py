"""Static checks of expressions in definitions: compile, names, private attributes, references."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine import context, expressions
from engine.definitions.yamlread import Finding, Path

_ENV = ImmutableSandboxedEnvironment()


def check_expression(
    source: str, allowed: frozenset[str], path: Path, where: str, *, template: bool = False
) -> Iterator[Finding]:
    issues = _expression_issues(source, allowed, template)
    for issue in issues:
        yield Finding(issue.code, path, {"where": where, "detail": issue.message, "allowed": sorted(allowed)})
    if any(issue.code == "E301" for issue in issues):
        return
    for root, known in context.KEYS.items():
        if root not in allowed:
            continue
        for key in member_keys(source, root, template=template):
            if key not in known and not key.startswith("_"):  # private: E303 says so
                yield Finding(
                    "E304", path, {"where": where, "name": root, "key": key, "known": sorted(known)}
                )


@lru_cache(maxsize=4096)
def _tree(source: str, template: bool) -> nodes.Template | None:
    try:
        return _ENV.parse(source if template else "{{ (" + source + ") }}")
    except TemplateSyntaxError:
        return None


@lru_cache(maxsize=4096)
def _expression_issues(
    source: str, allowed: frozenset[str], template: bool
) -> list[expressions.ExpressionIssue]:
    """The issues `expressions.check` reports, without its cost for plain expressions.

    `jinja2.meta.find_undeclared_variables` runs Jinja's code generator, three
    quarters of the semantic checks' time. An expression (unlike a template)
    declares no names, so its undeclared names are exactly the names it loads.
    tests/unit/test_checks_expressions.py pins the equivalence.
    """
    tree = None if template or len(source) > expressions.MAX_SOURCE_LENGTH else _tree(source, False)
    if tree is None:
        try:
            return expressions.check(source, allowed, template=template)
        except TemplateSyntaxError as exc:  # an unknown filter or test surfaces while collecting names
            return [expressions.ExpressionIssue("E301", exc.message or "syntax error")]
        except Exception as exc:  # Jinja folds constants while collecting names: `{{ 1.kind }}` raises
            return [expressions.ExpressionIssue("E301", f"{type(exc).__name__}: {exc}")]
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        assert isinstance(node, nodes.Filter | nodes.Test)
        known = _ENV.filters if isinstance(node, nodes.Filter) else _ENV.tests
        if node.name not in known:
            kind = "filter" if isinstance(node, nodes.Filter) else "test"
            return [expressions.ExpressionIssue("E301", f"No {kind} named {node.name!r}.")]
    if any(
        isinstance(getattr(a, "node", None), nodes.Const)
        for a in tree.find_all((nodes.Getattr, nodes.Getitem))
    ):
        # Jinja folds `1.kind` at compile time and may fail there: let the reference check decide.
        return expressions.check(source, allowed)
    loaded = {n.name for n in tree.find_all(nodes.Name) if isinstance(n, nodes.Name) and n.ctx == "load"}
    issues = [
        expressions.ExpressionIssue("E302", f"unknown name '{name}'") for name in sorted(loaded - allowed)
    ]
    issues.extend(expressions.private_access(tree))
    return issues


@lru_cache(maxsize=4096)
def attribute_refs(source: str, root: str, *, template: bool = False) -> list[tuple[str | None, str]]:
    """`forms['f'].x` -> ('f', 'x') for root 'forms'; `answers.x` -> (None, 'x') for root 'answers'."""
    tree = _tree(source, template)
    if tree is None:
        return []
    found: list[tuple[str | None, str]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        name = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
        inner = node.node
        if root == "answers" and isinstance(inner, nodes.Name) and inner.name == root and name:
            found.append((None, name))
        elif root == "forms" and isinstance(inner, nodes.Getitem) and name:
            if isinstance(inner.node, nodes.Name) and inner.node.name == root and _const(inner.arg):
                found.append((_const(inner.arg), name))
        elif root == "forms" and isinstance(inner, nodes.Name) and inner.name == root and name:
            found.append((name, ""))
    named = {form for form, attr in found if attr}
    return [(form, attr) for form, attr in found if attr or form not in named]


@lru_cache(maxsize=4096)
def member_keys(source: str, root: str, *, template: bool = False) -> list[str]:
    """`score.total`, `score['stars']` -> ['total', 'stars'] for root 'score' (in source order)."""
    tree = _tree(source, template)
    if tree is None:
        return []
    keys: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        inner = node.node
        if isinstance(inner, nodes.Name) and inner.name == root:
            name = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
            if name and name not in keys:
                keys.append(name)
    return keys


def _const(node: Any) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None
