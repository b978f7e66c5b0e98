"""Language: Vietnamese by default, English by a switch kept in the session and a cookie.

Labels that come from the YAML are `Text` objects rendered with `tr`; the rest
of the interface goes through Flask-Babel, whose message ids are the
Vietnamese texts. The English catalog (translations/en/LC_MESSAGES/messages.po)
is compiled to .mo when the app starts if the .mo is missing or older.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel

from engine import numbers

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANG_COOKIE = "ocopflow_lang"
log = logging.getLogger(__name__)

bp = Blueprint("i18n", __name__)


def safe_next(target: str | None) -> str:
    """A path on this site to go back to; anything else (other sites, `//host`, `/\\host`) goes home."""
    if target and same_site_path(target):
        return target
    return url_for("pages.home")


def same_site_path(target: str) -> bool:
    """Whether a browser would read `target` as a path on this site.

    Checked on what a browser makes of it, not on the raw text: the URL parser of
    browsers drops tabs and newlines anywhere and reads a backslash as a slash, so
    `/<TAB>/evil.example` and `/\\evil.example` are `//evil.example`, another host.
    Any whitespace, control character or backslash is refused outright; what is left
    must have no scheme and no host and start with exactly one slash.
    """
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_language() -> str:
    languages = current_app.config["LANGUAGES"]
    # a page that is the same for everyone (the public trace page) takes its language from its URL
    lang = g.get("page_lang") or session.get("lang") or request.cookies.get(LANG_COOKIE)
    return str(lang) if lang in languages else str(current_app.config["DEFAULT_LANGUAGE"])


def tr(text: Any) -> str:
    """A YAML text in the current language (Vietnamese when English is missing)."""
    if text is None:
        return ""
    get = getattr(text, "get", None)
    if callable(get) and hasattr(text, "vi"):
        return str(get(current_language()))
    return str(text)


def number_text(value: Any, grouping: bool = True) -> str:
    """A number the way the reader's language writes it (1.200,5 / 1,200.5); text passes through."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return numbers.format_number(value, current_language(), grouping=grouping)


@bp.post("/lang/<lang>")
def switch(lang: str) -> ResponseReturnValue:
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_app.config["DEFAULT_LANGUAGE"]
    session["lang"] = lang
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def compile_catalogs(instance_dir: Path) -> Path:
    """Compile each messages.po to .mo; returns the directory Flask-Babel should read."""
    target_root = TRANSLATIONS
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            _write(po_path, mo_path)
        except OSError:
            # A read-only install: compile into the instance folder instead.
            target_root = instance_dir / "translations"
            break
    if target_root != TRANSLATIONS:
        for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
            _write(po_path, target_root / po_path.relative_to(TRANSLATIONS).with_suffix(".mo"))
    return target_root


def _write(po_path: Path, mo_path: Path) -> None:
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo_path.with_suffix(".mo.tmp")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog)
    tmp.replace(mo_path)


def init_i18n(app: Flask) -> None:
    directory = compile_catalogs(Path(app.config["INSTANCE_DIR"]))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    Babel(app, locale_selector=current_language)
    app.jinja_env.globals["tr"] = tr
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.filters["number"] = number_text
    app.register_blueprint(bp)
