"""The OpenAPI document and the server agree: schemathesis generates requests from the document —
data that fits it (positive) and data that does not (negative) — and sends them in-process to the
Flask app, with a valid bearer token, against a database that holds a dossier.

Each answer must pass schemathesis's checks: no server error, a documented status code, content
type and response schema, negative data rejected. And positive data is never refused by the input
checks themselves (`invalid_request`, `bad_request`): what the document allows, the server takes,
up to the business rules (an unknown commune is still 422 `invalid_form`)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web._api_support import Api

EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# The codes of the checks that only read the request's shape, before any business rule.
SHAPE_REFUSALS = {"invalid_request", "bad_request"}
NO_INPUT = {"/health", "/openapi.json"}


@pytest.fixture
def schema(app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema: schemathesis.schemas.BaseSchema) -> list[object]:
    return [result.ok() for result in schema.get_all_operations()]


def _code(response: object) -> str:
    try:
        return str(response.json()["error"]["code"])  # type: ignore[attr-defined]
    except (ValueError, KeyError, TypeError):
        return ""


LINE_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")  # the document's `*line`: path parameters
TEXT_CONTROL = re.compile(
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]"
)  # `*text`: tab, line breaks allowed


def _controls(case: object) -> bool:
    """A generated value with a control character the document forbids (`not: *line` on a path
    parameter, `not: *text` on a query one): the generator does not always honour a `not`."""
    path = (getattr(case, "path_parameters", None) or {}).values()
    query = (getattr(case, "query", None) or {}).values()
    return any(isinstance(v, str) and LINE_CONTROL.search(v) for v in path) or any(
        isinstance(v, str) and TEXT_CONTROL.search(v) for v in query
    )


def _vanished(case: object, failure: str) -> bool:
    """A query parameter generated as an empty object or list is sent as nothing at all (form style,
    exploded), so the request the server sees is a valid one and answering it is right. Only that
    one case of "schema-violating request accepted" is set aside; the token dropped by a case is the
    other (the test puts the token back)."""
    if "Schema-violating request accepted" not in failure:
        return False
    query = getattr(case, "query", None) or {}
    empty = [name for name, value in query.items() if value in ({}, [])]
    return any(f"parameter `{name}` in query" in failure for name in empty)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("user", ["producer1", "commune1", "council1", "auditor"])
def test_generated_requests_find_no_mismatch_between_the_document_and_the_server(
    app: Flask, schema: object, user: str, mode: GenerationMode
) -> None:
    api = Api(app.test_client())
    api.open_dossier()  # so that generated ids sometimes hit a real dossier
    headers = {"Authorization": f"Bearer {api.token(user)}"}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = _operations(schema)  # type: ignore[arg-type]
    assert len(operations) >= 10
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path in NO_INPUT:  # type: ignore[attr-defined]
            continue  # nothing to get wrong

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))  # type: ignore[attr-defined]
        def check(case: object) -> None:
            response = case.call(headers=headers)  # type: ignore[attr-defined]
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            where = f"{case.method} {case.formatted_path} -> {response.status_code}"  # type: ignore[attr-defined]
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)  # type: ignore[attr-defined]
            except BaseException as exc:  # schemathesis raises a group of failures
                if isinstance(exc, KeyboardInterrupt):
                    raise
                if "(was Authorization)" not in str(exc) and not _vanished(case, str(exc)):
                    failures.append(f"{where}: {str(exc)[:400]}")
            if mode is GenerationMode.POSITIVE and _code(response) in SHAPE_REFUSALS and not _controls(case):
                failures.append(f"{where}: data the document allows was refused: {response.text[:300]}")

        check()
    assert failures == []
    assert sum(statuses.values()) >= 4 * len(operations)
    if mode is GenerationMode.POSITIVE:  # the generator reached the service, not only the input checks
        assert any(200 <= status < 300 for status in statuses), statuses
    print(user, mode, dict(sorted(statuses.items())))
