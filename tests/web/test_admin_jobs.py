"""The administrator's page of failed background jobs: a parked timer and a mail the SMTP server
kept refusing, each with its error; a retry (CSRF) makes it due now and is audited."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select, update

from engine.service.mail import MAX_MAIL_ATTEMPTS, SmtpSettings, deliver_outbox, enqueue_mail
from engine.storage import tables as t


def _park(app: Flask, dossier_id: int) -> tuple[int, int]:
    """A timer parked with its error, and a mail the (unreachable) server refused until parked."""
    service = app.extensions["ocopflow"].service
    now = service.now()
    with service._tx() as repo:
        repo.arm_timer(dossier_id=dossier_id, state="commune_check", timer="commune_check_late", phase="due",
                       due_at=now, created_at=now)  # fmt: skip
        timer_id = repo.connection.execute(select(t.timers.c.id).order_by(t.timers.c.id.desc())).scalar()
        repo.set_timer(timer_id, status="parked", attempts=5, last_error="RuntimeError: lịch làm việc hỏng")
        mail_id = enqueue_mail(
            repo, recipient="an@example.vn", subject="Hồ sơ bị trả lại", body="Lý do", now=now
        )
        repo.connection.execute(
            update(t.mail_outbox).where(t.mail_outbox.c.id == mail_id).values(attempts=MAX_MAIL_ATTEMPTS - 1)
        )
    down = SmtpSettings(host="127.0.0.1", port=9, timeout=2)  # nothing listens on the discard port
    deliver_outbox(service._tx, down, now)
    return timer_id, mail_id


def test_the_administrator_sees_failed_jobs_with_their_errors_and_retries_them(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("commune_check")
    timer_id, mail_id = _park(app, dossier_id)
    service = app.extensions["ocopflow"].service
    with service._tx(write=False) as repo:
        mail = (
            repo.connection.execute(select(t.mail_outbox).where(t.mail_outbox.c.id == mail_id))
            .mappings()
            .one()
        )
    assert mail["parked_at"] is not None and "ConnectionRefusedError" in mail["last_error"]

    admin = as_user("admin")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "RuntimeError: lịch làm việc hỏng" in page and "commune_check/commune_check_late" in page
    assert "an@example.vn" in page and "ConnectionRefusedError" in page and "tạm dừng" in page
    assert as_user("producer1").get("/admin/jobs").status_code == 403
    assert admin.client.post(f"/admin/jobs/timer/{timer_id}/retry").status_code == 400  # no CSRF token

    assert admin.post(f"/admin/jobs/timer/{timer_id}/retry", page="/admin/jobs").status_code == 302
    assert admin.post(f"/admin/jobs/mail/{mail_id}/retry", page="/admin/jobs").status_code == 302
    with service._tx(write=False) as repo:
        timer = repo.timer_for_update(timer_id)
        mail = (
            repo.connection.execute(select(t.mail_outbox).where(t.mail_outbox.c.id == mail_id))
            .mappings()
            .one()
        )
        actions = repo.connection.execute(
            select(t.audit_events.c.action, t.audit_events.c.actor).where(
                t.audit_events.c.action.in_(["retry_timer", "retry_mail", "mail_parked"])
            )
        ).all()
    assert (timer["status"], timer["attempts"]) == ("pending", 0)
    assert mail["parked_at"] is None and mail["attempts"] == 0
    assert sorted(actions) == [("mail_parked", "system"), ("retry_mail", "admin"), ("retry_timer", "admin")]
    after = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Không có hẹn giờ nào bị tạm dừng." in after
    # A second retry of the same timer: it is no longer parked.
    again = admin.post(f"/admin/jobs/timer/{timer_id}/retry", page="/admin/jobs", follow_redirects=True)
    assert f"Hẹn giờ {timer_id} không còn chờ thử lại." in again.get_data(as_text=True)
