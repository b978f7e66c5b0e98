"""Register routes: the registers, their records (list, create, read, edit) and a register's GeoJSON."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from engine.definitions.model import Field, Register, RegisterField
from web.api import bp
from web.api.auth import current_actor, field, json_body
from web.api.errors import ApiError
from web.api.serialize import plain
from web.runtime import runtime
from web.views.registers import geojson_response

MAX_ID = 2**63 - 1


def _register(register: str, actor: Any) -> Register:
    reg = runtime().catalog.registers.get(register)
    if reg is None or not runtime().service.may(actor, register, "view"):
        raise ApiError(404, f"Register {register!r} not found.", code="not_found")
    return reg


def _record_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(404, f"Record {raw!r} not found.", code="not_found")
    return int(raw)


def _field(f: Field) -> dict[str, Any]:
    data: dict[str, Any] = {"id": f.id, "type": f.type, "label": plain(f.label), "required": f.required}
    if f.options:
        data["options"] = [{"value": o.value, "label": plain(o.label)} for o in f.options]
    if not isinstance(f, RegisterField):
        return data  # a table's column
    data.update(public=f.public, filter=f.filter)
    if f.geometry:
        data["geometry"] = list(f.geometry)
    if f.columns:
        data["columns"] = [_field(c) for c in f.columns]
    if f.ref is not None:
        data["to"] = f.ref.register or f.ref.kind
        data["many"] = f.many
    return data


def _description(reg: Register, count: int | None = None, may_create: bool | None = None) -> dict[str, Any]:
    data = {"id": reg.id, "version": reg.version, "title": plain(reg.title), "code": bool(reg.code),
            "title_field": reg.title_field, "fields": [_field(f) for f in reg.fields]}  # fmt: skip
    if count is not None:
        data["count"] = count
    if may_create is not None:
        data["may_create"] = may_create
    return data


def _record(snapshot: Any) -> dict[str, Any]:
    data: dict[str, Any] = plain(snapshot)
    data["register"] = data.pop("register_id")
    return data


@bp.get("/registers")
def list_registers() -> Response:
    actor = current_actor()
    summaries = runtime().service.registers(actor)
    return jsonify({"items": [_description(s.register, s.count, s.may_create) for s in summaries]})


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(
            400, f"Query parameter '{name}' must be an integer from {low} to {high}.", parameter=name
        )
    return int(raw)


@bp.get("/registers/<register>/records")
def list_records(register: str) -> Response:
    actor = current_actor()
    reg = _register(register, actor)
    status = request.args.get("status", "active")
    if status not in ("active", "archived"):
        raise ApiError(400, "Query parameter 'status' must be 'active' or 'archived'.", parameter="status")
    filters = {}
    for name in (*(f.id for f in reg.filters), "province_code", "commune_code"):
        value = request.args.get(name, "")
        if len(value) > 200:
            raise ApiError(400, f"Query parameter '{name}' is too long.", parameter=name)
        if value:
            filters[name] = value
    q = request.args.get("q", "")
    if len(q) > 200:
        raise ApiError(400, "Query parameter 'q' is too long.", parameter="q")
    per_page = _int_arg("per_page", 50, 1, 200) or 50
    page = runtime().service.list_records(
        actor, reg.id, filters=filters, q=q or None, status=status, before=_int_arg("before", None, 1, MAX_ID),
        per_page=per_page,
    )  # fmt: skip
    return jsonify({"items": [_record(r) for r in page.items], "total": page.total, "per_page": per_page,
                    "next_before": page.next_before})  # fmt: skip


@bp.post("/registers/<register>/records")
def create_record(register: str) -> tuple[Response, int]:
    actor = current_actor()
    reg = _register(register, actor)
    values = field(json_body(), "values", dict, required=True)
    snapshot = runtime().service.create_record(actor, reg.id, values)
    return jsonify(_record(snapshot)), 201


@bp.get("/registers/<register>/records/<record_id>")
def get_record(register: str, record_id: str) -> Response:
    actor = current_actor()
    reg = _register(register, actor)
    snapshot, _ = runtime().service.get_record(actor, reg.id, _record_id(record_id))
    return jsonify(_record(snapshot))


@bp.put("/registers/<register>/records/<record_id>")
def update_record(register: str, record_id: str) -> Response:
    actor = current_actor()
    reg = _register(register, actor)
    ident = _record_id(record_id)
    data = json_body()
    values = field(data, "values", dict, required=True)
    expected = field(data, "expected_version", int)
    snapshot = runtime().service.update_record(actor, reg.id, ident, values, expected_version=expected)
    return jsonify(_record(snapshot))


@bp.get("/registers/<register>/records.geojson")
def records_geojson(register: str) -> Response:
    actor = current_actor()
    reg = _register(register, actor)
    return geojson_response(reg.id)


@bp.post("/registers/<register>/records.geojson")
def import_geojson(register: str) -> tuple[Response, int]:
    """A FeatureCollection in, one record per feature, all or nothing (422 naming features[n].field)."""
    actor = current_actor()
    reg = _register(register, actor)
    created = runtime().service.import_geojson(actor, reg.id, json_body())
    return jsonify({"items": [_record(r) for r in created]}), 201


@bp.get("/batches/<record_id>/epcis")
def batch_epcis(record_id: str) -> Response:
    """A batch's trace events as an EPCIS 2.0 JSON-LD EPCISDocument (issue 12 item 5)."""
    actor = current_actor()
    base = request.host_url.rstrip("/")
    document = runtime().service.trace.epcis(actor, _record_id(record_id), base=base)
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return response
