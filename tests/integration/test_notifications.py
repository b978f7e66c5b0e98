"""Notify effects reach the users in scope: an inbox row each, an immediate mail for those who chose
it, a daily digest (once per user per day) for the others; both databases, a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.service.mail import deliver_outbox, queued
from engine.service.notifications import send_digests
from engine.storage import tables as t
from tests.integration.test_mail_outbox import smtp  # noqa: F401  (the aiosmtpd fixture)


def _return(service, people, driver, open_dossier):  # type: ignore[no-untyped-def]
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["returned"])
    return dossier


def test_a_return_tells_the_producer_of_the_dossier_and_nobody_else(service, people, driver, open_dossier):
    n = service.notices
    n.set_mail_choice(people["producer1"], "producer1", "an@example.vn", "immediate")
    n.set_mail_choice(people["producer2"], "producer2", "binh@example.vn", "immediate")
    dossier = _return(service, people, driver, open_dossier)
    inbox = n.inbox(people["producer1"])
    assert [i.message_vi.splitlines()[0] for i in inbox][:1] == [
        "Hồ sơ Bánh tráng phơi sương được trả lại để bổ sung"
    ]
    assert all(i.dossier_id == dossier.id for i in inbox)
    assert n.inbox(people["producer2"]) == []
    # the commune officer of another commune never hears of the dossier submitted in commune1's
    assert n.inbox(people["commune2"]) == []
    assert n.inbox(people["commune1"]), "the submit notified the dossier's commune officer"
    mails = queued(service._tx)
    assert [m["recipient"] for m in mails] == ["an@example.vn"] * len(inbox)
    assert f"/dossiers/{dossier.id}" in str(mails[-1]["body"])
    with service._tx(write=False) as repo:
        payloads = repo.connection.execute(
            select(t.audit_events.c.payload).where(
                t.audit_events.c.dossier_id == dossier.id, t.audit_events.c.action == "fire"
            )
        ).scalars()
        told = [e for p in payloads for e in json.loads(p)["effects"] if e["effect"] == "notify"]
    assert {"effect": "notify", "roles": ["producer"], "told": ["producer1"], "template": "returned"} in told


def test_marking_read_counts_and_another_persons_notification_is_not_found(
    service, people, driver, open_dossier
):
    _return(service, people, driver, open_dossier)
    n = service.notices
    producer = people["producer1"]
    total = n.unread_count(producer)
    assert total >= 1
    first = n.inbox(producer)[0]
    with pytest.raises(NotFound):
        n.mark_read(people["producer2"], first.id)
    assert n.mark_read(producer, first.id) == 1
    assert n.unread_count(producer) == total - 1
    assert n.mark_read(producer) == total - 1
    assert n.unread_count(producer) == 0 and all(i.read for i in n.inbox(producer))


def test_a_bad_address_or_mode_is_refused_and_only_an_administrator_sets_anothers(service, people):
    n = service.notices
    with pytest.raises(InvalidForm) as bad:
        n.set_mail_choice(people["producer1"], "producer1", "not an address", "weekly")
    assert set(bad.value.problems) == {"email", "mail_mode"}
    with pytest.raises(PermissionDenied):
        n.set_mail_choice(people["producer1"], "producer2", "b@example.vn", "digest")
    n.set_mail_choice(people["admin"], "producer2", "b@example.vn", "digest")
    assert n.mail_choice(people["producer2"]) == ("b@example.vn", "digest")


def test_digest_users_get_one_mail_a_day_with_their_unread_notifications(
    service,
    people,
    driver,
    open_dossier,
    clock,
    smtp,  # noqa: F811
):
    sink, settings = smtp
    n = service.notices
    n.set_mail_choice(people["producer1"], "producer1", "an@example.vn", "digest")
    n.set_mail_choice(people["commune1"], "commune1", "xa@example.vn", "digest")
    n.set_mail_choice(people["producer2"], "producer2", "binh@example.vn", "digest")  # told nothing
    _return(service, people, driver, open_dossier)
    assert queued(service._tx) == [], "digest users get no immediate mail"
    now = service.now()
    first = send_digests(service._tx, settings, now)
    again = send_digests(service._tx, settings, now + dt.timedelta(hours=3))
    assert first.mails == 2 and again.mails == 0
    deliver_outbox(service._tx, settings, now + dt.timedelta(hours=3))
    assert sorted(r[0] for r, _ in sink.messages) == ["an@example.vn", "xa@example.vn"]
    body = next(m for r, m in sink.messages if r == ["an@example.vn"]).get_content()
    assert "Hồ sơ Bánh tráng phơi sương được trả lại để bổ sung" in body
    # the next day: nothing new unread and undigested, so no mail; a new notification makes one
    assert send_digests(service._tx, settings, now + dt.timedelta(days=1)).mails == 0
    driver.walk(open_dossier(filed_on=(now + dt.timedelta(days=1)).date()).id, ["returned"])
    later = service.now() + dt.timedelta(days=1)
    assert send_digests(service._tx, settings, later).mails == 2
    assert send_digests(service._tx, settings, later).mails == 0
    with service._tx(write=False) as repo:
        days = repo.connection.execute(select(t.user_notifications.c.digested_on)).scalars().all()
    assert None not in days
