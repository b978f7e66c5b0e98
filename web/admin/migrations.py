"""Migration of open dossiers for administrators: a plan (YAML, as `ocopflow migrate` reads) ->
for every open dossier where it would land and what blocks it -> apply, all or nothing."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import InvalidDefinition, NotFound, PermissionDenied
from web.admin import bp
from web.admin.access import requires
from web.i18n import current_language
from web.problems import error_text
from web.runtime import runtime

MAX_PLAN = 200_000  # bytes

EXAMPLE = """workflow: ocop-2026
from: "2026.1"
to: "2026.2"
states:
  business_plan: plan_submitted
"""


def _plan_text() -> tuple[str, str]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_PLAN + 1)[: MAX_PLAN + 1]
        return data.decode("utf-8-sig", errors="replace"), upload.filename.replace("\\", "/").rsplit("/", 1)[
            -1
        ][:200]
    name = (request.form.get("filename") or "plan.yaml").strip()[:200] or "plan.yaml"
    return request.form.get("plan", "").replace("\r\n", "\n"), name


@bp.get("/migrations")
@requires("administer")
def migrations() -> str:
    return render_template("admin/migrations.html", plan=EXAMPLE, filename="plan.yaml", preview=None)


@bp.post("/migrations/preview")
@requires("administer")
def preview_migration() -> ResponseReturnValue:
    text, name = _plan_text()
    if not text.strip() or len(text.encode()) > MAX_PLAN:
        flash(
            _("Hãy dán hoặc chọn một kế hoạch chuyển đổi (YAML, tối đa %(n)d KB).", n=MAX_PLAN // 1000),
            "error",
        )
        return redirect(url_for("admin.migrations"))
    try:
        preview = runtime().service.preview_migration_plan(g.actor, text, name, current_language())
    except (NotFound, InvalidDefinition) as exc:
        flash(error_text(exc), "error")
        return render_template("admin/migrations.html", plan=text, filename=name, preview=None), 422
    status = 200 if preview.ok else 422
    return render_template(
        "admin/migrations.html", plan=text, filename=name, preview=preview, lines=text.splitlines()
    ), status


@bp.post("/migrations/apply")
@requires("administer")
def apply_migration() -> ResponseReturnValue:
    text, name = _plan_text()
    try:
        plan = runtime().service.apply_migration_plan(g.actor, text, name, current_language())
    except (InvalidDefinition, NotFound, PermissionDenied) as exc:
        flash(_("Chưa chuyển hồ sơ nào: %(why)s", why=error_text(exc)), "error")
        return redirect(url_for("admin.migrations")), 303
    flash(
        _(
            "Đã chuyển %(n)d hồ sơ sang %(wf)s %(v)s.",
            n=len(plan.items),
            wf=plan.workflow_id,
            v=plan.to_version,
        ),
        "success",
    )
    return redirect(url_for("admin.migrations")), 303
