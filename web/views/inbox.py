"""The signed-in person's notifications: the list (newest first, each linking to its dossier), mark
one or all read (CSRF like every form), and their mail choice (address, immediate or daily digest)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import InvalidForm, NotFound
from engine.service.notifications import MAX_EMAIL
from web.auth import login_required
from web.problems import field_problems
from web.runtime import runtime

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _page(problems: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    notices = runtime().service.notices
    email, mode = notices.mail_choice(g.actor)
    return (
        render_template(
            "inbox.html",
            items=notices.inbox(g.actor),
            email=request.form.get("email", email or "") if problems else (email or ""),
            mail_mode=mode,
            max_email=MAX_EMAIL,
            problems=problems or {},
        ),
        status,
    )


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/<int:item_id>/read")
@login_required
def read_one(item_id: int) -> ResponseReturnValue:
    try:
        runtime().service.notices.mark_read(g.actor, item_id)
    except NotFound:
        flash(_("Không có thông báo này."), "error")
    return redirect(url_for("inbox.index"))


@bp.post("/read")
@login_required
def read_all() -> ResponseReturnValue:
    count = runtime().service.notices.mark_read(g.actor)
    flash(_("Đã đánh dấu %(n)s thông báo là đã đọc.", n=count), "success")
    return redirect(url_for("inbox.index"))


@bp.post("/mail")
@login_required
def mail_choice() -> ResponseReturnValue:
    email = request.form.get("email", "")[: MAX_EMAIL + 1]
    mode = request.form.get("mail_mode", "immediate")
    try:
        runtime().service.notices.set_mail_choice(g.actor, g.actor.id, email, mode)
    except InvalidForm as exc:
        return _page(problems=field_problems(exc.problems), status=422)
    flash(_("Đã lưu cách nhận thư."), "success")
    return redirect(url_for("inbox.index"))
