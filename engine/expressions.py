"""Sandboxed Jinja2 expressions for guards, visibility rules and code templates.

YAML never becomes Python: expressions are compiled by Jinja2's
SandboxedEnvironment, may only use the names their context allows, and may not
touch attributes that start with an underscore.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE_NAMES = frozenset({"sequence", "year", "province_code", "commune_code", "stars"})

MAX_SOURCE_LENGTH = 2000

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
# No globals (lipsum, cycler, range …): an expression sees only what its context hands it.
_ENV.globals.clear()


class ExpressionError(Exception):
    """An expression that cannot compile or cannot be evaluated safely."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ExpressionIssue:
    code: str  # E301 syntax, E302 unknown name, E303 unsafe attribute
    message: str


def _parse(source: str, template: bool) -> nodes.Template:
    text = source if template else "{{ (" + source + ") }}"
    return _ENV.parse(text)


def check(source: str, allowed: frozenset[str], *, template: bool = False) -> list[ExpressionIssue]:
    """Static checks: compiles, uses only allowed names, no private attributes."""
    if len(source) > MAX_SOURCE_LENGTH:
        return [ExpressionIssue("E301", f"expression longer than {MAX_SOURCE_LENGTH} characters")]
    try:
        tree = _parse(source, template)
    except TemplateSyntaxError as exc:
        return [ExpressionIssue("E301", exc.message or "syntax error")]
    for named in tree.find_all((nodes.Filter, nodes.Test)):
        # Checked on the tree: code generation skips what it folds away (`1 or x | nofilter`).
        known = _ENV.filters if isinstance(named, nodes.Filter) else _ENV.tests
        if getattr(named, "name", None) not in known:
            kind = "filter" if isinstance(named, nodes.Filter) else "test"
            return [ExpressionIssue("E301", f"No {kind} named {getattr(named, 'name', '')!r}.")]
    try:
        # Code generation finds what parsing does not: unknown filters and tests,
        # and constant expressions that fail when folded (`1.kind`).
        undeclared = meta.find_undeclared_variables(tree)
        _ENV.compile(tree)
    except TemplateSyntaxError as exc:  # includes TemplateAssertionError (unknown filter)
        return [ExpressionIssue("E301", exc.message or "syntax error")]
    except (UndefinedError, SecurityError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        return [ExpressionIssue("E301", f"{type(exc).__name__}: {exc}")]
    issues = [ExpressionIssue("E302", f"unknown name '{name}'") for name in sorted(undeclared - allowed)]
    issues.extend(private_access(tree))
    return issues


# Filters and tests that read an attribute named by a string: (positional index, keyword).
_ATTRIBUTE_ARGUMENTS: dict[str, tuple[int | None, str | None]] = {
    "attr": (0, None), "selectattr": (0, None), "rejectattr": (0, None), "groupby": (0, "attribute"),
    "map": (None, "attribute"), "sort": (None, "attribute"), "sum": (None, "attribute"),
    "min": (None, "attribute"), "max": (None, "attribute"), "unique": (None, "attribute"),
}  # fmt: skip


def private_access(tree: nodes.Node) -> list[ExpressionIssue]:
    """E303 for every private attribute read: `x.__class__`, `x['_y']`, and through a filter,
    `x|attr('__class__')`, `xs|map(attribute='__class__')`, `xs|map('attr', '_y')`,
    `xs|selectattr('a.__dict__')` (a dotted attribute reads each part)."""
    found: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = getattr(node, "attr", None)
        if attr is None and isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        if isinstance(attr, str):
            found.append(attr)
    for call in tree.find_all((nodes.Filter, nodes.Test)):
        assert isinstance(call, nodes.Filter | nodes.Test)
        position, keyword = _ATTRIBUTE_ARGUMENTS.get(call.name, (None, None))
        named = [call.args[position]] if position is not None and len(call.args) > position else []
        named += [k.value for k in call.kwargs if keyword and k.key == keyword]
        if (
            call.name == "map"
            and call.args
            and isinstance(call.args[0], nodes.Const)
            and call.args[0].value == "attr"
        ):
            named += call.args[1:2]
        for arg in named:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                found.extend(str(arg.value).split("."))
    return [
        ExpressionIssue("E303", f"access to private attribute '{attr}'")
        for attr in found
        if attr.startswith("_")
    ]


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Any:
    return _ENV.compile_expression(source, undefined_to_none=False)


@lru_cache(maxsize=1024)
def _compiled_template(source: str) -> Any:
    return _ENV.from_string(source)


@contextmanager
def _as_expression_errors() -> Iterator[None]:
    """Jinja's and Python's errors from running an expression, as ExpressionError codes."""
    try:
        yield
    except TemplateSyntaxError as exc:
        raise ExpressionError("E301", exc.message or "syntax error") from exc
    except SecurityError as exc:
        raise ExpressionError("E303", str(exc)) from exc
    except UndefinedError as exc:
        raise ExpressionError("E304", str(exc)) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise ExpressionError("E305", f"{type(exc).__name__}: {exc}") from exc


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate a guard or visibility expression; errors become ExpressionError."""
    with _as_expression_errors():
        result = _compiled(source)(**context)
    if isinstance(result, Undefined):
        # The sandbox answers an unsafe attribute with an undefined value; refuse it.
        raise ExpressionError("E304", f"'{source}' is undefined")
    return result


def truthy(source: str | None, context: Mapping[str, Any]) -> bool:
    """A guard with no expression passes; otherwise its value decides."""
    if not source:
        return True
    return bool(evaluate(source, context))


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render a code template such as a product code or certificate number."""
    with _as_expression_errors():
        return str(_compiled_template(template).render(**context))


class Namespace(Mapping[str, Any]):
    """Read-only attribute-and-item access for expression contexts.

    `forms['mau-01'].kind` and `dossier.product_set` both work; a missing key is
    None rather than an error, so guards can test for absence.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        value = self._data.get(key)
        if isinstance(value, Mapping) and not isinstance(value, Namespace):
            return Namespace(value)
        return value

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data
