"""The `register` kind: semantic checks, the frozen model and the checks across files.

A register describes records kept beside the dossiers (producer organisations,
products, growing areas …). The loader reaches it through three entries —
`check_register`, `build_register`, `cross_check` — so another loader (stored
definition bundles) can carry the kind by the same names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine import limits
from engine.definitions import build
from engine.definitions import model as m
from engine.definitions.build import maybe_text, text
from engine.definitions.checks import Ref, _check_field, duplicates
from engine.definitions.expression_checks import attribute_refs, check_expression
from engine.definitions.yamlread import Finding, Path

# Names a record's code template may use.
CODE_NAMES = frozenset({"record", "sequence", "year", "province_code", "commune_code"})
STAMP_QR_MIN = 15.0  # mm: a smaller code is hard to read with a phone held at arm's length
FILTERABLE = ("choice", "multi_choice", "yes_no", "admin_unit", "ref")


def check_register(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    fields = data["fields"]
    yield from duplicates(((f["id"], ("fields", i, "id")) for i, f in enumerate(fields)), "field")
    by_id = {f["id"]: f for f in fields}
    known = sorted(by_id)
    for i, f in enumerate(fields):
        yield from _register_field(f, ("fields", i), known, refs)
    area = by_id.get(data["area"])
    if area is None or area["type"] != "admin_unit":
        yield Finding("E260", ("area",), {"id": data["area"], "known": sorted(k for k, f in by_id.items()
                                                                                 if f["type"] == "admin_unit")})  # fmt: skip
    named: list[tuple[str, Path]] = [(data["title_field"], ("title_field",))]
    named += [(fid, ("list", i)) for i, fid in enumerate(data.get("list", []))]
    for fid, path in named:
        if fid not in by_id:
            yield Finding("E261", path, {"id": fid, "known": known})
    geometries = [i for i, f in enumerate(fields) if f["type"] == "geometry"]
    for i in geometries[1:]:
        yield Finding(
            "E262", ("fields", i, "type"), {"id": fields[i]["id"], "first": fields[geometries[0]]["id"]}
        )
    code = data.get("code")
    if code:
        for key in ("template", "sequence"):
            if key in code:
                yield from check_expression(
                    code[key], CODE_NAMES, ("code", key), f"code.{key}", template=True
                )
        for key in ("template", "sequence"):
            for _, name in attribute_refs(code.get(key, ""), "record"):
                if name not in by_id and name not in ("province_code", "commune_code"):
                    yield Finding("E261", ("code", key), {"id": name, "known": known})
        if "sequence" not in code["template"]:
            yield Finding("E264", ("code", "template"), {"template": code["template"]})
    yield from _check_import(data, by_id)
    yield from _check_trace(data.get("trace"), refs)
    yield from _check_identity(data)
    yield from _check_stamps(data, refs)
    yield from _check_catalogue(data)
    refs.append(Ref("roles_file", data["roles"], ("roles",)))
    if data.get("units"):
        refs.append(Ref("units_file", data["units"], ("units",)))
    for action, roles in data["access"].items():
        for i, role in enumerate(roles):
            refs.append(Ref("role", role, ("access", action, i), action))


# What a spreadsheet cell can hold as the key of a row: one plain value.
KEY_TYPES = ("text", "number", "date", "choice", "admin_unit", "ref")


def _check_import(data: dict[str, Any], by_id: dict[str, Any]) -> Iterator[Finding]:
    """`import.key`: fields of this register, each holding one plain value (not many, not a shape)."""
    for i, fid in enumerate((data.get("import") or {}).get("key", [])):
        f = by_id.get(fid)
        if f is None:
            yield Finding("E135", ("import", "key", i), {"id": fid, "known": sorted(by_id)})
        elif f["type"] not in KEY_TYPES or f.get("many"):
            yield Finding("E136", ("import", "key", i), {"id": fid, "type": f["type"] + (" many" if f.get("many") else ""),
                                                         "allowed": list(KEY_TYPES)})  # fmt: skip


# The names an event's own parts take in its problems (the time, the event, a merge's inputs): the
# event page and the EPCIS import place each problem by them, so no field may be called so.
TRACE_RESERVED = ("event", "event_time", "inputs")
# Types an event cannot carry: an event is typed on a phone page and travels as EPCIS values.
TRACE_UNTYPED = ("geometry", "table")


def _check_trace(trace: dict[str, Any] | None, refs: list[Ref]) -> Iterator[Finding]:
    """`trace.events`: unique ids, `after` naming other declared events, known roles, checked fields."""
    if not trace:
        return
    events = trace["events"]
    yield from duplicates(((e["id"], ("trace", "events", i, "id")) for i, e in enumerate(events)), "event")
    ids = sorted(e["id"] for e in events)
    for i, e in enumerate(events):
        path: Path = ("trace", "events", i)
        for j, before in enumerate(e.get("after", [])):
            if before == e["id"]:
                yield Finding("E271", (*path, "after", j), {"id": e["id"]})
            elif before not in ids:
                yield Finding("E270", (*path, "after", j), {"id": before, "event": e["id"], "known": ids})
        fields = e.get("fields", [])
        yield from duplicates(((f["id"], (*path, "fields", k, "id")) for k, f in enumerate(fields)), "field")
        names = sorted(f["id"] for f in fields)
        for k, f in enumerate(fields):
            yield from _register_field(f, (*path, "fields", k), names, refs)
            if f["id"] in TRACE_RESERVED:
                yield Finding("E274", (*path, "fields", k, "id"),
                              {"event": e["id"], "id": f["id"], "reserved": ", ".join(TRACE_RESERVED)})  # fmt: skip
            if f.get("type") in TRACE_UNTYPED:
                yield Finding(
                    "E275", (*path, "fields", k, "type"), {"event": e["id"], "id": f["id"], "type": f["type"]}
                )
        for k, role in enumerate(e["roles"]):
            refs.append(Ref("role", role, (*path, "roles", k), f"trace:{e['id']}"))


def _check_identity(data: dict[str, Any]) -> Iterator[Finding]:
    """`trace.identity`: `lot` names a text field, `product` a single ref to another register."""
    identity = (data.get("trace") or {}).get("identity")
    if not identity:
        return
    fields = {f["id"]: f for f in data["fields"]}
    for key, wanted in (("lot", "text"), ("product", "ref")):
        name = identity[key]
        f = fields.get(name)
        if f is None:
            yield Finding(
                "E272", ("trace", "identity", key), {"key": key, "id": name, "known": sorted(fields)}
            )
            continue
        target = f.get("to")
        if f["type"] != wanted or (key == "product" and (f.get("many") or not isinstance(target, dict))):
            yield Finding("E273", ("trace", "identity", key), {"key": key, "id": name, "type": f["type"]})


def _check_stamps(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    """`stamps`: a public address to encode, a grid that fits an A4 page, a code and its lines that
    fit a label, fields that exist, a quantity within the engine's bound."""
    stamps = data.get("stamps")
    if not stamps:
        return
    if not (data.get("trace") or {}).get("identity"):
        yield Finding("E280", ("stamps",), {"id": data["id"]})
    sheet = _stamp_sheet(stamps)
    assert sheet is not None
    for axis, count, size, page in (("columns", sheet.columns, sheet.width, m.A4_MM[0]),
                                    ("rows", sheet.rows, sheet.height, m.A4_MM[1])):  # fmt: skip
        need = count * size + (count - 1) * sheet.gap + 2 * sheet.margin
        if need > page:
            yield Finding("E281", ("stamps", axis), {"axis": axis, "need": round(need, 1), "page": page})
    text_height = len(sheet.lines) * sheet.line_height
    if sheet.qr > sheet.width or sheet.qr + text_height > sheet.height:
        yield Finding("E282", ("stamps", "qr"), {"qr": sheet.qr, "lines": len(sheet.lines),
                      "text": round(text_height, 1), "width": sheet.width, "height": sheet.height})  # fmt: skip
    if sheet.qr < STAMP_QR_MIN:
        yield Finding("W028", ("stamps", "qr"), {"qr": sheet.qr, "min": STAMP_QR_MIN})
    if sheet.max_labels > limits.STAMP_LABELS_MAX:
        yield Finding(
            "E284", ("stamps", "max_labels"), {"max": sheet.max_labels, "cap": limits.STAMP_LABELS_MAX}
        )
    known = sorted(f["id"] for f in data["fields"])
    for i, line in enumerate(sheet.lines):
        if line.field is not None and line.field not in known:
            yield Finding("E283", ("stamps", "lines", i, "field"), {"id": line.field, "known": known})
    for i, role in enumerate(sheet.roles):
        refs.append(Ref("role", role, ("stamps", "roles", i), "stamps"))


