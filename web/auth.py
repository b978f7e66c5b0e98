"""Sign-in, sign-out and the actor of each request.

The session cookie (signed with SECRET_KEY, HttpOnly, SameSite=Lax, Secure in
production) holds only the username; views get the actor from `g.actor`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from web.i18n import safe_next
from web.runtime import runtime
from web.security import LoginThrottle, rotate_csrf_token

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
_SESSION_USER = "user"


def client_address() -> str:
    # Behind a proxy, configure werkzeug's ProxyFix in the WSGI file; we trust only what it sets.
    return request.remote_addr or "unknown"


def throttle() -> LoginThrottle:
    found: LoginThrottle = current_app.extensions["ocopflow_throttle"]
    return found


class NoSession(NullSession):
    """The session of a bearer-token request: empty, never saved; writing to it is a bug."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Bearer-token routes (the API) have no cookie session.")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class PageSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for the pages; none under the bearer-token prefixes (the API).

    There a cookie must never authenticate, so none is read (no actor is loaded from it,
    no users-table read for a browser's stray cookie) and none is set; not opening it also
    saves ~25 us a call. The prefix is matched on the path because Flask opens the session
    before it matches the URL to a blueprint.
    """

    null_session_class = NoSession

    def __init__(self, token_prefixes: tuple[str, ...] = ()) -> None:
        self.token_prefixes = token_prefixes

    def _token_route(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.token_prefixes)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self._token_route(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)


def load_actor() -> None:
    """The signed-in actor, read again from the users table on every request so that a
    role change or a deactivation applies at once, not at the next sign-in."""
    g.actor = None
    g.user_name = ""
    if request.endpoint == "static":
        return
    username = session.get(_SESSION_USER)
    if not isinstance(username, str) or not username:
        return
    actor = runtime().service.actor_for_username(username)
    if actor is None:
        session.pop(_SESSION_USER, None)
        return
    g.actor = actor
    g.user_name = actor.display_name or actor.id


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.actor is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if g.actor is not None:
            return redirect(url_for("pages.home"))
        return render_template("login.html", next_url=request.args.get("next"))
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")[:200]
    next_url = request.form.get("next")
    address = client_address()
    locked = throttle().locked_for(username, address)
    if locked:
        minutes = max(1, (locked + 59) // 60)
        error = _("Quá nhiều lần đăng nhập sai. Hãy thử lại sau %(minutes)d phút.", minutes=minutes)
        return render_template("login.html", error=error, username=username, next_url=next_url), 429
    actor = runtime().service.authenticate(username, password) if username and password else None
    if actor is None:
        throttle().failed(username, address)
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return render_template("login.html", error=error, username=username, next_url=next_url), 401
    throttle().succeeded(username, address)
    lang = session.get("lang")
    session.clear()  # no session fixation: nothing from before sign-in survives but the language
    if lang:
        session["lang"] = lang
    session[_SESSION_USER] = actor.id
    session.permanent = False
    rotate_csrf_token()
    return redirect(safe_next(next_url))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))
