"""Sign-in, sign-out and the actor of each request.

The session cookie (signed with SECRET_KEY, HttpOnly, SameSite=Lax, Secure in
production) holds a random session key; the session itself lives in the database
(engine/service/credentials.py), so a sign-out, a deactivation or a password reset ends
it for every copy of the cookie, and it times out after SESSION_IDLE_MINUTES without a
request or SESSION_MAX_HOURS after sign-in. Views get the actor from `g.actor`.
"""

from __future__ import annotations

import datetime as dt
import time
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

from web.caching import is_stateless
from web.i18n import safe_next
from web.runtime import runtime
from web.security import rotate_csrf_token
from web.throttle import LoginThrottle

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
_SESSION_KEY = "sid"
_PENDING = "signin_pending"  # a right password waiting for its one-time code
_PENDING_SECONDS = 300
# What a user who must change their password may still open.
_WHILE_CHANGING = frozenset({"account.password", "auth.logout", "i18n.switch", "static"})


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


def load_actor() -> ResponseReturnValue | None:
    """The signed-in actor, read again from the database on every request so that a sign-out,
    a deactivation or a role change applies at once, not at the next sign-in."""
    g.actor = None
    g.user_name = ""
    g.must_change_password = False
    if request.endpoint == "static" or is_stateless(request.endpoint):
        return None  # a page the same for everyone (web/caching.py): who asks is not read
    key = session.get(_SESSION_KEY)
    if not isinstance(key, str) or not key:
        return None
    found = runtime().service.session_actor(key, **_timeouts())
    if found is None:
        session.pop(_SESSION_KEY, None)
        return None
    g.actor = found.actor
    g.user_name = found.actor.display_name or found.actor.id
    g.must_change_password = found.must_change_password
    if found.must_change_password and request.endpoint not in _WHILE_CHANGING:
        return redirect(url_for("account.password"))
    return None


def _timeouts() -> dict[str, dt.timedelta]:
    cfg = current_app.config
    return {
        "idle": dt.timedelta(minutes=float(cfg["SESSION_IDLE_MINUTES"])),
        "absolute": dt.timedelta(hours=float(cfg["SESSION_MAX_HOURS"])),
    }


def session_key() -> str:
    key = session.get(_SESSION_KEY)
    return key if isinstance(key, str) else ""


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
    signed = runtime().service.sign_in(username, password) if username and password else None
    if signed is None:
        throttle().failed(username, address)
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return render_template("login.html", error=error, username=username, next_url=next_url), 401
    _fresh_session()
    if signed.second_factor:
        # the password was right; the account's failure window is cleared only after the code,
        # or a known password would buy endless code guesses
        session[_PENDING] = {"user": signed.actor.id, "at": time.time(), "next": next_url or ""}
        return redirect(url_for("auth.second_factor"))
    throttle().succeeded(username, address)
    return _signed_in(signed.actor, signed.must_change_password, next_url)


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()  # no session fixation: nothing from before sign-in survives but the language
    if lang:
        session["lang"] = lang
    session.permanent = False
    rotate_csrf_token()


def _signed_in(actor: Any, must_change_password: bool, next_url: str | None) -> ResponseReturnValue:
    session[_SESSION_KEY] = runtime().service.start_session(actor, **_timeouts())
    if must_change_password:
        return redirect(url_for("account.password"))
    return redirect(safe_next(next_url))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    """The sign-in's second step for people with a one-time code app (engine/service/totp.py)."""
    pending = session.get(_PENDING)
    fresh = isinstance(pending, dict) and time.time() - float(pending.get("at", 0)) < _PENDING_SECONDS
    if not fresh or not isinstance(pending, dict):
        session.pop(_PENDING, None)
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("login_code.html")
    username, address = str(pending["user"]), client_address()
    locked = throttle().locked_for(username, address)
    if locked:
        minutes = max(1, (locked + 59) // 60)
        error = _("Quá nhiều lần đăng nhập sai. Hãy thử lại sau %(minutes)d phút.", minutes=minutes)
        return render_template("login_code.html", error=error), 429
    actor = runtime().service.verify_totp(username, request.form.get("code", "")[:20])
    if actor is None:
        throttle().failed(username, address)
        return render_template(
            "login_code.html", error=_("Mã xác thực không đúng, hết hạn hoặc đã dùng.")
        ), 401
    throttle().succeeded(username, address)
    next_url = str(pending.get("next") or "")
    _fresh_session()
    return _signed_in(actor, False, next_url)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    runtime().service.end_session(session_key())
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))