def _check_catalogue(data: dict[str, Any]) -> Iterator[Finding]:
    """`catalogue.product`: a public ref to records of another register (the products)."""
    listing = data.get("catalogue")
    if not listing:
        return
    f = next((f for f in data["fields"] if f["id"] == listing["product"]), None)
    if f is None or f["type"] != "ref" or not isinstance(f.get("to"), dict):
        yield Finding("E285", ("catalogue", "product"), {"id": listing["product"], "type": f["type"] if f else "—",
                      "known": sorted(x["id"] for x in data["fields"] if x["type"] == "ref")})  # fmt: skip
    elif not f.get("public"):
        yield Finding("W029", ("catalogue", "product"), {"id": f["id"]})


def _register_field(f: dict[str, Any], path: Path, known: list[str], refs: list[Ref]) -> Iterator[Finding]:
    ftype = f["type"]
    if ftype in ("geometry", "table", "ref"):
        extras = {"geometry": "geometry", "table": "columns", "ref": "to"}
        if ftype != "geometry" and extras[ftype] not in f:
            yield Finding("E217", path, {"id": f["id"], "type": ftype, "reason": f"no '{extras[ftype]}'"})
        for key in ("options", "min", "max", "integer", "max_length", "level"):
            if key in f:
                yield Finding("W005", (*path, key), {"key": key, "type": ftype}, at_key=True)
    else:
        yield from _check_field(f, path, known)
    for key, wanted in (("geometry", "geometry"), ("columns", "table"), ("max_rows", "table"), ("to", "ref"),
                        ("many", "ref")):  # fmt: skip
        if key in f and ftype != wanted:
            yield Finding("W005", (*path, key), {"key": key, "type": ftype}, at_key=True)
    if f.get("filter") and ftype not in FILTERABLE:
        yield Finding("E263", (*path, "filter"), {"id": f["id"], "type": ftype, "allowed": list(FILTERABLE)})
    if ftype == "table":
        columns = f.get("columns", [])
        yield from duplicates(
            ((c["id"], (*path, "columns", j, "id")) for j, c in enumerate(columns)), "column"
        )
        names = sorted(c["id"] for c in columns)
        for j, c in enumerate(columns):
            yield from _check_field(c, (*path, "columns", j), names)
    target = f.get("to")
    if isinstance(target, dict):
        refs.append(Ref("register", target["register"], (*path, "to", "register"), f["id"]))


