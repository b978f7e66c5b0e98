"""The onboarding import of a register from a spreadsheet: upload, preview, confirm.

The uploaded file is kept under the instance folder by its SHA-256 between the preview and the
confirmation, so the confirmation writes exactly the file that was previewed; the service decides
the plan again when it writes (nothing here decides a rule).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

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
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.limits import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from engine.service import ImportPlan
from engine.service.import_files import kind_of
from web.auth import login_required
from web.i18n import current_language, tr
from web.runtime import runtime

bp = Blueprint("imports", __name__, url_prefix="/registers")

ACTION_TEXTS = {
    "create": _l("Tạo mới"),
    "update": _l("Cập nhật"),
    "unchanged": _l("Không đổi"),
    "refused": _l("Có lỗi"),
}


def _folder() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _allowed(register_id: str) -> None:
    service = runtime().service
    try:
        reg = service.register(register_id)
    except NotFound:
        abort(404)
    if not reg.import_key or not service.may(g.actor, reg.id, "view"):
        abort(404)
    if not service.may(g.actor, reg.id, "create"):
        abort(403)


def _page(
    register_id: str, plan: ImportPlan | None, problem: str | None, status: int = 200
) -> ResponseReturnValue:
    service = runtime().service
    reg = service.register(register_id)
    labels = {f.id: tr(f.label) for f in reg.fields}
    body = render_template(
        "registers/spreadsheet.html", reg=reg, plan=plan, problem=problem, max_mb=IMPORT_MAX_BYTES // (1024 * 1024),
        max_rows=IMPORT_MAX_ROWS, action_text=lambda a: str(ACTION_TEXTS[a]),
        field_label=lambda fid: labels.get(fid, fid), key_labels=", ".join(labels.get(k, k) for k in reg.import_key),
    )  # fmt: skip
    return body, status


@bp.get("/<register_id>/spreadsheet")
@login_required
def upload(register_id: str) -> ResponseReturnValue:
    _allowed(register_id)
    return _page(register_id, None, None)


@bp.get("/<register_id>/spreadsheet/template.xlsx")
@login_required
def template(register_id: str) -> Response:
    _allowed(register_id)
    data = runtime().service.imports.template(register_id, current_language())
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{register_id}-mau-nhap.xlsx"'},
    )


@bp.post("/<register_id>/spreadsheet")
@login_required
def preview(register_id: str) -> ResponseReturnValue:
    _allowed(register_id)
    upload = request.files.get("file")
    filename = (upload.filename or "") if upload else ""
    kind = kind_of(filename)
    if upload is None or kind is None:
        return _page(register_id, None, _("Chọn một tệp .xlsx hoặc .csv."), 422)
    data = upload.read(IMPORT_MAX_BYTES + 1)
    try:
        plan = runtime().service.imports.preview(
            g.actor, register_id, filename, data, locale=current_language()
        )
    except InvalidForm as exc:
        return _page(register_id, None, tr(exc.text), 422)
    except PermissionDenied:
        abort(403)
    (_folder() / f"{plan.digest}.{kind}").write_bytes(data)
    return _page(register_id, plan, None)


@bp.post("/<register_id>/spreadsheet/confirm")
@login_required
def confirm(register_id: str) -> ResponseReturnValue:
    _allowed(register_id)
    digest = request.form.get("digest", "")
    filename = request.form.get("filename", "")[:300]
    kind = kind_of(filename)
    path = _folder() / f"{digest}.{kind}"
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or kind is None or not path.is_file():
        return _page(register_id, None, _("Không còn tệp đã xem trước: hãy tải lên lại."), 422)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        abort(400)
    service = runtime().service
    try:
        plan = service.imports.confirm(g.actor, register_id, filename, data, locale=current_language())
    except InvalidForm as exc:
        again = service.imports.preview(g.actor, register_id, filename, data, locale=current_language())
        return _page(register_id, again, tr(exc.text), 422)
    except PermissionDenied:
        abort(403)
    path.unlink(missing_ok=True)
    counts = plan.counts
    flash(
        _("Đã nhập: %(c)d bản ghi mới, %(u)d cập nhật, %(n)d không đổi.", c=counts["create"], u=counts["update"],
          n=counts["unchanged"]),
        "success",
    )  # fmt: skip
    return redirect(url_for("registers.records", register_id=register_id))
