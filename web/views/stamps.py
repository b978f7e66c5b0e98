"""QR stamp sheets of a batch and its public page's scans (`service.stamps` decides; this draws).

/stamps/<register>/<record> shows the batch's public address, the print form and the scans a day;
its POST answers the A4 PDF of the sheet (web/stamp_sheet.py). `init_scans` counts each visit of the
public trace page (/t/…) and limits a flood from one client: over SCAN_MAX_PER_MINUTE in a minute, the
client gets 429 and its visits stop counting. The window's key is a keyed hash of the address, never
the address, and ends with its minute; the counts keep no trace of the visitor.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import Blueprint, Flask, Response, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from limits import RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import Conflict, InvalidForm
from web import stamp_sheet
from web.auth import client_address, login_required
from web.i18n import current_language
from web.runtime import runtime

bp = Blueprint("stamps", __name__, url_prefix="/stamps")

SCAN_WINDOW_SECONDS = 60
COUNTED_ENDPOINTS = frozenset(
    {"trace.show"}
)  # the public trace page of a batch (its view args: product_code, lot)


def batch_address(product_code: str, lot: str) -> str:
    """The public address of a batch, as the trace page is routed, on PUBLIC_BASE_URL when set."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for("trace.show", product_code=product_code, lot=lot)
    return url_for("trace.show", product_code=product_code, lot=lot, _external=True)


def _page(
    register_id: str, record_id: int, *, quantity: str = "", error: str = "", status: int = 200
) -> Response:
    rt = runtime()
    record, pinned = rt.service.get_record(g.actor, register_id, record_id)  # 404 outside the scope
    layout = rt.service.stamps.layout(register_id)
    report = rt.service.stamps.scans(g.actor, register_id, record_id)
    address = None
    try:
        address = _address_of(register_id, record_id)
    except Conflict as exc:
        error = error or exc.text.get(current_language())
    body = render_template(
        "stamps/batch.html", reg=pinned, record=record, layout=layout, report=report, address=address,
        may_print=rt.service.stamps.may_print(g.actor, register_id, record_id), quantity=quantity or str(layout.per_page),
        error=error,
    )  # fmt: skip
    return current_app.make_response((body, status))


def _address_of(register_id: str, record_id: int) -> str:
    """The batch's public address, without printing (nothing audited)."""
    product_code, lot = runtime().service.stamps.address(g.actor, register_id, record_id)
    return batch_address(product_code, lot)


@bp.get("/<register_id>/")
@login_required
def batches(register_id: str) -> ResponseReturnValue:
    """The reader's batches (newest first, one page) with their scans over the last 30 days."""
    rt = runtime()
    layout = rt.service.stamps.layout(register_id)  # 404 for a register without stamps
    page = rt.service.list_records(g.actor, register_id, per_page=50)
    totals = rt.service.stamps.scan_totals(g.actor, register_id, [r.id for r in page.items])
    reg = rt.service.register(register_id)
    return render_template("stamps/batches.html", reg=reg, page=page, totals=totals, layout=layout)


@bp.get("/<register_id>/<int:record_id>")
@login_required
def batch(register_id: str, record_id: int) -> ResponseReturnValue:
    return _page(register_id, record_id)


@bp.post("/<register_id>/<int:record_id>/sheet.pdf")
@login_required
def sheet(register_id: str, record_id: int) -> ResponseReturnValue:
    quantity = request.form.get("quantity", "").strip()[:20]
    try:
        printed = runtime().service.stamps.print_sheet(
            g.actor, register_id, record_id, quantity, locale=current_language()
        )
    except InvalidForm as exc:
        problem = exc.problems.get("quantity")
        text = problem.get(current_language()) if problem is not None else exc.text.get(current_language())
        return _page(register_id, record_id, quantity=quantity, error=text, status=422)
    body = stamp_sheet.draw(printed, batch_address(printed.product_code, printed.lot))
    filename = "tem-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in printed.lot) + ".pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- counting the public page's scans --------------------------------------------------------


def _scan_key() -> str:
    """The client's window key: a keyed hash of its address (the address itself is never stored)."""
    secret = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, client_address().encode(), hashlib.sha256).hexdigest()[:32]


def _scan_gate() -> ResponseReturnValue | None:
    if request.endpoint not in COUNTED_ENDPOINTS or request.method not in ("GET", "HEAD"):
        return None
    lang = request.args.get("lang", "")
    g.page_lang = lang if lang in current_app.config["LANGUAGES"] else current_app.config["DEFAULT_LANGUAGE"]
    limiter: FixedWindowRateLimiter = current_app.extensions["ocopflow_scan_limiter"]
    item = RateLimitItemPerSecond(
        int(current_app.config["SCAN_MAX_PER_MINUTE"]), SCAN_WINDOW_SECONDS, namespace="SCAN"
    )
    key = _scan_key()
    if limiter.hit(item, key):
        g.scan_counted = True
        return None
    wait = max(1, math.ceil(limiter.get_window_stats(item, key).reset_time - time.time()))
    body = render_template(
        "stamps/too_many.html", wait=wait, other_lang="en" if current_language() == "vi" else "vi",
        other_url=request.path + ("?lang=en" if current_language() == "vi" else ""),
    )  # fmt: skip
    response = current_app.make_response((body, 429))
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response


def _count_scan(response: Response) -> Response:
    if g.get("scan_counted") and response.status_code in (200, 304):
        args = request.view_args or {}
        try:
            runtime().service.stamps.count_scan(str(args.get("product_code", "")), str(args.get("lot", "")))
        except SQLAlchemyError:  # a count that cannot be written does not take the page away from the reader
            current_app.logger.exception("scan not counted")
    return response


def init_scans(app: Flask) -> None:
    """Count the public trace page's visits and refuse floods, in the sign-in throttle's store."""
    app.config.setdefault("SCAN_MAX_PER_MINUTE", 30)
    app.extensions["ocopflow_scan_limiter"] = FixedWindowRateLimiter(
        app.extensions["ocopflow_throttle"].storage
    )
    app.before_request(_scan_gate)
    app.after_request(_count_scan)
