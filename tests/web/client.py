"""A test client that signs in like a person and posts forms with their CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "demo-password"

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        found = CSRF_RE.search(page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": self.token("/login")}
        )

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kw: Any
    ) -> Any:
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.token(page or "/dossiers"))
        return self.client.post(path, data=payload, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)
