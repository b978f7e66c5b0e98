"""Registers: the list of registers, a register's records (filters, search, keyset pages), a record,
its create and edit forms (errors inline, input kept), archive/restore, history and GeoJSON export.

Everything on these pages is read from the register's YAML; nothing here names a register.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.definitions.model import Register, RegisterField
from engine.errors import Conflict, InvalidForm, NotFound, PermissionDenied
from engine.service.records import RecordSnapshot
from web.auth import login_required
from web.formdata import parse_field, shown_value
from web.i18n import current_language
from web.problems import error_text, field_problems
from web.runtime import runtime

bp = Blueprint("registers", __name__, url_prefix="/registers")
FORM = "r"  # the form id in the HTML names of a record's fields: f.r.<field>
EMPTY_ROWS = 3  # blank table rows offered on a form (no script needed to add rows)
REF_CHOICES = 300  # a reference to a register offers a list up to this many records, else a box for ids
MAX_ID = 2**63 - 1


def _register(register_id: str) -> Register:
    reg = runtime().catalog.registers.get(register_id)
    if reg is None or not runtime().service.may(g.actor, register_id, "view"):
        abort(404)
    return reg


def _record_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return render_template("registers/index.html", summaries=runtime().service.registers(g.actor))


@bp.get("/<register_id>")
@login_required
def records(register_id: str) -> ResponseReturnValue:
    reg = _register(register_id)
    args = {k: request.args.get(k, "").strip()[:200] for k in ("q", "status", *(f.id for f in reg.filters))}
    status = args["status"] if args["status"] in ("active", "archived") else "active"
    before = request.args.get("before", "")
    page = runtime().service.list_records(
        g.actor, reg.id, filters={f.id: args[f.id] for f in reg.filters}, q=args["q"] or None, status=status,
        before=int(before) if before.isdigit() and int(before) <= MAX_ID else None, per_page=50,
    )  # fmt: skip
    query: dict[str, Any] = {k: v for k, v in args.items() if v}
    return render_template(
        "registers/list.html", reg=reg, page=page, args=args, status=status,
        next_url=url_for("registers.records", **{**query, "register_id": reg.id, "before": page.next_before})
        if page.next_before else None,
        first_url=url_for("registers.records", **{**query, "register_id": reg.id}) if before else None,
        choices={f.id: _choices(reg, f) for f in reg.filters}, shown=lambda r, fid: display(reg, r, fid),
        may_create=runtime().service.may(g.actor, reg.id, "create"),
        ref_titles=runtime().service.ref_titles(g.actor, reg, page.items),
    )  # fmt: skip


@bp.get("/<register_id>/<record_id>")
@login_required
def detail(register_id: str, record_id: str) -> ResponseReturnValue:
    _register(register_id)
    record, pinned = runtime().service.get_record(g.actor, register_id, _record_id(record_id))
    service = runtime().service
    return render_template(
        "registers/detail.html", reg=pinned, record=record, shown=lambda fid: display(pinned, record, fid),
        may_edit=record.status == "active" and service.may(g.actor, register_id, "edit", record),
        may_archive=service.may(g.actor, register_id, "archive", record),
        history=service.record_history(g.actor, register_id, record.id),
        ref_titles=service.ref_titles(g.actor, pinned, [record]),
    )  # fmt: skip


@bp.route("/<register_id>/new", methods=["GET", "POST"])
@login_required
def new(register_id: str) -> ResponseReturnValue:
    reg = _register(register_id)
    service = runtime().service
    if not service.may(g.actor, reg.id, "create"):
        abort(403)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = parse_record(reg, request.form)
        try:
            record = service.create_record(g.actor, reg.id, values, locale=current_language())
        except (InvalidForm, NotFound, PermissionDenied, Conflict) as exc:
            errors = _errors(exc)
        else:
            flash(_("Đã lưu bản ghi %(code)s.", code=record.code or record.title), "success")
            return redirect(url_for("registers.detail", register_id=reg.id, record_id=record.id))
    return _form(reg, values, errors, None, status=422 if errors else 200)


@bp.route("/<register_id>/<record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(register_id: str, record_id: str) -> ResponseReturnValue:
    _register(register_id)
    service = runtime().service
    record, pinned = service.get_record(g.actor, register_id, _record_id(record_id))
    if record.status != "active" or not service.may(g.actor, register_id, "edit", record):
        abort(403)
    values: dict[str, Any] = dict(record.values)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = parse_record(pinned, request.form)
        version = request.form.get("expected_version", "")
        try:
            saved = service.update_record(g.actor, register_id, record.id, values,
                                          expected_version=int(version) if version.isdigit() else None,
                                          locale=current_language())  # fmt: skip
        except (InvalidForm, NotFound, PermissionDenied, Conflict) as exc:
            errors = _errors(exc)
        else:
            flash(_("Đã lưu bản ghi %(code)s.", code=saved.code or saved.title), "success")
            return redirect(url_for("registers.detail", register_id=register_id, record_id=saved.id))
    status = 409 if errors.get("_code") == "record.stale" else 422 if errors else 200
    return _form(pinned, values, errors, record, status=status)


@bp.post("/<register_id>/visible")
@login_required
def visible(register_id: str) -> ResponseReturnValue:
    """Which fields show for what has been typed so far (web/static/forms.js asks on each change)."""
    reg = _register(register_id)
    values = {k: v for k, v in parse_record(reg, request.form).items() if v not in (None, "", [])}
    return {"visible": runtime().service.visible_fields(reg, values)}


@bp.post("/<register_id>/<record_id>/<any(archive, restore):action>")
@login_required
def set_status(register_id: str, record_id: str, action: str) -> ResponseReturnValue:
    _register(register_id)
    version = request.form.get("expected_version", "")
    try:
        runtime().service.set_record_status(
            g.actor, register_id, _record_id(record_id), "archived" if action == "archive" else "active",
            expected_version=int(version) if version.isdigit() else None,
        )  # fmt: skip
    except (PermissionDenied, Conflict) as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Đã lưu trữ bản ghi.") if action == "archive" else _("Đã khôi phục bản ghi."), "success")
    return redirect(url_for("registers.detail", register_id=register_id, record_id=record_id))


@bp.get("/<register_id>/map")
@login_required
def map_page(register_id: str) -> ResponseReturnValue:
    reg = _register(register_id)
    if reg.geometry_field is None:
        abort(404)
    return render_template("registers/map.html", reg=reg, tiles=current_app.config.get("MAP_TILES") or "",
                           attribution=current_app.config.get("MAP_ATTRIBUTION") or "",
                           may_create=runtime().service.may(g.actor, reg.id, "create"))  # fmt: skip


@bp.route("/<register_id>/import", methods=["GET", "POST"])
@login_required
def import_page(register_id: str) -> ResponseReturnValue:
    """Upload a GeoJSON FeatureCollection: one record per feature, all or nothing."""
    reg = _register(register_id)
    if reg.geometry_field is None or not runtime().service.may(g.actor, reg.id, "create"):
        abort(404 if reg.geometry_field is None else 403)
    problems: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            collection = json.loads(upload.read()) if upload else None
        except ValueError:
            collection = None
        if collection is None:
            problems = {"file": _("Tệp không phải GeoJSON (JSON).")}
        else:
            try:
                created = runtime().service.import_geojson(g.actor, reg.id, collection)
            except (InvalidForm, PermissionDenied) as exc:
                problems = (
                    field_problems(exc.problems)
                    if isinstance(exc, InvalidForm)
                    else {"file": error_text(exc)}
                )
            else:
                flash(_("Đã nhập %(n)d bản ghi.", n=len(created)), "success")
                return redirect(url_for("registers.records", register_id=reg.id))
    body = render_template("registers/import.html", reg=reg, problems=problems)
    return body, 422 if problems else 200


@bp.get("/<register_id>/export.geojson")
@login_required
def export(register_id: str) -> ResponseReturnValue:
    reg = _register(register_id)
    return geojson_response(reg.id)


def geojson_response(register_id: str) -> Response:
    """A FeatureCollection streamed feature by feature (a large register is never held in memory)."""
    features = runtime().service.iter_geojson(g.get("api_actor") or g.actor, register_id)

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        for i, feature in enumerate(features):
            yield ("," if i else "") + json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        yield "]}"

    response = Response(stream_with_context(chunks()), mimetype="application/geo+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{register_id}.geojson"'
    return response


# --- form helpers -------------------------------------------------------------------


def parse_record(reg: Register, data: MultiDict[str, str]) -> dict[str, Any]:
    """The record's values from a form post; what does not convert is passed on as typed."""
    values: dict[str, Any] = {}
    for f in reg.fields:
        name = f"f.{FORM}.{f.id}"
        if f.type == "geometry":
            raw = data.get(name, "").strip()
            values[f.id] = raw or None
        elif f.type == "table":
            values[f.id] = _parse_table(f, data)
        elif f.type == "ref":
            picked = [v.strip() for v in data.getlist(name) for v in v.split(",") if v.strip()]
            values[f.id] = (picked or None) if f.many else (picked[0] if picked else None)
        else:
            values[f.id] = parse_field(f, data, FORM, current_language())
    return values


