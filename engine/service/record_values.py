"""A record's values checked against its register, field by field (the form checks, plus geometry,
tables and references). Unlike a form's draft, a record is saved whole: a missing required value
refuses the save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from engine import geometry
from engine.definitions.model import Field, Register, RegisterField, UnitSet
from engine.expressions import Namespace
from engine.limits import URL_FIELD_MAX, text_problem
from engine.messages import Message, say
from engine.service.forms import _check_value, _empty, _visible

DEFAULT_MAX_ROWS = 500
# (field, one referenced value) -> whether it exists and the actor may see it
RefResolver = Callable[[RegisterField, Any], bool]


@dataclass
class RecordCheck:
    values: dict[str, Any]
    problems: dict[str, Message] = field(default_factory=dict)
    missing_refs: dict[str, Message] = field(default_factory=dict)  # refs to nothing the actor may see
    shape: geometry.Checked | None = None


def check_record(
    register: Register,
    values: Mapping[str, Any],
    *,
    units: UnitSet | None,
    today: dt.date,
    resolve: RefResolver,
    locale: str | None = None,
) -> RecordCheck:
    """`locale` is the language numbers left as text were typed in (None: plain digits, as the API
    sends them); they are read by `engine.numbers`, as a dossier form's are."""
    fields = {f.id: f for f in register.fields}
    out = RecordCheck({})
    for key in values:
        if key not in fields:
            out.problems[key] = say("field.unknown")
    for f in fields.values():
        value = values.get(f.id)
        if _empty(value):
            continue
        cleaned, problem = _value(f, value, units, out, locale)
        out.values[f.id] = cleaned
        if problem is not None:
            out.problems[f.id] = problem
    context = {"answers": Namespace(out.values), "dossier": Namespace({}), "today": today}
    for f in fields.values():
        if not _visible(f, context):
            out.values.pop(f.id, None)
            out.problems.pop(f.id, None)
            continue
        if f.required and f.id not in out.values and f.id not in out.problems:
            out.problems[f.id] = say("field.required")
    if not out.problems:
        for f in fields.values():
            if f.type == "ref" and f.id in out.values:
                refs = out.values[f.id] if f.many else [out.values[f.id]]
                unknown = [v for v in refs if not resolve(f, v)]
                if unknown:
                    target = f.ref.register if f.ref and f.ref.register else (f.ref.kind if f.ref else "")
                    out.missing_refs[f.id] = say(
                        "field.ref_unknown", target=target, value=", ".join(map(str, unknown))
                    )
    return out


def _value(
    f: RegisterField, value: Any, units: UnitSet | None, out: RecordCheck, locale: str | None
) -> tuple[Any, Message | None]:
    if f.type == "geometry":
        try:
            out.shape = geometry.check(value, f.geometry)
        except geometry.GeometryError as exc:
            return value, exc.problem
        return out.shape.geometry, None
    if f.type == "table":
        return _table(f, value, units, locale)
    if f.type == "ref":
        return _ref(f, value)
    if f.type == "url":
        return _url(f, value)
    return _check_value(f, value, units, frozenset(), locale=locale)


def _url(f: RegisterField, value: Any) -> tuple[Any, Message | None]:
    """An absolute https address with a host, no user name or password, no spaces."""
    if not isinstance(value, str):
        return value, say("field.text")
    text = value.strip()
    problem = text_problem(text, f.max_length or URL_FIELD_MAX)
    if problem is not None:
        return value, problem
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return value, say("field.https_url")
    if (
        parts.scheme != "https"
        or not host
        or "." not in host
        or parts.username
        or parts.password
        or any(c.isspace() for c in text)
    ):
        return value, say("field.https_url")
    return text, None


def _ref(f: RegisterField, value: Any) -> tuple[Any, Message | None]:
    wants_number = f.ref is not None and f.ref.kind != "certificate"
    items = value if isinstance(value, list | tuple) else [value]
    if not f.many and len(items) != 1:
        return value, say("field.ref_list")
    cleaned: list[Any] = []
    for item in items:
        text = str(item).strip()
        if wants_number:
            if not text.isdigit():
                return value, say("field.ref_list")
            cleaned.append(int(text))
        elif text:
            cleaned.append(text[:100])
    return (cleaned if f.many else cleaned[0]), None


def _table(
    f: RegisterField, value: Any, units: UnitSet | None, locale: str | None
) -> tuple[Any, Message | None]:
    if not isinstance(value, list | tuple) or not all(isinstance(r, Mapping) for r in value):
        return value, say("field.table_rows")
    limit = f.max_rows or DEFAULT_MAX_ROWS
    if len(value) > limit:
        return value, say("field.table_too_many", max=limit)
    columns: dict[str, Field] = {c.id: c for c in f.columns}
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(value, start=1):
        if all(_empty(v) for v in row.values()):
            continue  # an empty row of the form is no row
        clean: dict[str, Any] = {}
        for key in row:
            if key not in columns:
                return value, say("field.table_cell", row=number, column=key, problem=say("field.unknown"))
        for c in columns.values():
            cell = row.get(c.id)
            if _empty(cell):
                if c.required:
                    return value, say(
                        "field.table_cell", row=number, column=c.label, problem=say("field.required")
                    )
                continue
            clean[c.id], problem = _check_value(c, cell, units, frozenset(), locale=locale)
            if problem is not None:
                return value, say("field.table_cell", row=number, column=c.label, problem=problem)
        rows.append(clean)
    return rows, None


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
