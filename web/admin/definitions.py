"""Definitions for administrators: installed versions, the YAML source and its diagram; a bundle
(several files or a zip) -> problems by file and line -> diffs -> install on the file's date or a
later one; proposals another administrator approves (four eyes); retire and deactivate."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from engine.definitions.bundle import BundleError, read_zip
from engine.definitions.loader import load_text, load_texts
from engine.errors import Conflict, InvalidDefinition, NotFound, PermissionDenied
from web.admin import bp
from web.admin.access import requires
from web.admin.diagram import DiagramUnavailable
from web.admin.diagram import render as render_diagram
from web.i18n import current_language
from web.problems import error_text
from web.runtime import runtime

log = logging.getLogger(__name__)

# What one check may cost: the largest shipped definition (workflows/ocop-2026.yaml) is 38 KB in
# 619 lines; a file may be about eight times that. Each line is shown back on the check page,
# and the loader reports at most 100 problems a file (E109 counts the rest).
MAX_UPLOAD = 300_000  # bytes a file
MAX_LINES = 5_000  # lines a file
MAX_BUNDLE = 5_000_000  # bytes a bundle (a zip, uncompressed, or several files)
UPLOAD_SUFFIXES = (".yaml", ".yml")
BUNDLE_SUFFIXES = (*UPLOAD_SUFFIXES, ".csv", ".zip")

Files = list[tuple[str, str]]


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
    today = today or runtime().service.now().date()
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
    try:
        return Markup(render_diagram(workflows[0], current_language()))
    except DiagramUnavailable:
        log.warning("workflow diagram not drawn: Graphviz's dot is not installed (apt-get install graphviz)")
        flash(_("Máy chủ chưa cài Graphviz (lệnh dot) nên chưa vẽ được sơ đồ quy trình."), "warning")
        return None


@bp.get("/definitions")
@requires("administer")
def definitions() -> str:
    today = runtime().service.now().date()
    versions = _versions()
    current = {(v.kind, v.def_id): in_effect(v.kind, v.def_id, today) for v in versions}
    proposals: dict[str, list[Any]] = {}
    for v in versions:
        if v.status == "proposed" and v.bundle:
            proposals.setdefault(v.bundle, []).append(v)
    return render_template(
        "admin/definitions.html", versions=versions, current=current, today=today, proposals=proposals
    )


@bp.get("/definitions/<sha256>")
@requires("administer")
def definition(sha256: str) -> str:
    found = _stored(sha256) if len(sha256) == 64 and sha256.isalnum() else None
    if found is None:
        abort(404)
    version, text = found
    diagram = _workflow_svg(text, version.file) if version.kind == "workflow" else None
    affected = runtime().service.open_dossiers_pinning(g.actor, sha256)
    return render_template(
        "admin/definition.html",
        version=version,
        lines=text.splitlines(),
        diagram=diagram,
        affected=affected,
        today=runtime().service.now().date(),
    )


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
    # A document of its own, opened from the page's link: its embedded stylesheet and nothing else
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    response.headers["Content-Disposition"] = f'inline; filename="{version.def_id}-{version.version}.svg"'
    return response


# --- reading a bundle ------------------------------------------------------------------


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise BundleError(_("%(file)s: tệp phải được mã hoá UTF-8.", file=name)) from None


def _safe_name(raw: str) -> str:
    return raw.replace("\\", "/").rsplit("/", 1)[-1][:200]


def read_uploads() -> tuple[Files, str | None]:
    """The bundle's files from the uploaded files (YAML, CSV, zip) or the pasted text; or an error."""
    files, error = _read_uploads()
    for name, text in files:
        lines = text.count("\n") + 1
        if lines > MAX_LINES:
            return [], str(
                _("%(file)s có %(n)d dòng; tối đa %(max)d dòng.", file=name, n=lines, max=MAX_LINES)
            )
    return files, error


