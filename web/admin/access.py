"""Permission checks for the admin pages: signed in, and a permission from the roles YAML."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for

from web.runtime import runtime

F = TypeVar("F", bound=Callable[..., Any])


def can(permission: str) -> bool:
    actor = g.get("actor")
    return actor is not None and permission in runtime().permissions(actor)


def requires(permission: str) -> Callable[[F], F]:
    """Sign-in first (back to this page afterwards), then the permission or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("actor") is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def register(bp: Any) -> None:
    """`admin_can(permission)` in templates: tabs and links show only what the user may open."""
    bp.app_context_processor(lambda: {"admin_can": can})
