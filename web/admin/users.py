"""Users and roles for administrators: list, create, change roles and area; one user's page to
deactivate, reactivate, reset the password and revoke API tokens (each audited by the service)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.definitions.model import Role
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.service.accounts import PASSWORD_MAX, PASSWORD_MIN
from web.admin import bp
from web.admin.access import requires
from web.problems import error_text, field_problems
from web.runtime import runtime

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class Regime:
    """One roles file on the page: the roles it defines (a shared role under the file that
    defines it) and the workflows and roles files that use them."""

    id: str
    title: Any
    roles: list[Role]
    used_by: list[str]


def _regimes() -> list[Regime]:
    catalog = runtime().catalog
    out = []
    for roleset, roles in runtime().service.registry.grantable_roles():
        users = sorted(w.id for w in catalog.workflows.values() if w.roles == roleset.id)
        if any(r.shared for r in roles):
            users += sorted(
                rs.id
                for rs in catalog.roles.values()
                if rs.id != roleset.id and set(rs.roles.values()) & set(roles)
            )
        out.append(Regime(roleset.id, roleset.title, roles, users))
    return out


def _roles() -> list[tuple[str, Any, str]]:
    """(grant, label, scope) of every role an administrator can grant: `<roles file>:<role>`."""
    return [(r.qualified, r.label, r.scope) for regime in _regimes() for r in regime.roles]


def _grouped(grants: Any) -> list[tuple[Regime | None, list[str]]]:
    """A user's grants by roles file; unqualified (legacy) grants last, under None."""
    regimes = _regimes()
    groups: list[tuple[Regime | None, list[str]]] = []
    for regime in regimes:
        mine = [r.qualified for r in regime.roles if r.qualified in grants]
        if mine:
            groups.append((regime, mine))
    legacy = sorted(g for g in grants if ":" not in g)
    if legacy:
        groups.append((None, legacy))
    return groups


def _chosen(grants: Any) -> set[str]:
    """The boxes ticked for these grants: a legacy unqualified id stands for the role of that id
    in every roles file, so each is ticked (saving the form stores them qualified)."""
    chosen = set(grants)
    for grant in grants:
        if ":" not in grant:
            chosen.update(runtime().service.registry.resolve_grant(grant))
    return chosen


def _page(
    values: dict[str, Any] | None = None, problems: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    users = sorted(runtime().service.users(g.actor), key=lambda u: u.username)
    return (
        render_template(
            "admin/users.html",
            users=users,
            regimes=_regimes(),
            grouped=_grouped,
            chosen=_chosen,
            role_labels=_labels(),
            units=runtime().units(),
            values=values or {},
            problems=problems or {},
        ),
        status,
    )


def _labels() -> dict[str, Any]:
    """Label by grant, and by bare id for a legacy grant (the first roles file's label)."""
    labels: dict[str, Any] = {}
    for grant, label, _scope in _roles():
        labels[grant] = label
        labels.setdefault(grant.rpartition(":")[2], label)
    return labels


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
        if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
            problems["password"] = _("Mật khẩu cần từ %(n)d đến %(m)d ký tự.", n=PASSWORD_MIN, m=PASSWORD_MAX)
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


def _user_page(username: str, temporary: str | None = None) -> ResponseReturnValue:
    service = runtime().service
    try:
        user = service.user(g.actor, username)
    except NotFound:
        abort(404)
    return render_template(
        "admin/user.html",
        user=user,
        tokens=service.api_tokens(g.actor, username),
        now=service.now(),
        temporary=temporary,
        role_labels=_labels(),
        grouped=_grouped,
    )


@bp.get("/users/<username>")
@requires("administer")
def user(username: str) -> ResponseReturnValue:
    return _user_page(username)


def _account_change(username: str, change: Any, done: str) -> ResponseReturnValue:
    try:
        change(g.actor, username)
    except NotFound:
        abort(404)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.user", username=username))


@bp.post("/users/<username>/deactivate")
@requires("administer")
def deactivate_user(username: str) -> ResponseReturnValue:
    done = _(
        "Đã khoá %(name)s: các phiên đăng nhập đã kết thúc, mã truy cập API đã bị thu hồi.", name=username
    )
    return _account_change(username, runtime().service.deactivate_user, done)


@bp.post("/users/<username>/reactivate")
@requires("administer")
def reactivate_user(username: str) -> ResponseReturnValue:
    done = _("Đã mở khoá %(name)s. Các mã truy cập cũ vẫn bị thu hồi.", name=username)
    return _account_change(username, runtime().service.reactivate_user, done)


@bp.post("/users/<username>/reset-password")
@requires("administer")
def reset_password(username: str) -> ResponseReturnValue:
    try:
        temporary = runtime().service.reset_password(g.actor, username)
    except NotFound:
        abort(404)
    return _user_page(username, temporary=temporary)


@bp.post("/users/<username>/tokens/<int:token_id>/revoke")
@requires("administer")
def revoke_token(username: str, token_id: int) -> ResponseReturnValue:
    try:
        runtime().service.revoke_api_token(g.actor, token_id)
    except NotFound as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Đã thu hồi mã truy cập số %(id)d.", id=token_id), "success")
    return redirect(url_for("admin.user", username=username))
