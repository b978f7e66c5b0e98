"""Public certificate look-up (no sign-in): the page a certificate's QR code points to."""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import NotFound
from web.runtime import runtime

bp = Blueprint("certificates", __name__, url_prefix="/c")


def public_url(number: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("certificates.show", number=number)
    return base.rstrip("/") + path if base else url_for("certificates.show", number=number, _external=True)


def qr_svg(url: str) -> str:
    # No title: the URL is shown as a link beside the code, escaped by the template.
    svg: str = segno.make(url, error="m").svg_inline(scale=4, border=2)
    return svg


@bp.get("/")
def lookup() -> ResponseReturnValue:
    number = request.args.get("number", "").strip()[:100]
    if number:
        return redirect(url_for("certificates.show", number=number))
    return render_template("certificate.html", certificate=None, number="", searched=False)


@bp.get("/<path:number>")
def show(number: str) -> ResponseReturnValue:
    number = number.strip()[:100]
    try:
        certificate = runtime().service.certificate_by_number(number)
    except NotFound:
        return render_template("certificate.html", certificate=None, number=number, searched=True), 404
    return render_template("certificate.html", certificate=certificate, number=number, searched=True)
