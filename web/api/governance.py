"""Administrators' routes: install a definition bundle, approve a proposal, list versions; list
and create users. Each checks the `administer` permission (from the roles YAML) before it reads
the body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify

from web.api import bp
from web.api.auth import actor_can, current_actor, field, json_body
from web.api.errors import ApiError
from web.api.serialize import plain
from web.runtime import runtime

MAX_FILES = 200


def _administrator() -> Any:
    actor = current_actor()
    if not actor_can(actor, "administer"):
        raise ApiError(
            403, "Only administrators may do this (permission 'administer').", code="permission_denied"
        )
    return actor


def _version(v: Any) -> dict[str, Any]:
    keys = ("kind", "def_id", "version", "sha256", "status", "bundle", "effective_from", "effective_until",
            "proposed_by", "proposed_at", "approved_by", "approved_at")  # fmt: skip
    return {k: plain(getattr(v, k)) for k in keys}


def _user(u: Any) -> dict[str, Any]:
    return {
        k: plain(getattr(u, k))
        for k in ("username", "roles", "area", "organisation", "display_name", "active")
    }


@bp.get("/definitions")
def list_definitions() -> Response:
    _administrator()
    return jsonify({"items": [_version(v) for v in runtime().service.definition_versions()]})


@bp.post("/definitions")
def install_definitions() -> tuple[Response, int]:
    actor = _administrator()
    data = json_body()
    raw = field(data, "files", list, required=True)
    if not raw or len(raw) > MAX_FILES:
        raise ApiError(
            422, f"'files' holds 1 to {MAX_FILES} files.", code="invalid_request", problems={"files": "count"}
        )
    files = []
    for i, entry in enumerate(raw):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("text"), str)
        ):
            raise ApiError(
                422, f"files[{i}] must be {{name, text}}.", code="invalid_request", problems={"files": i}
            )
        files.append((entry["name"][:300], entry["text"]))
    on = field(data, "effective_from", str)
    try:
        effective_from = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise ApiError(422, "'effective_from' must be a date (YYYY-MM-DD).", code="invalid_request",
                       problems={"effective_from": "date"}) from None  # fmt: skip
    installed = runtime().service.install_bundle(actor, files, effective_from=effective_from)
    body = {
        "bundle": installed.bundle,
        "pending": installed.pending,
        "versions": [_version(v) for v in installed.versions],
    }
    return jsonify(body), 201 if installed.versions else 200


@bp.post("/definitions/bundles/<bundle>/approve")
def approve_definitions(bundle: str) -> Response:
    actor = _administrator()
    approved = runtime().service.approve_bundle(actor, bundle[:64])
    return jsonify({"bundle": bundle, "versions": [_version(v) for v in approved]})


@bp.get("/users")
def list_users() -> Response:
    actor = _administrator()
    return jsonify({"items": [_user(u) for u in runtime().service.users(actor)]})


@bp.post("/users")
def create_user() -> tuple[Response, int]:
    actor = _administrator()
    data = json_body()
    roles = field(data, "roles", list, required=True)
    if not all(isinstance(r, str) for r in roles):
        raise ApiError(
            422, "'roles' must be a list of role ids.", code="invalid_request", problems={"roles": "list"}
        )
    user = runtime().service.create_user(
        actor,
        field(data, "username", str, required=True),
        field(data, "password", str, required=True),
        roles,
        area=field(data, "area", str),
        organisation=field(data, "organisation", str),
        display_name=field(data, "display_name", str) or "",
    )
    return jsonify(_user(user)), 201
