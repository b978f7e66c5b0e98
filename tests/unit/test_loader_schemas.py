"""The JSON Schemas shipped with the engine: valid Draft 2020-12, closed to unknown keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.definitions.schema import KINDS, schema_for, validate


def _objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{where}/{i}")


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_is_valid_draft_2020_12(kind: str) -> None:
    Draft202012Validator.check_schema(schema_for(kind))
    assert schema_for(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_in_a_schema_refuses_unknown_keys(kind: str) -> None:
    open_objects = [
        where for where, node in _objects(schema_for(kind)) if node.get("additionalProperties") is not False
    ]
    assert open_objects == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_document_of_each_kind_must_say_its_kind(kind: str) -> None:
    findings = validate(kind, {"kind": "something-else", "id": "x"})
    assert "E113" in {f.code for f in findings}


def test_the_fast_and_the_reference_validator_agree_on_validity() -> None:
    document = {"kind": "roles", "id": "r", "roles": {"p": {"label": "P", "scope": "own", "can": ["view"]}}}
    assert validate("roles", document) == []
    broken = {**document, "roles": {"p": {"label": "P", "scope": "own", "can": ["fly"]}}}
    assert [f.code for f in validate("roles", broken)] == ["E113"]
    assert Draft202012Validator(schema_for("roles")).is_valid(document)
