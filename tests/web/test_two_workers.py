"""Two gunicorn workers on one database: a regime installed through one of them is known to both
within the catalog check interval (engine/service/base.py CATALOG_CHECK_SECONDS), with no restart.

Each request opens a new connection, so the two workers share them; a worker that kept its own
catalog would refuse the new regime's role ("Unknown roles") on about half of them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from tests.integration.test_definition_store import bundle
from web.config import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Connection", "close")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture
def served(tmp_path: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    database_url = empty_database_url
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("admin-password\n"))
    assert (
        main(
            [
                "users",
                "create",
                "boss",
                "--roles",
                "admin",
                "--password-stdin",
                "--database-url",
                database_url,
            ]
        )
        == 0
    )
    port = _free_port()
    env = {**os.environ, "OCOPFLOW_DATABASE_URL": database_url, "OCOPFLOW_ENV": "test",
           "OCOPFLOW_SECRET_KEY": "two-workers", "OCOPFLOW_INSTANCE_DIR": str(tmp_path / "instance")}  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "web.wsgi:app"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(300):  # wait for both workers to have started (each builds its catalog)
            try:
                if _call(base, "GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_both_workers_know_a_regime_installed_through_one_of_them(served: str) -> None:
    status, body = _call(served, "POST", "/auth/token", {"username": "boss", "password": "admin-password"})
    assert status == 200, body
    token = body["token"]
    files = [
        {"name": n, "text": t} for n, t in bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false")})
    ]
    status, body = _call(served, "POST", "/definitions", {"files": files}, token)
    assert status == 201 and not body["pending"], body
    time.sleep(1.2)  # one catalog check interval: not a timed assertion, the documented staleness bound
    for i in range(16):
        user = {
            "username": f"owner{i}",
            "password": "pw-1234-long-enough",
            "roles": ["owner"],
            "area": "00583",
        }
        status, body = _call(served, "POST", "/users", user, token)
        assert status == 201, body  # the regime's role is known to whichever worker answered
