"""Pages for auditors and administrators: the audit log, the definitions, the users.

Each page checks a permission from the roles YAML (`audit`, `administer`); no
role name is written in Python.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The page modules attach themselves to `bp`; imported last so they can import it.
from web.admin import access, audit, definitions, jobs, migrations, users  # noqa: E402

access.register(bp)

__all__ = ["access", "audit", "bp", "definitions", "jobs", "migrations", "users"]