def _parse_table(f: RegisterField, data: MultiDict[str, str]) -> list[dict[str, Any]] | None:
    rows: list[dict[str, Any]] = []
    for i in range(
        int(data.get(f"t.{f.id}.rows", "0") or 0) if data.get(f"t.{f.id}.rows", "").isdigit() else 0
    ):
        if i >= (f.max_rows or 500) + EMPTY_ROWS:
            break
        row = {c.id: parse_field(c, data, f"{FORM}.{f.id}.{i}", current_language()) for c in f.columns}
        rows.append({k: v for k, v in row.items() if v not in (None, "", [])})
    kept = [r for r in rows if r]
    return kept or None


def _errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, InvalidForm):
        return {**field_problems(exc.problems), "_": error_text(exc)}
    if isinstance(exc, NotFound) and "problems" in exc.details:
        return {**field_problems(exc.details["problems"]), "_": error_text(exc)}
    assert isinstance(exc, NotFound | PermissionDenied | Conflict)
    return {"_": error_text(exc), "_code": exc.message_code or ""}


def _form(reg: Register, values: dict[str, Any], errors: dict[str, str], record: RecordSnapshot | None,
          status: int) -> ResponseReturnValue:  # fmt: skip
    service = runtime().service
    units = service.units_of(reg)
    locale = current_language()
    shown: dict[str, Any] = {}
    for f in reg.fields:
        value = values.get(f.id)
        if f.type == "geometry":
            shown[f.id] = value if isinstance(value, str) else (json.dumps(value) if value else "")
        elif f.type == "table":
            rows = value if isinstance(value, list) else []
            shown[f.id] = [
                {c.id: shown_value(c, r.get(c.id), locale) for c in f.columns}
                for r in rows
                if isinstance(r, dict)
            ]
            shown[f.id] += [
                {c.id: shown_value(c, None, locale) for c in f.columns} for _ in range(EMPTY_ROWS)
            ]
        elif f.type == "ref":
            items = value if isinstance(value, list) else [] if value is None else [value]
            shown[f.id] = [str(v) for v in items]
        else:
            shown[f.id] = shown_value(f, value, locale)
    body = render_template(
        "registers/form.html", reg=reg, record=record, shown=shown, errors=errors,
        units=sorted(units.units.values(), key=lambda u: (u.parent or "", u.name)) if units else [],
        refs={f.id: _ref_choices(f) for f in reg.fields if f.type == "ref"}, last_level=None,
        tiles=current_app.config.get("MAP_TILES") or "",
    )  # fmt: skip
    return body, status


