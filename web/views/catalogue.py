"""The public catalogue of OCOP products (no sign-in): /p/ lists the products whose certificate is
valid today (the engine decides which: service.public_catalogue), /p/<product code> shows one.

Answers carry an ETag made from the data shown and the language, and are cacheable; a repeat
request with If-None-Match gets 304 before any page is rendered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from web.i18n import current_language, tr
from web.runtime import Runtime, runtime
from web.views.certificates import public_url
from web.views.listing import filter_choices
from web.views.trace import shown

bp = Blueprint("catalogue", __name__, url_prefix="/p")

PER_PAGE = 20
MAX_AGE = 300


def group_labels(rt: Runtime) -> dict[str, str]:
    return {
        gid: tr(label) for wf in rt.catalog.workflows.values() for gid, label in wf.product_groups.items()
    }


def area_filter(rt: Runtime, code: str) -> dict[str, str]:
    """A unit code picked in the one "area" list: a province's code filters provinces, others communes."""
    if not code:
        return {}
    unit = next((s.units[code] for s in rt.catalog.units.values() if code in s.units), None)
    if unit is None:
        return {"commune_code": "\x00none"}
    return {"province_code": code} if unit.parent is None else {"commune_code": code}


def public_fields(rt: Runtime, product: Any) -> dict[str, Any]:
    """What the catalogue publishes of a product: no person, nothing from the dossier's forms."""
    c = product.certificate
    return {
        "product_code": product.product_code,
        "product_name": product.product_name,
        "producer": product.producer_org,
        "product_group": product.product_group,
        "product_group_label": group_labels(rt).get(product.product_group, product.product_group),
        "province_code": product.province_code,
        "province": rt.unit_name(product.province_code),
        "commune_code": product.commune_code,
        "commune": rt.unit_name(product.commune_code),
        "stars": c.stars,
        "certificate": {
            "number": c.number,
            "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat(),
            "status": c.status,
        },
    }


def cacheable(data: Any, render: Callable[[], ResponseReturnValue]) -> Response:
    """304 when the client's ETag matches `data` in this language, else the rendered answer."""
    digest = hashlib.sha256(
        json.dumps([current_language(), data], sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    response = Response(status=304) if digest in request.if_none_match else make_response(render())
    response.set_etag(digest)
    if g.get("actor") is None and g.get("api_actor") is None:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def clean_int(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return None
    number = int(value)
    return number if low <= number <= high else None


@bp.get("/")
def index() -> ResponseReturnValue:
    rt = runtime()
    args = {name: request.args.get(name, "").strip()[:100] for name in ("q", "area", "group", "stars")}
    page_number = clean_int(request.args.get("page", "1"), 1, 10_000) or 1
    found = rt.service.public_catalogue.products(
        q=args["q"],
        product_group=args["group"],
        stars=clean_int(args["stars"], 0, 99),
        page=page_number,
        per_page=PER_PAGE,
        **area_filter(rt, args["area"]),
    )
    items = [public_fields(rt, p) for p in found.products]
    choices = filter_choices(rt)

    def page_url(n: int) -> str:
        values: dict[str, Any] = {k: v for k, v in args.items() if v}
        return url_for("catalogue.index", **values, page=n)

    return cacheable(
        [args, found.page, found.total, items],
        lambda: render_template(
            "catalogue.html", args=args, found=found, items=items, choices=choices, page_url=page_url
        ),
    )


@bp.get("/<path:product_code>")
def product(product_code: str) -> ResponseReturnValue:
    rt = runtime()
    found = rt.service.public_catalogue.product(product_code.strip()[:100])
    if found is None:
        return render_template("catalogue_product.html", item=None, code=product_code[:100]), 404
    item = public_fields(rt, found)
    token = rt.service.certificate_signing.token(found.certificate)
    item["certificate"]["address"] = public_url(found.certificate.number, token)
    listings = rt.service.public_catalogue.listings(found)
    points = [{"type": "Feature", "geometry": p.point, "properties": {"title": p.title}}
              for listing in listings for p in listing.places if p.point]  # fmt: skip
    places = (
        json.dumps({"type": "FeatureCollection", "features": points}, ensure_ascii=False) if points else ""
    )
    shown_listings = [[tr(x.heading), [[p.title, [[tr(v.field.label), shown(v)] for v in p.values]] for p in x.places]]
                      for x in listings]  # fmt: skip
    return cacheable(
        [item, shown_listings, places],
        lambda: render_template(
            "catalogue_product.html",
            item=item,
            code=found.product_code,
            listings=listings,
            shown=shown,
            places=places,
            tiles=current_app.config.get("MAP_TILES") or "",
            attribution=current_app.config.get("MAP_ATTRIBUTION") or "",
        ),
    )
