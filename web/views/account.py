"""A person's own account: their API tokens (create, list, revoke), their password, and (for
administrators and auditors) the optional one-time-code second factor."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.service.accounts import PASSWORD_MAX, PASSWORD_MIN
from engine.service.credentials import MAX_TOKEN_DAYS
from web.auth import login_required, session_key
from web.problems import error_text, field_problems
from web.runtime import runtime

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(
    new_token: Any = None, problems: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    service = runtime().service
    return (
        render_template(
            "account.html",
            tokens=service.api_tokens(g.actor),
            now=service.now(),
            new_token=new_token,
            problems=problems or {},
            max_days=MAX_TOKEN_DAYS,
            totp_eligible=service.totp_eligible(g.actor),
            totp_enabled=service.totp_enabled(g.actor),
        ),
        status,
    )


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    raw_days = request.form.get("days", "").strip() or str(current_app.config["API_TOKEN_DAYS"])
    label = request.form.get("label", "").strip()[:100]
    try:
        days = int(raw_days) if raw_days.isdigit() and len(raw_days) < 5 else 0
        new = runtime().service.create_api_token(g.actor, days=days, label=label)
    except InvalidForm as exc:
        return _page(problems=field_problems(exc.problems), status=422)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("account.index"))
    return _page(new_token=new)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    try:
        runtime().service.revoke_api_token(g.actor, token_id)
    except NotFound as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Đã thu hồi mã truy cập số %(id)d.", id=token_id), "success")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    forced = bool(g.get("must_change_password"))
    if request.method == "GET":
        return render_template(
            "password.html", forced=forced, problems={}, pmin=PASSWORD_MIN, pmax=PASSWORD_MAX
        )
    current = request.form.get("current", "")[: PASSWORD_MAX + 1]
    new = request.form.get("password", "")[: PASSWORD_MAX + 1]
    problems: dict[str, str] = {}
    if new != request.form.get("confirm", "")[: PASSWORD_MAX + 1]:
        problems["confirm"] = _("Hai lần nhập mật khẩu mới không khớp.")
    else:
        try:
            runtime().service.change_password(g.actor, current, new, session_key=session_key())
        except InvalidForm as exc:
            problems = field_problems(exc.problems)
    if problems:
        page = render_template(
            "password.html", forced=forced, problems=problems, pmin=PASSWORD_MIN, pmax=PASSWORD_MAX
        )
        return page, 422
    flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."), "success")
    return redirect(url_for("pages.home") if forced else url_for("account.index"))


def _enrol_page(problems: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    try:
        enrolment = runtime().service.begin_totp(g.actor)
    except (PermissionDenied, Conflict) as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("account.index"))
    qr: str = segno.make(enrolment.uri, error="m").svg_inline(scale=4, border=2)
    page = render_template("totp.html", enrolment=enrolment, qr=qr, problems=problems or {})
    return page, status


@bp.route("/totp", methods=["GET", "POST"])
@login_required
def totp() -> ResponseReturnValue:
    """Enrolment: the pending secret (QR and text); the factor is on with its first code."""
    if request.method == "GET":
        return _enrol_page()
    try:
        runtime().service.confirm_totp(g.actor, request.form.get("code", "")[:20])
    except InvalidForm as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("account.totp"))
    except Conflict as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("account.index"))
    flash(_("Đã bật xác thực hai bước. Lần đăng nhập tới sẽ hỏi mã."), "success")
    return redirect(url_for("account.index"))


@bp.post("/totp/disable")
@login_required
def totp_disable() -> ResponseReturnValue:
    try:
        runtime().service.disable_totp(g.actor, request.form.get("code", "")[:20])
    except (InvalidForm, Conflict) as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Đã tắt xác thực hai bước."), "success")
    return redirect(url_for("account.index"))
