"""Pages a shared cache (a CDN) may keep: the same bytes for everyone who opens the address.

A view marked `@stateless` is served without reading the session: no signed-in actor is loaded
(web/auth.py skips it), so the page cannot depend on who is asking, Flask adds no `Vary: Cookie` and
no `Set-Cookie` (not even an expired session's removal) rides on a response the CDN will copy to the
public. `guard_shared_cache` is the safety net: should such a response still have read the session
or set a cookie, it is made private and uncacheable instead of shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app
from flask.globals import _cv_request

F = TypeVar("F", bound=Callable[..., Any])


def stateless(view: F) -> F:
    """Mark a view as the same for everyone: the session is not read for it."""
    view.ocopflow_stateless = True  # type: ignore[attr-defined]
    return view


def is_stateless(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "ocopflow_stateless", False))


def guard_shared_cache(response: Response) -> Response:
    """A public response that read the session or sets a cookie is not shared after all."""
    if not response.cache_control.public:
        return response
    if _session_read() or "Set-Cookie" in response.headers:
        response.cache_control.public = False
        response.cache_control.private = True
        response.cache_control.no_store = True
        response.cache_control.max_age = None
        response.vary.add("Cookie")
    return response


def _session_read() -> bool:
    """Whether this request read the session. Asked of the request context's own session, because
    touching `flask.session` (even its `accessed` flag) counts as reading it in Flask 3.1."""
    ctx = _cv_request.get(None)
    return bool(getattr(getattr(ctx, "_session", None), "accessed", False))
