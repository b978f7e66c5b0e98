"""Notices rendered from the workflow's message templates, on both databases and through a real SMTP
server: a return tells the producer the officer's reason (inbox, mail text, escaped HTML mail, the
link on the public address); a dossier reaching the council tells each member without a sheet."""

from __future__ import annotations

from engine.service.mail import deliver_outbox
from engine.service.scenario import Driver
from tests.integration.test_mail_outbox import smtp  # noqa: F401  (the aiosmtpd fixture)

REASON = "Thiếu giấy chứng nhận cơ sở đủ điều kiện ATTP <b>bản gốc</b>"


def test_a_returned_dossier_tells_its_producer_the_reason_in_the_inbox_and_by_mail(
    service,
    people,
    open_dossier,
    clock,
    smtp,  # noqa: F811
):
    sink, settings = smtp
    service.public_base_url = "https://ocop.example.vn"
    service.notices.set_mail_choice(people["producer1"], "producer1", "an@example.vn", "immediate")
    driver = Driver(service, list(people.values()), comment=REASON, before_fire=lambda: clock.advance(1))
    dossier = open_dossier()
    driver.walk(dossier.id, ["returned"])

    notice = service.notices.inbox(people["producer1"])[0]
    assert notice.message_vi.startswith("Hồ sơ Bánh tráng phơi sương được trả lại để bổ sung\n")
    assert f"Lý do: {REASON}" in notice.message_vi
    assert "Việc cần làm: bổ sung Mẫu 01, Mẫu 02" in notice.message_vi
    assert notice.message_en is not None and f"Reason: {REASON}" in notice.message_en

    deliver_outbox(service._tx, settings, service.now())
    mails = [m for rcpt, m in sink.messages if rcpt == ["an@example.vn"]]
    mail = mails[-1]
    assert mail["Subject"] == "Hồ sơ Bánh tráng phơi sương được trả lại để bổ sung"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"Lý do: {REASON}" in text and f"Reason: {REASON}" in text
    assert f"https://ocop.example.vn/dossiers/{dossier.id}" in text
    # The HTML part escapes what the officer typed: their tags are text, never markup.
    assert "&lt;b&gt;bản gốc&lt;/b&gt;" in html and "<b>bản gốc</b>" not in html
    assert f'href="https://ocop.example.vn/dossiers/{dossier.id}"' in html


def _waiting(service, people, username):  # type: ignore[no-untyped-def]
    return [i for i in service.notices.inbox(people[username]) if "đang chờ phiếu chấm" in i.message_vi]


def test_council_members_without_a_sheet_are_told_a_dossier_waits_for_theirs(
    service, people, driver, open_dossier
):
    dossier = open_dossier()
    driver.walk(dossier.id, ["council_scoring"])
    members = ["council1", "council2", "council3", "council4", "council5", "chair"]
    for username in members:
        (notice,) = _waiting(service, people, username)
        assert notice.dossier_id == dossier.id
        assert "Hội đồng cấp tỉnh chấm điểm" in notice.message_vi  # the state it reached
    assert _waiting(service, people, "producer1") == []
    assert _waiting(service, people, "province1") == []

    # The council scores, the chair of the province sends the dossier back to it: the members
    # who saved a sheet there are not asked again for one.
    driver.walk(dossier.id, ["chair_decision"])
    service.fire(people["province_chair"], dossier.id, "province_send_back", comment="Xem lại tiêu chí 3")
    for username in members:
        assert len(_waiting(service, people, username)) == 1, username


def test_the_worker_needs_the_public_address_in_production(database_url, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    import argparse

    from engine.commands.db import open_service
    from engine.commands.worker import worker_command

    args = argparse.Namespace(
        database_url=database_url, definitions=None, parked=False, once=True, interval=1.0
    )
    monkeypatch.setenv("OCOPFLOW_ENV", "production")
    monkeypatch.delenv("OCOPFLOW_PUBLIC_BASE_URL", raising=False)
    assert worker_command(args) == 1
    assert "OCOPFLOW_PUBLIC_BASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("OCOPFLOW_PUBLIC_BASE_URL", "https://ocop.example.vn/")
    service = open_service(args)
    try:
        assert service.public_base_url == "https://ocop.example.vn"
    finally:
        service._tx.__self__.engine.dispose()  # the service's own engine: no connection left open
