"""Home and "My work": the dossiers waiting for the signed-in person, overdue ones first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from web.auth import login_required
from web.i18n import current_language
from web.runtime import runtime

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    if g.actor is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for("pages.my_work"))


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico before they read the page's <link rel="icon">."""
    response = current_app.send_static_file("favicon.svg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _due(d: Any) -> dt.date:
    running = [c.due_on for c in d.clocks if c.stopped_on is None and c.due_on is not None]
    return min(running) if running else dt.date.max


# The orders a work list can be read in (the service's own order is overdue first, then oldest).
SORTS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "deadline": (_l("Hạn gần nhất"), lambda d: (not d.overdue, _due(d), d.updated_at)),
    "waiting": (_l("Chờ lâu nhất"), lambda d: d.updated_at),
    "newest": (_l("Mới thay đổi"), lambda d: -d.updated_at.timestamp()),
    "product": (_l("Tên sản phẩm"), lambda d: d.product_name.casefold()),
}


@bp.get("/work")
@login_required
def my_work() -> ResponseReturnValue:
    items = runtime().service.my_work(g.actor)
    sort = request.args.get("sort", "deadline")
    if sort not in SORTS:
        sort = "deadline"
    items = sorted(items, key=SORTS[sort][1])
    rounds = runtime().service.rounds.of_dossiers(items)
    # the round filter: the dossiers that joined the chosen round (`series:year:id`)
    chosen = request.args.get("round", "")[:100]
    choices = sorted({(r.key, r.named(current_language()))
                      for rs in rounds.values() for r in rs})  # fmt: skip
    if chosen:
        items = [d for d in items if any(r.key == chosen for r in rounds.get(d.id, []))]
    return render_template(
        "my_work.html", items=items, sort=sort, sorts=[(key, label) for key, (label, _key) in SORTS.items()],
        rounds=rounds, round_choices=choices, chosen_round=chosen,
    )  # fmt: skip
