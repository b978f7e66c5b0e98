"""Home and "My work": the dossiers waiting for the signed-in person, overdue ones first."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from web.auth import login_required
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


@bp.get("/work")
@login_required
def my_work() -> ResponseReturnValue:
    items = runtime().service.my_work(g.actor)
    return render_template("my_work.html", items=items)
