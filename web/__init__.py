"""The Flask app: `create_app()` builds the catalog and the service once, then serves the pages.

Blueprints of the JSON API (`web.api`) and the administration pages
(`web.admin`) are registered when those packages are installed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.config import ConfigError, load_settings
from web.runtime import StartupError, build_runtime, runtime

__all__ = ["ConfigError", "StartupError", "create_app"]

# Blueprints that authenticate with bearer tokens only: no cookie session, so no CSRF token.
TOKEN_BLUEPRINTS = {"api"}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    load_settings(app, test_config)

    from web import auth, i18n
    from web.errors import init_errors
    from web.headers import init_headers
    from web.inputs import init_input_gate
    from web.security import init_csrf
    from web.throttle import build_throttle
    from web.views import (
        account,
        catalogue,
        certificate_document,  # noqa: F401  (adds the certificate PDF route to dossiers.bp)
        certificates,
        dossiers,
        inbox,
        pages,
        plan_budget,  # noqa: F401  (adds the budget routes to plans.bp)
        plans,
        record_import,
        registers,
        scoring,
        stamps,
        trace,
        trace_events,
    )

    i18n.init_i18n(app)
    app.extensions["ocopflow"] = app.config.get("RUNTIME") or build_runtime(app)
    app.extensions["ocopflow_throttle"] = build_throttle(
        app.config, app.extensions["ocopflow"].database.transaction
    )
    app.before_request(_fresh_catalog)
    app.before_request(auth.load_actor)
    stamps.init_scans(app)
    init_input_gate(app)
    init_csrf(app, exempt_blueprints=TOKEN_BLUEPRINTS)
    for blueprint in (
        auth.bp,
        account.bp,
        pages.bp,
        dossiers.bp,
        scoring.bp,
        certificates.bp,
        certificates.well_known,
        catalogue.bp,
        registers.bp,
        record_import.bp,
        inbox.bp,
        plans.bp,
        trace.bp,
        trace.digital_link,
        trace_events.bp,
        stamps.bp,
    ):
        app.register_blueprint(blueprint)
    optional = _register_optional(app)
    app.session_interface = auth.PageSessions(
        tuple(str(app.blueprints[name].url_prefix) for name in sorted(TOKEN_BLUEPRINTS & optional))
    )
    init_errors(app, json_blueprints=TOKEN_BLUEPRINTS & optional)
    _template_helpers(app, optional)

    init_headers(app)
    return app


def _fresh_catalog() -> None:
    """Another worker may have activated a definition: the catalog is re-read when the database's
    catalog version moved (checked at most once a second; engine/service/base.py)."""
    from flask import current_app

    current_app.extensions["ocopflow"].service.refresh_catalog()


def _register_optional(app: Flask) -> set[str]:
    """The other web packages (API, admin pages), when present in this checkout."""
    names = set()
    for module_name in ("web.api", "web.admin"):
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        blueprint = module.bp
        app.register_blueprint(blueprint)
        names.add(blueprint.name)
    return names


METHOD_TEXTS = {
    "mean": _l("trung bình"),
    "median": _l("trung vị"),
    "trimmed_mean": _l("trung bình bỏ cao nhất, thấp nhất"),
}


def method_label(method: str) -> str:
    """How member totals combine (`council.combine` in the language), in the reader's language."""
    return str(METHOD_TEXTS.get(method, method))


def _template_helpers(app: Flask, optional: set[str]) -> None:
    def can(permission: str) -> bool:
        actor = g.get("actor")
        return actor is not None and permission in runtime().permissions(actor)

    def nav_items() -> list[dict[str, Any]]:
        endpoint = request.endpoint or ""
        items = [
            ("pages.my_work", _("Việc của tôi"), True),
            ("dossiers.index", _("Hồ sơ"), True),
            ("certificates.lookup", _("Tra cứu chứng nhận"), True),
            ("catalogue.index", _("Sản phẩm OCOP"), True),
            ("registers.index", _("Danh mục"), bool(runtime().catalog.registers)),
            ("plans.index", _("Kế hoạch"), bool(runtime().catalog.plans) and g.actor is not None),
        ]
        # Endpoints of the admin package, shown when it is installed and the actor may use them.
        admin_links = [
            ("admin.audit", _("Nhật ký"), can("audit")),
            ("admin.definitions", _("Định nghĩa"), can("administer")),
            ("admin.users", _("Người dùng"), can("administer")),
        ]
        if "admin" in optional:
            items += [item for item in admin_links if item[0] in app.view_functions]
        return [
            {"url": url_for(ep), "label": label, "current": endpoint == ep}
            for ep, label, show in items
            if show
        ]

    def datetime_text(value: Any) -> str:
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return str(value)
        if isinstance(value, dt.datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        return str(value or "")

    app.jinja_env.globals.update(
        can=can,
        can_open=lambda: g.get("actor") is not None and runtime().can_open(g.actor),
        nav_items=nav_items,
        method_label=method_label,
        unit_name=lambda c: runtime().unit_name(c),
        unread_count=lambda: runtime().service.notices.unread_count(g.actor) if g.get("actor") else 0,
    )
    app.jinja_env.filters["datetime_text"] = datetime_text
