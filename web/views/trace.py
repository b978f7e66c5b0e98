"""The public trace page of a batch (no sign-in), at a GS1 Digital Link-shaped address:
/t/{product code}/10/{lot} (AI 10: batch or lot). What it shows is the engine's answer
(`service.trace.public_batch`): public fields only, no people.

The page is the same for everyone who opens its URL (its language is in the URL, `?lang=en`), so
it carries an ETag and may be kept by a shared cache (a CDN carrying a rush of scans); it renders no
session, CSRF token or sign-in bar, and does not even read the session (`web.caching.stateless`): no
`Vary: Cookie`, no `Set-Cookie`, whoever asks.

The GS1 Digital Link address the EPCIS export and a QR code carry, /01/{product code}/10/{lot}
(`engine.epcis.class_uri`), answers with a permanent redirect to the same page.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.service.trace import PublicBatch, PublicValue
from web.caching import guard_shared_cache, stateless
from web.i18n import number_text, tr
from web.runtime import runtime

bp = Blueprint("trace", __name__, url_prefix="/t")
bp.after_request(guard_shared_cache)
digital_link = Blueprint("digital_link", __name__)
digital_link.after_request(guard_shared_cache)

MAX_AGE = 300  # seconds a shared cache may keep the page; a new event shows within five minutes


def shown(pv: PublicValue) -> str:
    """A public value as a reader sees it: option labels, unit names, dates dd/mm/yyyy, numbers."""
    f, v = pv.field, pv.value
    if pv.ref_title is not None:
        return pv.ref_title
    if f.type == "choice":
        return next((tr(o.label) for o in f.options if o.value == v), str(v))
    if f.type == "multi_choice" and isinstance(v, list):
        labels = {o.value: tr(o.label) for o in f.options}
        return ", ".join(labels.get(x, str(x)) for x in v)
    if f.type == "yes_no":
        return str(_("Có") if v is True else _("Không"))
    if f.type == "admin_unit":
        return runtime().unit_name(str(v))
    if f.type == "date":
        parts = str(v).split("-")
        return "/".join(reversed(parts)) if len(parts) == 3 else str(v)
    if f.type == "number":
        return number_text(v)
    return str(v)


def zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def local(moment: dt.datetime) -> dt.datetime:
    """A stored time (UTC, naive) in the installation's zone (TIMEZONE): the day a reader means."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(zone())


def _places_json(batch: PublicBatch) -> str:
    shapes = [{"type": "Feature", "geometry": p.geometry, "properties": {"title": p.title}}
              for p in batch.places if p.geometry]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": shapes}, ensure_ascii=False) if shapes else ""


@digital_link.get("/01/<product_code>/10/<lot>")
@stateless
def resolve(product_code: str, lot: str) -> ResponseReturnValue:
    """GS1 Digital Link (AI 01 where the product code stands, AI 10 the lot) -> the trace page."""
    lang = request.args.get("lang", "")
    query: dict[str, Any] = {"lang": lang} if lang in current_app.config["LANGUAGES"] else {}
    response = redirect(url_for("trace.show", product_code=product_code[:100], lot=lot[:100], **query), 301)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/<product_code>/10/<lot>")
@stateless
def show(product_code: str, lot: str) -> ResponseReturnValue:
    lang = request.args.get("lang", "")
    g.page_lang = lang if lang in current_app.config["LANGUAGES"] else current_app.config["DEFAULT_LANGUAGE"]
    product_code, lot = product_code[:100], lot[:100]
    try:
        batch = runtime().service.trace.public_batch(product_code, lot)
    except NotFound as exc:
        reason = str(exc.details.get("reason", "lot"))
        body = render_template(
            "trace/missing.html", product_code=product_code, lot=lot, reason=reason, **_langs()
        )
        response = current_app.make_response((body, 404))
        response.headers["Cache-Control"] = "public, max-age=60"
        return response
    etag = f"{batch.etag}-{g.page_lang}"
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.make_response(render_template(
            "trace/batch.html", b=batch, shown=shown, local=local, places=_places_json(batch),
            tiles=current_app.config.get("MAP_TILES") or "", attribution=current_app.config.get("MAP_ATTRIBUTION") or "",
            **_langs()))  # fmt: skip
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _langs() -> dict[str, Any]:
    """The other language's link: the same address with (or without) ?lang=en."""
    other = "en" if g.page_lang == "vi" else "vi"
    default = current_app.config["DEFAULT_LANGUAGE"]
    query: dict[str, Any] = dict(request.view_args or {})
    if other != default:
        query["lang"] = other
    return {
        "other_lang": other,
        "other_url": url_for(request.endpoint or "trace.show", **query),
    }
