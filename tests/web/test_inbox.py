"""The inbox: the unread count in the header, the list with its dossier link, mark one / all read
(CSRF), the mail choice, and the API's /me/notifications."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.web._api_support import Api


def test_a_returned_dossier_shows_in_the_producers_inbox_and_is_marked_read(
    app: Flask, as_user: Any, walk: Any
) -> None:
    dossier_id = walk("returned")
    producer = as_user("producer1")
    page = producer.get("/inbox").get_data(as_text=True)
    assert 'data-testid="unread-count"' in page
    assert "được trả lại để bổ sung" in page and f"/dossiers/{dossier_id}" in page
    other = as_user("producer2").get("/inbox").get_data(as_text=True)
    assert "được trả lại để bổ sung" not in other and 'data-testid="unread-count"' not in other
    # no CSRF token: refused, nothing changes
    assert producer.client.post("/inbox/read").status_code == 400
    assert 'data-testid="unread-count"' in producer.get("/inbox").get_data(as_text=True)
    assert producer.post("/inbox/read", page="/inbox").status_code == 302
    after = producer.get("/inbox").get_data(as_text=True)
    assert 'data-testid="unread-count"' not in after and 'data-testid="read-one"' not in after


def test_the_mail_choice_is_saved_and_a_bad_address_is_shown_back(app: Flask, as_user: Any) -> None:
    producer = as_user("producer1")
    bad = producer.post("/inbox/mail", {"email": "không phải email", "mail_mode": "digest"}, page="/inbox")
    assert bad.status_code == 422 and "ten@example.vn" in bad.get_data(as_text=True)
    ok = producer.post("/inbox/mail", {"email": "an@example.vn", "mail_mode": "digest"}, page="/inbox")
    assert ok.status_code == 302
    page = producer.get("/inbox").get_data(as_text=True)
    assert 'value="an@example.vn"' in page and 'value="digest" checked' in page


def test_the_api_lists_the_callers_notifications_and_marks_one_read(app: Flask, walk: Any) -> None:
    walk("returned")
    api = Api(app.test_client())
    listed = api.call("GET", "/me/notifications", "producer1").get_json()
    assert listed["unread"] >= 1 and "được trả lại để bổ sung" in listed["items"][0]["message"]["vi"]
    first = listed["items"][0]["id"]
    assert api.call("POST", f"/me/notifications/{first}/read", "producer2").status_code == 404
    marked = api.call("POST", f"/me/notifications/{first}/read", "producer1").get_json()
    assert marked == {"id": first, "changed": 1, "unread": listed["unread"] - 1}
    assert api.call("GET", "/me/notifications", "producer2").get_json() == {"items": [], "unread": 0}
