"""GET /api/v1/public/products: the public catalogue as JSON (no token; same filters and paging as /p/)."""

from __future__ import annotations

from flask import Response, jsonify, request

from web.api import bp
from web.api.errors import ApiError
from web.runtime import runtime
from web.views.catalogue import cacheable, public_fields

MAX_PER_PAGE = 100


PARAMETERS = frozenset({"q", "province", "commune", "group", "stars", "page", "per_page"})


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:  # present but empty is not a number: refused below, as the document says
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ApiError(400, f"'{name}' must be a whole number from {low} to {high}.")
    return int(raw)


def _text_arg(name: str) -> str:
    value = request.args.get(name, "")
    if len(value) > 100:
        raise ApiError(400, f"'{name}' is longer than 100 characters.")
    return value.strip()


@bp.get("/public/products")
def public_products() -> Response:
    rt = runtime()
    unknown = sorted(set(request.args) - PARAMETERS)
    if unknown:  # a misspelt filter would otherwise list everything, as if it were honoured
        raise ApiError(400, f"Unknown query parameter '{unknown[0][:40]}'.")
    filters = {name: _text_arg(name) for name in ("q", "province", "commune", "group")}
    stars = _int_arg("stars", None, 0, 99)
    page = _int_arg("page", 1, 1, 10_000) or 1
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE) or 20
    found = rt.service.public_catalogue.products(
        q=filters["q"],
        province_code=filters["province"],
        commune_code=filters["commune"],
        product_group=filters["group"],
        stars=stars,
        page=page,
        per_page=per_page,
    )
    body = {
        "items": [public_fields(rt, p) for p in found.products],
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "pages": found.pages,
    }
    return cacheable(body, lambda: jsonify(body))
