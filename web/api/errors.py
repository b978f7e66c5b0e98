"""One JSON shape for every API error: {"error": {"code", "message", "details"}}.

engine.errors map to one status each; a refused transition is 422 unless the
reason is the dossier's state (`state`), which is 409: the request conflicts with
the dossier as it now is, exactly like a stale version.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from engine.messages import say
from web.api import bp
from web.api.serialize import lang
from web.inputs import InputRefused

log = logging.getLogger(__name__)

STATUS = {
    engine_errors.NotFound: 404,
    engine_errors.PermissionDenied: 403,
    engine_errors.TransitionNotAllowed: 422,
    engine_errors.InvalidForm: 422,
    engine_errors.Conflict: 409,
    engine_errors.InvalidDefinition: 422,
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
}


class ApiError(Exception):
    """An error the API layer itself raises (bad JSON, no token, bad parameter)."""

    def __init__(self, status: int, message: str, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or HTTP_CODES.get(status, "error")
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": _plain(details or {})}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ocopflow"'
    return response


def status_for(exc: engine_errors.OcopflowError) -> int:
    if isinstance(exc, engine_errors.TransitionNotAllowed) and exc.reason == "state":
        return 409
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _plain(value: Any) -> Any:
    """Details may hold problems or other objects; make them JSON without losing meaning."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    as_dict = getattr(value, "as_dict", None)
    if callable(as_dict):
        return _plain(as_dict())
    return str(value)


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def client_language() -> str:
    """The language of the answer's texts: serialize.lang(), for errors as for data."""
    return lang()


@bp.errorhandler(engine_errors.OcopflowError)
def _engine_error(exc: engine_errors.OcopflowError) -> Response:
    # The engine's messages know both languages; the message and the field problems
    # are told in the client's.
    lang = client_language()
    details = dict(exc.details)
    if isinstance(exc, engine_errors.InvalidForm):
        details["problems"] = {field: problem.get(lang) for field, problem in exc.problems.items()}
    return error_response(status_for(exc), exc.code, exc.text.get(lang), details)


@bp.errorhandler(InputRefused)
def _input_refused(exc: InputRefused) -> Response:
    """A control character anywhere in the request (web/inputs.py): 422, naming where."""
    problem = say("field.control_character", position=exc.position + 1, char=exc.char).get(client_language())
    return error_response(
        422, "invalid_request", f"'{exc.where}': {problem}", {"problems": {exc.where: problem}}
    )


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return error_response(status, HTTP_CODES.get(status, "error"), exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Internal error; it has been logged.")


def _routing_error() -> Response | None:
    """Unknown API paths and wrong methods get the JSON shape too.

    Routing errors happen before a blueprint is known, so blueprint error
    handlers never see them; they are waiting in `request.routing_exception`
    until dispatch, after the before-request functions run. Pages outside the
    API keep whatever the app does.
    """
    exc = request.routing_exception
    if not isinstance(exc, HTTPException) or not is_api_request() or exc.code in (301, 302, 307, 308):
        return None
    status = exc.code or 404
    response = error_response(status, HTTP_CODES.get(status, "error"), exc.description or exc.name)
    if status == 405:
        response.headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or ())
    return response


@bp.record_once
def _first_before_request(state: Any) -> None:
    # First in line, ahead of the app's cookie CSRF check, which does not apply to the API.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _routing_error)


def is_api_request() -> bool:
    prefix = bp.url_prefix or "/api/v1"
    return request.path == prefix or request.path.startswith(f"{prefix}/")
