"""Users and roles for administrators: list, create, change roles and area (audited by the service)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from web.admin import bp
from web.admin.access import requires
from web.problems import error_text, field_problems
from web.runtime import runtime

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 8


def _roles() -> list[tuple[str, Any, str]]:
    """(role id, label, scope) of every role in every installed role set, once each."""
    seen: dict[str, tuple[str, Any, str]] = {}
    for roleset in runtime().catalog.roles.values():
        for role in roleset.roles.values():
            seen.setdefault(role.id, (role.id, role.label, role.scope))
    return list(seen.values())


def _page(
    values: dict[str, Any] | None = None, problems: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    users = sorted(runtime().service.users(g.actor), key=lambda u: u.username)
    return (
        render_template(
            "admin/users.html",
            users=users,
            roles=_roles(),
            role_labels={role_id: label for role_id, label, _scope in _roles()},
            units=runtime().units(),
            values=values or {},
            problems=problems or {},
        ),
        status,
    )


@bp.get("/users")
@requires("administer")
def users() -> ResponseReturnValue:
    return _page()


def _check(form: Any, *, new: bool) -> tuple[dict[str, Any], dict[str, str]]:
    known = {r[0] for r in _roles()}
    values: dict[str, Any] = {
        "username": form.get("username", "").strip().lower()[:80],
        "display_name": form.get("display_name", "").strip()[:200],
        "area": form.get("area", "").strip()[:20] or None,
        "organisation": form.get("organisation", "").strip()[:200] or None,
        "roles": [r for r in form.getlist("roles") if r in known],
    }
    problems: dict[str, str] = {}
    for name in ("username", "display_name", "area", "organisation"):
        if any(ord(ch) < 32 for ch in values[name] or ""):
            problems[name] = _("Có ký tự điều khiển không hợp lệ.")
            values[name] = "".join(ch for ch in values[name] if ord(ch) >= 32)
    if new:
        if not values["username"] or not set(values["username"]) <= USERNAME_CHARS:
            problems["username"] = _("Tên đăng nhập gồm chữ thường không dấu, số, dấu chấm, gạch ngang.")
        password = form.get("password", "")
        if len(password) < MIN_PASSWORD or len(password) > 200:
            problems["password"] = _("Mật khẩu cần từ %(n)d ký tự.", n=MIN_PASSWORD)
        values["password"] = password
        if not values["display_name"]:
            problems["display_name"] = _("Hãy nhập họ tên.")
    if not values["roles"]:
        problems["roles"] = _("Chọn ít nhất một vai trò.")
    return values, problems


@bp.post("/users")
@requires("administer")
def create_user() -> ResponseReturnValue:
    values, problems = _check(request.form, new=True)
    if not problems:
        try:
            runtime().service.create_user(
                g.actor,
                values["username"],
                values["password"],
                values["roles"],
                values["area"],
                values["organisation"],
                values["display_name"],
            )
        except Conflict:
            problems["username"] = _("Tên đăng nhập này đã có.")
        except InvalidForm as exc:
            problems.update(field_problems(exc.problems))
        except PermissionDenied as exc:
            flash(error_text(exc), "error")
            return redirect(url_for("admin.users"))
    if problems:
        values.pop("password", None)  # never echoed back into the page
        flash(_("Chưa tạo được người dùng; xem các lỗi bên dưới."), "error")
        return _page(values, problems, status=422)
    flash(_("Đã tạo người dùng %(name)s.", name=values["username"]), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>")
@requires("administer")
def edit_user(username: str) -> ResponseReturnValue:
    values, problems = _check(request.form, new=False)
    if problems:
        for message in problems.values():
            flash(f"{username}: {message}", "error")
        return redirect(url_for("admin.users"))
    try:
        runtime().service.set_roles(g.actor, username, values["roles"], area=values["area"])
    except NotFound:
        flash(_("Không có người dùng %(name)s.", name=username), "error")
    except (InvalidForm, PermissionDenied, Conflict) as exc:
        flash(f"{username}: {error_text(exc)}", "error")
    else:
        flash(_("Đã cập nhật vai trò của %(name)s.", name=username), "success")
    return redirect(url_for("admin.users"))
