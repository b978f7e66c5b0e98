"""Security headers: a strict Content-Security-Policy on every answer, HSTS in production, a
Permissions-Policy; and certificate addresses that come from PUBLIC_BASE_URL, never from Host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.model import Catalog
from tests.web.conftest import make_app
from web.config import ConfigError
from web.views.certificates import public_url

PAGES = ["/login", "/c/", "/c/01/2026/OCOP-99999", "/api/v1/health", "/no/such/page", "/static/app.css"]
SIGNED_IN = ["/work", "/dossiers", "/dossiers/new"]


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES + SIGNED_IN)
def test_every_answer_carries_a_strict_content_security_policy(as_user: Any, path: str) -> None:
    response = as_user("producer1").get(path)
    response.close()
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not in development or test


def _production(tmp_path: Path, catalog: Catalog, database_url: str, **overrides: Any) -> Flask:
    settings = {"ENV": "production", "SECRET_KEY": "k" * 40, "PUBLIC_BASE_URL": "https://ocop.example.vn"}
    return make_app(tmp_path, catalog, database_url, **{**settings, **overrides})


def test_production_sends_hsts(tmp_path: Path, catalog: Catalog, database_url: str) -> None:
    app = _production(tmp_path, catalog, database_url)
    try:
        response = app.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    finally:
        app.extensions["ocopflow"].database.engine.dispose()


def test_production_refuses_to_start_without_a_public_base_url(
    tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    with pytest.raises(ConfigError, match="OCOPFLOW_PUBLIC_BASE_URL"):
        _production(tmp_path, catalog, database_url, PUBLIC_BASE_URL=None)


@pytest.mark.parametrize("value", ["ocop.example.vn", "javascript:alert(1)", "https://ocop.example.vn/?x=1"])
def test_a_public_base_url_that_is_not_an_address_is_a_clear_error(
    tmp_path: Path, catalog: Catalog, database_url: str, value: str
) -> None:
    with pytest.raises(ConfigError, match="OCOPFLOW_PUBLIC_BASE_URL"):
        _production(tmp_path, catalog, database_url, PUBLIC_BASE_URL=value)


def test_certificate_addresses_follow_the_setting_not_the_host_header(
    tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    app = _production(tmp_path, catalog, database_url, PUBLIC_BASE_URL="https://ocop.example.vn/")
    try:
        with app.test_request_context("/dossiers/1", headers={"Host": "evil.example"}):
            assert public_url("01/2026/OCOP-7") == "https://ocop.example.vn/c/01/2026/OCOP-7"
    finally:
        app.extensions["ocopflow"].database.engine.dispose()


def test_links_in_mails_start_with_the_public_base_url(
    tmp_path: Path, catalog: Catalog, database_url: str
) -> None:
    app = _production(tmp_path, catalog, database_url, PUBLIC_BASE_URL="https://ocop.example.vn/")
    try:
        assert app.extensions["ocopflow"].service.public_base_url == "https://ocop.example.vn"
    finally:
        app.extensions["ocopflow"].database.engine.dispose()
