"""The input gate: before any view runs, every request's path, query arguments, form fields
and file names are checked for control characters (engine.limits.refused_at), on every route.

A refused request never reaches the service or the database, so SQLite and
PostgreSQL answer it the same: 400 with a page that names the field, or 422 in
the API's one error shape (web/api/errors.py). JSON bodies are checked by the
API's body reader with the same rule. Lengths are the service's (engine.limits),
declared to API clients as `maxLength` in openapi.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from engine.limits import refused_at


class InputRefused(BadRequest):
    """A value that holds a refused character; `where` names it (`q`, `comment`, `path`, …)."""

    def __init__(self, where: str, text: str, position: int) -> None:
        super().__init__(description=f"{where}: control character at {position + 1}")
        self.where = where
        self.position = position
        self.char = f"U+{ord(text[position]):04X}"


def _values() -> Iterator[tuple[str, str, bool]]:
    """(where, text, single_line) for everything a person or a client typed into this request."""
    yield "path", request.path, True
    for name, value in request.args.items(multi=True):
        yield name, name, True
        yield name, value, False
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, value in request.form.items(multi=True):
            yield name, name, True
            yield name, value, False
        for name, upload in request.files.items(multi=True):
            yield name, name, True
            yield name, upload.filename or "", True


def check_request() -> None:
    for where, text, single_line in _values():
        at = refused_at(text, single_line=single_line) if isinstance(text, str) else None
        if at is not None:
            raise InputRefused(where, text, at)


def init_input_gate(app: Flask) -> None:
    # First in line: before the session's actor is loaded and the CSRF token compared.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
