"""No input gives a server error: schemathesis generates requests from the OpenAPI document and sends
them in-process to the Flask app, with a valid bearer token, against a database that holds a dossier."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from tests.web._api_support import Api

EXAMPLES_PER_OPERATION = 20


@pytest.fixture
def schema(app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema: schemathesis.schemas.BaseSchema) -> list[object]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("user", ["producer1", "commune1", "council1", "auditor"])
def test_no_generated_request_gets_a_server_error(app: Flask, schema: object, user: str) -> None:
    api = Api(app.test_client())
    api.open_dossier()  # so that generated ids sometimes hit a real dossier
    headers = {"Authorization": f"Bearer {api.token(user)}"}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = _operations(schema)  # type: ignore[arg-type]
    assert len(operations) >= 10
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        def check(case: object) -> None:
            response = case.call(headers=headers)  # type: ignore[attr-defined]
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
                )  # type: ignore[attr-defined]
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}

        check()
    assert failures == []
    # the generator reached the service, not only the input checks
    assert sum(statuses.values()) >= 5 * len(operations)
    assert any(200 <= status < 300 for status in statuses), statuses
    print(user, dict(sorted(statuses.items())))