# --- the model -----------------------------------------------------------------------


def _column(f: dict[str, Any]) -> m.Field:
    return build._field(f)  # a form's field: the same keys, the same defaults


def _field(f: dict[str, Any]) -> m.RegisterField:
    base = _column(f)
    target = f.get("to")
    ref = None
    if isinstance(target, dict):
        ref = m.RefTarget("register", target["register"])
    elif target in ("dossier", "certificate"):
        ref = m.RefTarget(target)
    geometry = tuple(f.get("geometry", m.GEOMETRY_TYPES)) if f["type"] == "geometry" else ()
    return m.RegisterField(
        **{k: getattr(base, k) for k in base.__dataclass_fields__},
        public=bool(f.get("public")), filter=bool(f.get("filter")), geometry=geometry,
        columns=tuple(_column(c) for c in f.get("columns", [])), max_rows=f.get("max_rows"),
        ref=ref, many=bool(f.get("many")),
    )  # fmt: skip


def build_register(data: dict[str, Any], source: m.Source) -> m.Register:
    code = data.get("code")
    return m.Register(
        id=data["id"], version=str(data["version"]), title=text(data["title"]), roles=data["roles"],
        units=data.get("units"), area=data["area"], title_field=data["title_field"],
        fields=tuple(_field(f) for f in data["fields"]),
        access={a: tuple(data["access"].get(a, ())) for a in m.REGISTER_ACTIONS},
        code=m.CodeRule(code["template"], code.get("sequence")) if code else None,
        list_fields=tuple(data.get("list", ())), description=maybe_text(data.get("description")),
        source=source, trace=tuple(_trace_step(e) for e in (data.get("trace") or {}).get("events", ())),
        trace_identity=_identity((data.get("trace") or {}).get("identity")),
        import_key=tuple((data.get("import") or {}).get("key", ())),
        stamps=_stamp_sheet(data.get("stamps")), catalogue=_catalogue(data.get("catalogue")),
    )  # fmt: skip


