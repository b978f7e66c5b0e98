"""Helpers shared by the API, admin and generality tests: a JSON client with bearer tokens, the error shape.

The app, its database (SQLite or a throwaway PostgreSQL schema, as
OCOPFLOW_TEST_DATABASE says) and the demo people come from tests/web/conftest.py.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.web.client import PASSWORD

COMMUNE = "00583"  # producer1's commune in tests/web/conftest.py PEOPLE (Xã Bát Tràng, Hà Nội)
PRODUCER_ORG = "HTX Gốm Bát Tràng"


class Api:
    """The test client speaking JSON with a bearer token per user."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str, password: str = PASSWORD) -> str:
        if username not in self.tokens:
            response = self.client.post(
                "/api/v1/auth/token", json={"username": username, "password": password}
            )
            assert response.status_code == 200, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, user: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def open_dossier(self, user: str = "producer1", **fields: Any) -> dict[str, Any]:
        body = {
            "product_name": "Bình gốm men lam",
            "product_set": "01",
            "producer_org": PRODUCER_ORG,
            "commune_code": COMMUNE,
        }
        body.update(fields)
        response = self.call("POST", "/dossiers", user, json=body)
        assert response.status_code == 201, response.get_json()
        data: dict[str, Any] = response.get_json()
        return data


def assert_error_shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "details"}} and nothing else."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code
    return dict(error)
