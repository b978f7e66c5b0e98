"""The background jobs that failed, for administrators: parked timers and the mails the SMTP
server did not take, each with its error, and a retry (CSRF like every form; the service audits it)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import NotFound
from web.admin import bp
from web.admin.access import requires
from web.runtime import runtime


@bp.get("/jobs")
@requires("administer")
def jobs() -> ResponseReturnValue:
    found = runtime().service.parked.jobs(g.actor)
    return render_template("admin/jobs.html", timers=found.timers, mails=found.mails)


@bp.post("/jobs/timer/<int:timer_id>/retry")
@requires("administer")
def retry_timer(timer_id: int) -> ResponseReturnValue:
    try:
        runtime().service.parked.retry_timer(g.actor, timer_id)
        flash(_("Hẹn giờ %(id)s sẽ chạy lại ở lượt tiếp theo của tiến trình nền.", id=timer_id), "success")
    except NotFound:
        flash(_("Hẹn giờ %(id)s không còn chờ thử lại.", id=timer_id), "error")
    return redirect(url_for("admin.jobs"))


@bp.post("/jobs/mail/<int:outbox_id>/retry")
@requires("administer")
def retry_mail(outbox_id: int) -> ResponseReturnValue:
    try:
        runtime().service.parked.retry_mail(g.actor, outbox_id)
        flash(_("Thư %(id)s sẽ được gửi lại ở lượt tiếp theo của tiến trình nền.", id=outbox_id), "success")
    except NotFound:
        flash(_("Thư %(id)s không còn chờ gửi.", id=outbox_id), "error")
    return redirect(url_for("admin.jobs"))