def _read_uploads() -> tuple[Files, str | None]:
    files: Files = []
    total = 0
    try:
        for upload in request.files.getlist("file"):
            if not upload.filename:
                continue
            name = _safe_name(upload.filename)
            if not name.lower().endswith(BUNDLE_SUFFIXES):
                return [], _("Chỉ nhận tệp YAML (.yaml, .yml), CSV hoặc một tệp .zip chứa chúng.")
            limit = MAX_BUNDLE if name.lower().endswith(".zip") else MAX_UPLOAD
            data = upload.stream.read(limit + 1)
            if len(data) > limit:
                return [], _("Tệp lớn hơn %(n)d KB.", n=limit // 1000)
            members = read_zip(data) if name.lower().endswith(".zip") else [(name, data)]
            for member, body in members:
                total += len(body)
                files.append((member, _decode(member, body)))
    except BundleError as exc:
        return [], str(exc)
    if total > MAX_BUNDLE:
        return [], _("Gói lớn hơn %(n)d KB.", n=MAX_BUNDLE // 1000)
    if files:
        return files, None
    # The check page carries a checked bundle on as pairs of hidden fields.
    names, bodies = request.form.getlist("name"), request.form.getlist("body")
    if names and len(names) == len(bodies):
        carried = [
            (_safe_name(n) if "/" not in n else n[:300], b.replace("\r\n", "\n"))
            for n, b in zip(names, bodies, strict=True)
        ]
        if sum(len(b.encode()) for _, b in carried) > MAX_BUNDLE:
            return [], _("Gói lớn hơn %(n)d KB.", n=MAX_BUNDLE // 1000)
        return carried, None
    text = request.form.get("text", "")
    filename = (request.form.get("filename") or "uploaded.yaml").strip()[:200] or "uploaded.yaml"
    if len(text.encode()) > MAX_UPLOAD:
        return [], _("Văn bản lớn hơn %(n)d KB.", n=MAX_UPLOAD // 1000)
    if not text.strip():
        return [], _("Hãy chọn một tệp YAML hoặc dán nội dung.")
    return [(filename, text.replace("\r\n", "\n"))], None


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


def _proposed_date() -> tuple[dt.date | None, str | None]:
    raw = request.form.get("effective_from", "").strip()
    if not raw:
        return None, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return None, _("Ngày hiệu lực phải có dạng YYYY-MM-DD.")


def _check_page(
    files: Files, proposed: dt.date | None, problems: list[Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    service = runtime().service
    lang = current_language()
    check = service.check_bundle(g.actor, files, effective_from=proposed, lang=lang)
    shown = list(problems) if problems else list(check.problems)
    errors = [p for p in shown if p.severity == "error"]
    texts = dict(files)
    sources = [
        {
            "index": i,
            "name": name,
            "lines": text.splitlines(),
            "bad": {p.line for p in shown if p.file == name and p.line},
        }
        for i, (name, text) in enumerate(files)
    ]
    diffs, diagrams = [], []
    if not errors:
        for item in check.items:
            if item.installed:
                continue
            old = _stored(item.current_sha256) if item.current_sha256 else None
            old_text, old_name = (old[1], f"{old[0].def_id} {old[0].version}") if old else ("", "—")
            diffs.append((item, diff_lines(old_text, texts.get(item.file, ""), old_name, item.file)))
        loaded = load_texts(files, lang, context=runtime().catalog)
        for wf in loaded.catalog.workflows.values():
            diagrams.append((wf, Markup(render_diagram(wf, lang))))
    days = {
        i.def_id: (i.effective_from - i.declared_from).days
        for i in check.items
        if i.effective_from and i.declared_from and i.effective_from != i.declared_from
    }
    return (
        render_template(
            "admin/definition_check.html",
            files=files,
            sources=sources,
            single=len(files) == 1,
            problems=shown,
            errors=errors,
            check=check,
            new_items=[i for i in check.items if not i.installed],
            diffs=diffs,
            diagrams=diagrams,
            proposed=proposed,
            days_later=days,
            filename=files[0][0] if files else "",
        ),
        status,
    )


@bp.post("/definitions/check")
@requires("administer")
def check_definition() -> ResponseReturnValue:
    files, error = read_uploads()
    proposed, date_error = _proposed_date()
    if error or date_error:
        flash(error or date_error or "", "error")
        return redirect(url_for("admin.definitions"))
    return _check_page(files, proposed)


@bp.post("/definitions/activate")
@requires("administer")
def activate_definition() -> ResponseReturnValue:
    """Install the checked bundle: active at once, or a proposal when four eyes apply."""
    files, error = read_uploads()
    if error:
        flash(error, "error")
        return redirect(url_for("admin.definitions"))
    proposed, date_error = _proposed_date()
    if date_error:
        flash(date_error, "error")
        return _check_page(files, None, status=422)
    try:
        installed = runtime().service.install_bundle(g.actor, files, effective_from=proposed)
    except InvalidDefinition as exc:
        flash(_("Định nghĩa chưa hợp lệ; chưa kích hoạt."), "error")
        return _check_page(files, proposed, list(exc.problems), status=422)
    except PermissionDenied as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.definitions"))
    if not installed.versions:
        flash(_("Mọi định nghĩa của gói đã được cài; không có gì thay đổi."), "info")
    elif installed.pending:
        flash(
            _(
                "Đã đề xuất %(n)d phiên bản; cần một quản trị viên khác duyệt (bốn mắt).",
                n=len(installed.versions),
            ),
            "success",
        )
    else:
        flash(_("Đã kích hoạt %(n)d phiên bản.", n=len(installed.versions)), "success")
    return redirect(url_for("admin.definitions"))


@bp.post("/definitions/bundles/<bundle>/approve")
@requires("administer")
def approve_bundle(bundle: str) -> ResponseReturnValue:
    try:
        approved = runtime().service.approve_bundle(g.actor, bundle[:64])
    except (PermissionDenied, NotFound, Conflict) as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.definitions")), 303
    flash(_("Đã duyệt; %(n)d phiên bản có hiệu lực.", n=len(approved)), "success")
    return redirect(url_for("admin.definitions")), 303


@bp.post("/definitions/<sha256>/retire")
@requires("administer")
def retire_definition(sha256: str) -> ResponseReturnValue:
    service = runtime().service
    try:
        on = dt.date.fromisoformat(request.form.get("on", "").strip())
    except ValueError:
        flash(_("Ngày phải có dạng YYYY-MM-DD."), "error")
        return redirect(url_for("admin.definition", sha256=sha256)), 303
    try:
        version, affected = service.retire_definition(g.actor, sha256, on)
    except (InvalidDefinition, NotFound) as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.definition", sha256=sha256)), 303
    flash(_("%(id)s %(version)s: hết hiệu lực từ %(day)s. %(n)d hồ sơ đang mở vẫn chạy theo phiên bản này.",
            id=version.def_id, version=version.version, day=on.isoformat(), n=len(affected)), "success")  # fmt: skip
    return redirect(url_for("admin.definition", sha256=sha256)), 303


@bp.post("/definitions/<sha256>/deactivate")
@requires("administer")
def deactivate_definition(sha256: str) -> ResponseReturnValue:
    service = runtime().service
    try:
        version, affected = service.deactivate_definition(g.actor, sha256)
    except NotFound as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.definitions")), 303
    flash(_("%(id)s %(version)s: đã vô hiệu hoá. %(n)d hồ sơ đang mở vẫn chạy theo phiên bản này.",
            id=version.def_id, version=version.version, n=len(affected)), "success")  # fmt: skip
    return redirect(url_for("admin.definition", sha256=sha256)), 303
