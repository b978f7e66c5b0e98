"""The JSON API under /api/v1: thin routes (parse -> service -> JSON), bearer-token auth.

`openapi.yaml` beside this file is the single source of truth for the routes; a
test keeps the two in step.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The route modules attach themselves to `bp`; imported last so they can import it.
from web.api import auth, dossiers, errors, governance, notifications, plans, public, registers, spec, trace  # noqa: E402

__all__ = [
    "auth",
    "bp",
    "dossiers",
    "errors",
    "governance",
    "notifications",
    "plans",
    "public",
    "registers",
    "spec",
    "trace",
]
