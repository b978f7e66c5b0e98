"""Public certificate look-up (no sign-in): the page a certificate's QR code points to.

The QR's address carries the certificate's signed token (`?s=`, engine/certificate_signing.py);
the page checks its signature against this installation's keys, which are published at
/.well-known/ocopflow/keys.json, and says whether the certificate is genuine and still valid.
"""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.certificate_signing import MAX_TOKEN
from web.runtime import runtime

bp = Blueprint("certificates", __name__, url_prefix="/c")
well_known = Blueprint("well_known", __name__, url_prefix="/.well-known/ocopflow")


def public_url(number: str, token: str | None = None) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        path = url_for("certificates.show", number=number, s=token)
        return str(base).rstrip("/") + path
    return url_for("certificates.show", number=number, s=token, _external=True)


def qr_svg(url: str) -> str:
    # No title: the URL is shown as a link beside the code, escaped by the template.
    svg: str = segno.make(url, error="m").svg_inline(scale=4, border=2)
    return svg


@bp.get("/")
def lookup() -> ResponseReturnValue:
    number = request.args.get("number", "").strip()[:100]
    if number:
        return redirect(url_for("certificates.show", number=number))
    return render_template("certificate.html", verdict=None, certificate=None, number="", searched=False)


@bp.get("/<path:number>")
def show(number: str) -> ResponseReturnValue:
    number = number.strip()[:100]
    token = request.args.get("s", "")[: MAX_TOKEN + 1] or None
    verdict = runtime().service.certificate_signing.verify(token, number)
    status = 404 if verdict.certificate is None and verdict.genuine is not False else 200
    return (
        render_template(
            "certificate.html", verdict=verdict, certificate=verdict.certificate, number=number, searched=True
        ),
        status,
    )


@well_known.get("/keys.json")
def keys() -> ResponseReturnValue:
    """The public keys a certificate token may be signed with, by key id (rotation keeps old ones)."""
    response = jsonify(runtime().service.certificate_signing.published_keys())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