def _ref_choices(f: RegisterField) -> list[tuple[str, str]] | None:
    """The records a reference to a register may pick (None: too many, or not a register: type the ids)."""
    if f.ref is None or f.ref.kind != "register" or not f.ref.register:
        return None
    service = runtime().service
    if not service.may(g.actor, f.ref.register, "view"):
        return []
    page = service.list_records(g.actor, f.ref.register, per_page=REF_CHOICES)
    if page.next_before is not None:
        return None
    return [(str(r.id), f"{r.title}{' · ' + r.code if r.code else ''}") for r in page.items]


def _choices(reg: Register, f: RegisterField) -> list[tuple[str, str]]:
    if f.type in ("choice", "multi_choice"):
        return [(o.value, _tr(o.label)) for o in f.options]
    if f.type == "yes_no":
        return [("yes", _("Có")), ("no", _("Không"))]
    if f.type == "admin_unit":
        units = runtime().service.units_of(reg)
        return sorted(((u.code, u.name) for u in units.units.values() if not f.level or u.level == f.level),
                      key=lambda kv: kv[1]) if units else []  # fmt: skip
    return _ref_choices(f) or []


def _tr(text: Any) -> str:
    from web.i18n import tr

    return tr(text)


def display(reg: Register, record: RecordSnapshot, field_id: str) -> Any:
    """A field's value as a reader sees it: option labels, unit names, Có/Không; lists joined.
    Tables, shapes and references are rendered by the template (they are not one text)."""
    f = reg.field(field_id)
    value = record.values.get(field_id)
    if f is None or value is None or value == [] or value == "":
        return ""
    if f.type == "choice":
        return next((_tr(o.label) for o in f.options if o.value == value), str(value))
    if f.type == "multi_choice":
        labels = {o.value: _tr(o.label) for o in f.options}
        return ", ".join(labels.get(v, str(v)) for v in value)
    if f.type == "yes_no":
        return _("Có") if value is True else _("Không")
    if f.type == "admin_unit":
        return runtime().unit_name(str(value))
    if f.type == "date":
        parts = str(value).split("-")
        return "/".join(reversed(parts)) if len(parts) == 3 else str(value)
    return value
