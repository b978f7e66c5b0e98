"""Bearer-token authentication for the API, and the request-body reader.

Only the `Authorization: Bearer` header authenticates an API call; a session
cookie never does, so a cross-site form cannot make the API write (no CSRF hole).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, g, jsonify, request

from engine.limits import refused_at
from web.api import bp
from web.api.errors import ApiError
from web.auth import client_address, throttle
from web.inputs import InputRefused
from web.runtime import runtime

MAX_BODY = 1_000_000  # bytes; an API body is answers and comments, never files


def json_body(*, required: bool = True, max_body: int = MAX_BODY) -> dict[str, Any]:
    """The request's JSON object, or an ApiError that says what is wrong with it."""
    limit = min(current_app.config.get("MAX_CONTENT_LENGTH") or max_body, max_body)
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"The body is larger than {limit} bytes.", limit=limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiError(413, f"The body is larger than {limit} bytes.", limit=limit)
    if not raw.strip():
        if required:
            raise ApiError(400, "A JSON object is required as the body.")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    refused = _refused_text(data, "")
    if refused is not None:
        where, text, at = refused
        raise InputRefused(where or "body", text, at)
    return data


def _refused_text(value: Any, where: str) -> tuple[str, str, int] | None:
    """(where, text, position) of the first member holding a control character (engine.limits): the
    same rule as the pages' form fields, so no database is handed a NUL or a lone surrogate."""
    if isinstance(value, str):
        at = refused_at(value)
        return None if at is None else (where, value, at)
    if isinstance(value, dict):
        for key, member in value.items():
            inner = f"{where}.{key}" if where else str(key)
            found = _refused_text(key, inner) or _refused_text(member, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, member in enumerate(value):
            found = _refused_text(member, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    """One member of a JSON body, type-checked; the error names the field."""
    if name not in data or data[name] is None:
        if required:
            raise ApiError(422, f"'{name}' is required.", code="invalid_request", problems={name: "required"})
        return None
    value = data[name]
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)  # 3.0 is an integer to JSON Schema, so to the OpenAPI document too
    # bool is an int in Python; a JSON true is never a number here
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ApiError(
            422,
            f"'{name}' must be of type {names}.",
            code="invalid_request",
            problems={name: f"expected {names}"},
        )
    return value


def current_actor() -> Any:
    """The actor behind the bearer token; 401 without a valid one."""
    if "api_actor" in g:
        return g.api_actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token.")
    actor = runtime().service.actor_for_token(token) if len(token) <= 512 else None
    if actor is None:
        raise ApiError(401, "The token is not valid (unknown, expired or revoked).")
    g.api_actor = actor
    return actor


@bp.post("/auth/token")
def issue_token() -> Response:
    data = json_body()
    username = field(data, "username", str, required=True)
    password = field(data, "password", str, required=True)
    # the same failure budget as the sign-in page: a token is a password guess too
    limiter, address = throttle(), client_address()
    wait = limiter.locked_for(username, address)
    if wait:
        raise ApiError(429, f"Too many failed attempts; try again in {wait} seconds.", retry_after=wait)
    service = runtime().service
    signed = service.sign_in(username, password) if len(password) <= 500 else None
    if signed is None:
        limiter.failed(username, address)
        raise ApiError(401, "Wrong username or password.")
    actor = signed.actor
    if signed.second_factor:
        otp = field(data, "otp", str) or ""
        if service.verify_totp(username, otp[:20]) is None:
            limiter.failed(username, address)
            raise ApiError(401, "This account has a second factor: send the current one-time code as 'otp'.")
    limiter.succeeded(username, address)
    days = field(data, "expires_in_days", int)
    label = field(data, "label", str) or ""
    new = service.create_api_token(
        actor, days=current_app.config["API_TOKEN_DAYS"] if days is None else days, label=label
    )
    response = jsonify({"token": new.secret, **token_json(new.info)})
    response.headers["Cache-Control"] = "no-store"  # a credential: no cache may keep it (RFC 6749 5.1)
    return response


def token_json(info: Any) -> dict[str, Any]:
    """A token's description; never its secret, which only its creation returns."""
    return {
        "id": info.id,
        "label": info.label,
        "created_at": _utc(info.created_at),
        "expires_at": _utc(info.expires_at),
        "revoked": info.revoked,
        "revoked_at": _utc(info.revoked_at) if info.revoked_at else None,
    }


def _utc(value: Any) -> str:
    return str(value.isoformat(timespec="seconds")) + "Z"


@bp.get("/auth/tokens")
def list_tokens() -> Response:
    """The caller's tokens; an administrator may name another user with `?username=`."""
    actor = current_actor()
    username = request.args.get("username") or None
    return jsonify({"items": [token_json(t) for t in runtime().service.api_tokens(actor, username)]})


@bp.delete("/auth/tokens/<int:token_id>")
def revoke_token(token_id: int) -> Response:
    """Revoke one of the caller's tokens (an administrator: anyone's); it fails from the next call."""
    actor = current_actor()
    return jsonify(token_json(runtime().service.revoke_api_token(actor, token_id)))


def actor_can(actor: Any, permission: str) -> bool:
    """Whether one of the actor's roles grants a permission (`audit`, `administer`, …), per the roles YAML."""
    return permission in runtime().permissions(actor)
