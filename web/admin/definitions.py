"""Definitions for administrators: installed versions, the YAML source and its diagram, and
upload -> problems with line numbers -> diff against the active version -> activate on a date."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from engine.definitions.loader import load_text
from engine.errors import InvalidDefinition, PermissionDenied
from web.admin import bp
from web.admin.access import requires
from web.admin.diagram import render as render_diagram
from web.i18n import current_language
from web.problems import error_text
from web.runtime import runtime

MAX_UPLOAD = 1_000_000  # bytes: the largest shipped definition is a fraction of this
UPLOAD_SUFFIXES = (".yaml", ".yml")


def _versions() -> list[Any]:
    return sorted(
        runtime().service.definition_versions(),
        key=lambda v: (v.kind, v.def_id, v.effective_from or dt.date.min, v.activated_at),
    )


def _stored(sha256: str) -> tuple[Any, str] | None:
    """(version, source text) of a stored definition version."""
    for version in _versions():
        if version.sha256 == sha256:
            return version, runtime().service.definition_source(sha256)
    return None


def in_effect(kind: str, def_id: str, today: dt.date | None = None) -> Any | None:
    """The active version of (kind, id) in effect today, or the latest active one."""
    today = today or dt.date.today()
    active = [v for v in _versions() if v.kind == kind and v.def_id == def_id and v.active]
    current = [
        v
        for v in active
        if (v.effective_from is None or v.effective_from <= today)
        and (v.effective_until is None or today < v.effective_until)
    ]
    pool = current or active
    return max(pool, key=lambda v: (v.effective_from or dt.date.min, v.activated_at)) if pool else None


def _workflow_svg(text: str, filename: str) -> Markup | None:
    result = load_text(text, filename, context=runtime().catalog)
    workflows = list(result.catalog.workflows.values()) if result.ok else []
    if not workflows:
        return None
    return Markup(render_diagram(workflows[0], current_language()))


@bp.get("/definitions")
@requires("administer")
def definitions() -> str:
    today = dt.date.today()
    versions = _versions()
    current = {(v.kind, v.def_id): in_effect(v.kind, v.def_id, today) for v in versions}
    return render_template("admin/definitions.html", versions=versions, current=current, today=today)


@bp.get("/definitions/<sha256>")
@requires("administer")
def definition(sha256: str) -> str:
    found = _stored(sha256) if len(sha256) == 64 and sha256.isalnum() else None
    if found is None:
        abort(404)
    version, text = found
    diagram = _workflow_svg(text, version.file) if version.kind == "workflow" else None
    return render_template("admin/definition.html", version=version, lines=text.splitlines(), diagram=diagram)


@bp.get("/definitions/<sha256>/diagram.svg")
@requires("administer")
def diagram_svg(sha256: str) -> ResponseReturnValue:
    """The diagram alone, to download and put in a report or a slide."""
    found = _stored(sha256) if len(sha256) == 64 and sha256.isalnum() else None
    if found is None or found[0].kind != "workflow":
        abort(404)
    version, text = found
    svg = _workflow_svg(text, version.file)
    if svg is None:
        abort(404)
    response = Response(str(svg), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'inline; filename="{version.def_id}-{version.version}.svg"'
    return response


def _read_upload() -> tuple[str, str, str | None]:
    """(text, filename, error) from the uploaded file or the pasted text."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        filename = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        if not filename.lower().endswith(UPLOAD_SUFFIXES):
            return "", filename, _("Chỉ nhận tệp YAML (.yaml, .yml).")
        data = upload.stream.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return "", filename, _("Tệp lớn hơn %(n)d KB.", n=MAX_UPLOAD // 1000)
        try:
            return data.decode("utf-8-sig"), filename, None
        except UnicodeDecodeError:
            return "", filename, _("Tệp phải được mã hoá UTF-8.")
    text = request.form.get("text", "")
    filename = (request.form.get("filename") or "uploaded.yaml").strip()[:200] or "uploaded.yaml"
    if len(text.encode()) > MAX_UPLOAD:
        return "", filename, _("Văn bản lớn hơn %(n)d KB.", n=MAX_UPLOAD // 1000)
    if not text.strip():
        return "", filename, _("Hãy chọn một tệp YAML hoặc dán nội dung.")
    return text.replace("\r\n", "\n"), filename, None


def diff_lines(old: str, new: str, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """Unified diff as (css class, line) pairs: add, del, hunk, meta or ctx."""
    out = []
    for line in difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_name, new_name, n=3, lineterm=""
    ):
        if line.startswith(("+++", "---")):
            kind = "meta"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        out.append((kind, line))
    return out


def same_version_elsewhere(result: Any, defined: tuple[str, str] | None) -> Any | None:
    """A stored version with the uploaded definition's version string but other content: the
    change is not marked (two different texts would both read "2026.1")."""
    if defined is None:
        return None
    kind, def_id = defined
    table = {"workflow": "workflows", "roles": "roles", "form": "forms", "scoring_form": "scoring_forms"}
    if kind not in table:
        return None
    new = getattr(result.catalog, table[kind])[def_id]
    sha = new.source.sha256 if new.source is not None else ""
    return next(
        (
            v
            for v in _versions()
            if v.kind == kind and v.def_id == def_id and v.version == new.version and v.sha256 != sha
        ),
        None,
    )


def _check_page(
    text: str, filename: str, problems: list[Any], status: int = 200, version_error: bool = False
) -> ResponseReturnValue:
    result = load_text(text, filename, lang=current_language(), context=runtime().catalog)
    problems = problems or list(result.problems)
    errors = [p for p in problems if p.severity == "error"]
    defined = _defined(result) if not errors else None
    current = in_effect(*defined) if defined else None
    diff: list[tuple[str, str]] = []
    if defined and not errors:
        old = _stored(current.sha256) if current else None
        old_text, old_name = (old[1], f"{current.def_id} {current.version}") if old and current else ("", "—")
        diff = diff_lines(old_text, text, old_name, filename)
    diagram = _workflow_svg(text, filename) if defined and defined[0] == "workflow" else None
    bad_lines = {p.line for p in problems if p.line}
    return (
        render_template(
            "admin/definition_check.html",
            text=text,
            filename=filename,
            lines=text.splitlines(),
            problems=problems,
            errors=errors,
            bad_lines=bad_lines,
            defined=defined,
            current=current,
            diff=diff,
            diagram=diagram,
            today=dt.date.today(),
            same_version=same_version_elsewhere(result, defined),
            version_error=version_error,
        ),
        status,
    )


def _defined(result: Any) -> tuple[str, str] | None:
    catalog = result.catalog
    for kind, table in (
        ("workflow", catalog.workflows),
        ("roles", catalog.roles),
        ("form", catalog.forms),
        ("scoring_form", catalog.scoring_forms),
        ("units", catalog.units),
    ):
        for def_id in table:
            return kind, def_id
    return None


@bp.post("/definitions/check")
@requires("administer")
def check_definition() -> ResponseReturnValue:
    text, filename, error = _read_upload()
    if error:
        flash(error, "error")
        return redirect(url_for("admin.definitions"))
    return _check_page(text, filename, [])


@bp.post("/definitions/activate")
@requires("administer")
def activate_definition() -> ResponseReturnValue:
    text = request.form.get("text", "").replace("\r\n", "\n")
    filename = (request.form.get("filename") or "uploaded.yaml").strip()[:200]
    raw_date = request.form.get("effective_from", "").strip()
    try:
        effective_from = dt.date.fromisoformat(raw_date)
    except ValueError:
        flash(_("Ngày hiệu lực phải có dạng YYYY-MM-DD."), "error")
        return _check_page(text, filename, [], status=422)
    if not text.strip() or len(text.encode()) > MAX_UPLOAD:
        flash(_("Hãy chọn một tệp YAML hoặc dán nội dung."), "error")
        return redirect(url_for("admin.definitions"))
    checked = load_text(text, filename, lang=current_language(), context=runtime().catalog)
    clean = not [p for p in checked.problems if p.severity == "error"]
    unmarked = same_version_elsewhere(checked, _defined(checked)) if clean else None
    if unmarked is not None and request.form.get("same_version") != "yes":
        flash(_("Chưa kích hoạt: nội dung đã thay đổi nhưng vẫn ghi phiên bản cũ."), "error")
        return _check_page(text, filename, [], status=422, version_error=True)
    try:
        runtime().service.activate_definition(g.actor, text, filename, effective_from)
    except InvalidDefinition as exc:
        flash(_("Định nghĩa chưa hợp lệ; chưa kích hoạt."), "error")
        return _check_page(text, filename, list(exc.problems), status=422)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.definitions"))
    flash(_("Đã kích hoạt, có hiệu lực từ %(day)s.", day=effective_from.isoformat()), "success")
    return redirect(url_for("admin.definitions"))
