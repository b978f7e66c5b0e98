"""Structural validation against the JSON Schemas in schemas/ (Draft 2020-12).

jsonschema (pure Python) explains errors well but takes about a second for
the shipped pack; jsonschema-rs (a dependency like jsonschema) answers
"valid?" a hundred times faster. So a file is first checked with jsonschema-rs,
and only an invalid file is explained by jsonschema's `iter_errors` (all
errors, each mapped to a stable code). The answer is the same either way
(tests/unit/test_loader_schemas.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from engine.definitions.yamlread import Finding

KINDS = ("workflow", "roles", "form", "scoring_form", "units", "tests", "register", "plan")

_JSON_TYPES = {
    str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null", dict: "mapping", list: "list",
}  # fmt: skip
_TYPE_NAMES = {"string": "string", "integer": "integer", "number": "number", "boolean": "true/false",
               "null": "null", "object": "mapping", "array": "list"}  # fmt: skip


@cache
def schema_for(kind: str) -> dict[str, Any]:
    text = resources.files("engine.definitions").joinpath("schemas", f"{kind}.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema_for(kind))


@cache
def _fast_validator(kind: str) -> Any:
    return jsonschema_rs.Draft202012Validator(schema_for(kind))


def validate(kind: str, data: Any) -> list[Finding]:
    """All structural findings for one document of a known kind."""
    try:
        if _fast_validator(kind).is_valid(data):
            return []
    except ValueError:  # a value JSON has no type for (a YAML date, an int key): jsonschema explains it
        pass
    findings: list[Finding] = []
    for error in _validator(kind).iter_errors(data):
        findings.extend(_findings(error))
    return findings


def _findings(error: ValidationError) -> Iterator[Finding]:
    path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in instance:
            if key not in error.schema.get("properties", {}):
                yield Finding("E110", (*path, key), {"key": key, "allowed": allowed}, at_key=True)
    elif keyword == "required" and isinstance(instance, dict):
        for key in value:
            if key not in instance:
                yield Finding("E111", path, {"key": key})
    elif keyword == "type":
        expected = value if isinstance(value, list) else [value]
        yield Finding("E112", path, {"expected": " / ".join(_TYPE_NAMES.get(t, str(t)) for t in expected),
                                     "actual": _actual(instance)})  # fmt: skip
    elif keyword in ("enum", "const"):
        allowed = value if keyword == "enum" else [value]
        yield Finding("E113", path, {"value": json.dumps(instance, ensure_ascii=False), "allowed": allowed})
    elif keyword == "pattern":
        what = "date (YYYY-MM-DD)" if "[0-9]{4}" in value else "id"
        yield Finding("E114", path, {"value": instance, "what": what})
    elif keyword == "propertyNames":
        yield Finding("E114", (*path, str(instance)), {"value": instance, "what": "id"}, at_key=True)
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[keyword]
        yield Finding("E115", path, {"value": instance, "bound": f"{sign} {value}"})
    elif keyword in ("minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "minLength"):
        yield Finding("E116", path, {"reason": error.message})
    elif keyword in ("oneOf", "anyOf") and error.context:
        yield from _alternatives(error, path)
    else:
        yield Finding("E117", path, {"reason": error.message})


def _alternatives(error: ValidationError, path: tuple[Any, ...]) -> Iterator[Finding]:
    context = error.context or []
    types = [e for e in context if e.validator == "type" and tuple(e.absolute_path) == path]
    shallow = [e for e in context if tuple(e.absolute_path) == path]
    if shallow and len(types) == len(shallow) and all(e.validator == "type" for e in shallow):
        expected = []
        for e in types:
            for t in e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]:
                name = _TYPE_NAMES.get(t, str(t))
                if name not in expected:
                    expected.append(name)
        yield Finding("E112", path, {"expected": " / ".join(expected), "actual": _actual(error.instance)})
        return
    if isinstance(error.instance, dict) and any(e.validator == "type" for e in shallow):
        # a mapping where a string or mapping was allowed: explain the mapping branch
        relevant = [e for e in context if e.validator != "type" or tuple(e.absolute_path) != path]
        if relevant:
            yield from _findings(best_match(relevant))
            return
    chosen = best_match(context)
    if chosen is not None:
        yield from _findings(chosen)
    else:  # pragma: no cover - jsonschema always gives context for oneOf
        yield Finding("E117", path, {"reason": error.message})


def _actual(instance: Any) -> str:
    return _JSON_TYPES.get(type(instance), type(instance).__name__)
