"""Settings: defaults, then an optional TOML file, then OCOPFLOW_* environment variables.

Later sources win. Environment values are parsed as JSON when they can be
(`OCOPFLOW_MAX_UPLOAD_MB=20` is the number 20), as plain strings otherwise.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from flask import Flask

from engine import uploads
from engine.service.mail import MailSettingsError, public_base_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "demo", "test", "production")

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # default: sqlite file in the instance folder
    "INSTANCE_DIR": None,  # default: ./instance
    "DEFINITIONS_PATHS": [str(PROJECT_ROOT / "workflows"), str(PROJECT_ROOT / "forms")],
    "EVIDENCE_DIR": None,  # default: <instance>/evidence
    "MAX_UPLOAD_MB": 10,
    "UPLOAD_EXTENSIONS": list(uploads.UPLOAD_TYPES),  # the list `validate` checks `accept:` against
    "LANGUAGES": ["vi", "en"],
    "DEFAULT_LANGUAGE": "vi",
    "PER_PAGE": 25,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 300,
    "PUBLIC_BASE_URL": None,  # for certificate QR codes; required in production, else the request's host
    # Register maps: a tile URL template ({z}/{x}/{y}) and its attribution; None draws shapes on a plain background.
    "MAP_TILES": None,
    "MAP_ATTRIBUTION": "",
    "LOGIN_ADDRESS_MAX_FAILURES": 30,
    "SCAN_MAX_PER_MINUTE": 30,  # visits of public trace pages from one client a minute before 429 (web/views/stamps.py)
    "THROTTLE_STORAGE": "database",  # or a `limits` storage URI: redis://127.0.0.1:6379, memory://
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    "API_TOKEN_DAYS": 30,
    "TIMEZONE": "Asia/Ho_Chi_Minh",  # the times people read (the audit log); stored times are UTC
}


class ConfigError(RuntimeError):
    """A setting that prevents the app from starting; the message says which and what to do."""


def _load_toml(fh: Any) -> dict[str, Any]:
    """Flask's `from_file` keeps upper-case keys only; the TOML file may write them in lower case."""
    return {key.upper(): value for key, value in tomllib.load(fh).items()}


def load_settings(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.update(DEFAULTS)
    config_file = os.environ.get("OCOPFLOW_CONFIG")
    if test_config is None and config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"OCOPFLOW_CONFIG points to {path}, which is not a file.")
        try:
            app.config.from_file(str(path.resolve()), load=_load_toml, text=False)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if test_config is None:
        # JSON where the value parses as JSON (OCOPFLOW_MAX_UPLOAD_MB=20 is the number 20), else a string.
        app.config.from_prefixed_env("OCOPFLOW")
        for key in ("CONFIG", "TEST_DATABASE"):  # which file to read / which test database: not settings
            app.config.pop(key, None)
    else:
        app.config.update(test_config)
    _finish(app)


def _finish(app: Flask) -> None:
    cfg = app.config
    env = str(cfg["ENV"]).lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"OCOPFLOW_ENV={cfg['ENV']!r} is not one of {', '.join(ENVIRONMENTS)}.")
    cfg["ENV"] = env
    instance = Path(cfg["INSTANCE_DIR"] or PROJECT_ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    cfg["INSTANCE_DIR"] = str(instance)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'ocopflow.db'}"
    cfg["EVIDENCE_DIR"] = str(Path(cfg["EVIDENCE_DIR"] or instance / "evidence").resolve())
    if not cfg["SECRET_KEY"]:
        if env == "production":
            raise ConfigError(
                "OCOPFLOW_ENV=production needs a secret key: set OCOPFLOW_SECRET_KEY to a long random "
                "string (for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        cfg["SECRET_KEY"] = _instance_secret(instance)
    cfg["PUBLIC_BASE_URL"] = _public_base_url(cfg.get("PUBLIC_BASE_URL"), env)
    try:
        max_mb = float(cfg["MAX_UPLOAD_MB"])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"MAX_UPLOAD_MB={cfg['MAX_UPLOAD_MB']!r} is not a number.") from exc
    # Room for the other fields of the form besides the file itself.
    cfg["MAX_CONTENT_LENGTH"] = int(max_mb * 1024 * 1024) + 64 * 1024
    cfg["UPLOAD_EXTENSIONS"] = [uploads.normalise(str(e)) for e in cfg["UPLOAD_EXTENSIONS"]]
    _check_timezone(str(cfg["TIMEZONE"]))
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = env == "production"
    cfg["SESSION_COOKIE_NAME"] = "ocopflow_session"


def _public_base_url(value: Any, env: str) -> str | None:
    """The address certificates, their QR codes and the links in mails point to. In production it
    is a setting, never the request's Host header, which any client can set to an address of its
    choosing (the worker checks the same setting: engine.service.mail.public_base_url)."""
    if not value:
        if env == "production":
            raise ConfigError(
                "OCOPFLOW_ENV=production needs OCOPFLOW_PUBLIC_BASE_URL, the public address of the site "
                "(for example https://ocop.example.gov.vn): certificate links, QR codes and the links "
                "in mails are built from it."
            )
        return None
    try:
        return public_base_url(str(value), production=env == "production")
    except MailSettingsError as exc:
        raise ConfigError(str(exc)) from exc


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"TIMEZONE={name!r} is not a time zone this machine knows (an IANA name such as "
            "'Asia/Ho_Chi_Minh'; Debian's tzdata package provides them)."
        ) from exc


def _instance_secret(instance: Path) -> str:
    """Development and demo keep one random key in the instance folder so sign-ins survive restarts."""
    path = instance / "secret_key"
    if path.is_file():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_hex(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