def _identity(data: dict[str, Any] | None) -> m.TraceIdentity | None:
    return m.TraceIdentity(lot=data["lot"], product=data["product"]) if data else None


def _trace_step(e: dict[str, Any]) -> m.TraceStep:
    return m.TraceStep(
        id=e["id"], step=e["step"], label=text(e["label"]), roles=tuple(e["roles"]),
        after=tuple(e.get("after", ())), once=bool(e.get("once")),
        fields=tuple(_field(f) for f in e.get("fields", ())),
    )  # fmt: skip


def _stamp_sheet(data: dict[str, Any] | None) -> m.StampSheet | None:
    if not data:
        return None
    lines = tuple(m.StampLine(field=x.get("field"), label=maybe_text(x.get("label")),
                              text=maybe_text(x.get("text")), bold=bool(x.get("bold")))
                  for x in data.get("lines", ()))  # fmt: skip
    return m.StampSheet(
        roles=tuple(data["roles"]), max_labels=int(data["max_labels"]), width=float(data["label"]["width"]),
        height=float(data["label"]["height"]), columns=int(data["columns"]), rows=int(data["rows"]),
        qr=float(data["qr"]), margin=float(data.get("margin", 10.0)), gap=float(data.get("gap", 2.0)),
        text_size=float(data.get("text_size", 7.0)), lines=lines,
    )  # fmt: skip


def _catalogue(data: dict[str, Any] | None) -> m.CatalogueListing | None:
    return m.CatalogueListing(product=data["product"], heading=text(data["heading"])) if data else None


# --- across files -------------------------------------------------------------------


def cross_check(register: m.Register, refs: list[Ref], r: Any) -> Iterator[Finding]:
    """Roles file, units file, access roles and referenced registers, against everything loaded."""
    roleset: m.RoleSet | None = r.get("roles", register.roles)
    for ref in refs:
        if ref.kind == "roles_file" and r.missing("roles", ref.id):
            yield Finding("E209", ref.path, {"what": "roles", "id": ref.id})
        elif ref.kind == "units_file" and r.missing("units", ref.id):
            yield Finding("E209", ref.path, {"what": "units", "id": ref.id})
        elif ref.kind == "register" and r.missing("registers", ref.id):
            yield Finding("E209", ref.path, {"what": "register", "id": ref.id})
        elif ref.kind == "role" and roleset is not None and ref.id not in roleset.roles:
            yield Finding(
                "E204", ref.path, {"id": ref.id, "roles": roleset.id, "known": sorted(roleset.roles)}
            )
