"""The producer's page to record a batch's trace events (web/views/trace_events.py): choose the event,
type its time, place, quantities the Vietnamese way and a note; errors summarised at the top and
beside the field with everything typed kept; only the producer's own batches (an officer in scope
reads them); the event then shows on the batch's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.web.client import Browser
from tests.web.test_trace_page import COMMUNE, product_records

BATCHES = "ocop-batches"


@pytest.fixture
def lot(app: Flask) -> dict[str, Any]:
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    area, product = product_records(service, producer)
    b = service.create_record(
        producer, BATCHES, {"lot": "BT-0077", "product": product.id, "commune": COMMUNE}
    )
    return {"id": b.id, "area": area.id, "code": product.code,
            "events": f"/registers/{BATCHES}/{b.id}/trace", "public": f"/t/{product.code}/10/BT-0077"}  # fmt: skip


def _signed_in(app: Flask, user: str = "producer1") -> Browser:
    browser = Browser(app.test_client())
    browser.login(user)
    return browser


def _harvest(lot: dict[str, Any], **over: str) -> dict[str, str]:
    return {"when.day": "2", "when.month": "3", "when.year": "2026", "when.time": "06:30",
            "f.e.growing_area": str(lot["area"]), "f.e.quantity_kg": "1.200,5",
            "f.e.note": "Hái buổi sáng, trời khô", **over}  # fmt: skip


def test_a_producer_records_a_harvest_typed_the_vietnamese_way_and_reads_it_back(app: Flask, lot) -> None:
    browser = _signed_in(app)
    choose = browser.get(lot["events"]).get_data(as_text=True)
    assert "Thu hoạch nguyên liệu" in choose and "Lô này chưa có sự kiện nào được ghi." in choose
    # packing needs a harvest first: offered, but disabled with the reason
    assert re.search(r'value="packing"[^>]*disabled', choose) and "lô chưa có sự kiện" in choose
    step = browser.get(lot["events"] + "?event=harvesting")
    assert step.status_code == 302 and step.headers["Location"].endswith("/trace/harvesting")
    form = browser.get(lot["events"] + "/harvesting").get_data(as_text=True)
    assert "Vùng đất sét Bát Tràng" in form and 'name="when.day"' in form and "Ghi chú" in form
    page = lot["events"] + "/harvesting"
    done = browser.post(page, _harvest(lot), page=page)
    assert done.status_code == 302 and done.headers["Location"].endswith(lot["events"])
    shown = browser.get(lot["events"]).get_data(as_text=True)
    assert "Đã ghi sự kiện «Thu hoạch nguyên liệu»." in shown
    assert shown.count('data-testid="trace-event"') == 1
    assert "02/03/2026 06:30" in shown  # the time as typed, in Vietnam's zone
    assert "1.200,5" in shown and "Vùng đất sét Bát Tràng" in shown and "Hái buổi sáng, trời khô" in shown
    service = app.extensions["ocopflow"].service
    [event] = service.trace.history(service.actor_for_username("producer1"), BATCHES, lot["id"])
    assert event.values["quantity_kg"] == 1200.5 and event.event_time.isoformat() == "2026-03-01T23:30:00"
    public = app.test_client().get(lot["public"]).get_data(as_text=True)
    assert "Thu hoạch nguyên liệu" in public and "1.200,5" in public
    assert "Hái buổi sáng" not in public  # the note is not marked public
    assert "02/03/2026" in public  # the local day, not UTC's (23:30 on the 1st)


def test_a_wrong_date_and_a_bad_number_are_both_named_and_nothing_typed_is_lost(app: Flask, lot) -> None:
    browser = _signed_in(app)
    page = lot["events"] + "/harvesting"
    r = browser.post(page, _harvest(lot, **{"when.day": "31", "when.month": "2", "f.e.quantity_kg": "1.200,5kg"}),
                     page=page)  # fmt: skip
    text = r.get_data(as_text=True)
    assert r.status_code == 422
    summary = text.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert "Ngày không đúng" in summary and "Phải là một số" in summary
    assert 'href="#when-day"' in summary and 'href="#f-e-quantity_kg"' in summary
    assert 'data-testid="error-when"' in text and 'data-testid="error-quantity_kg"' in text
    assert 'value="31"' in text and 'value="1.200,5kg"' in text and "Hái buổi sáng, trời khô" in text
    assert re.search(rf'<option value="{lot["area"]}" selected', text)
    service = app.extensions["ocopflow"].service
    assert service.trace.history(service.actor_for_username("producer1"), BATCHES, lot["id"]) == []


def test_a_time_in_the_future_is_refused_beside_the_time(app: Flask, lot) -> None:
    browser = _signed_in(app)
    page = lot["events"] + "/harvesting"
    r = browser.post(page, _harvest(lot, **{"when.year": "2099"}), page=page)
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and "ở tương lai" in text.split('data-testid="error-when"')[1][:200]


def test_choosing_nothing_asks_for_a_choice(app: Flask, lot) -> None:
    r = _signed_in(app).get(lot["events"] + "?event=")
    assert r.status_code == 422 and "Chọn loại sự kiện cần ghi." in r.get_data(as_text=True)


def test_another_producer_cannot_see_the_batch_and_an_officer_in_scope_reads_but_does_not_record(
    app: Flask, lot
) -> None:
    assert _signed_in(app, "producer2").get(lot["events"]).status_code == 404
    officer = _signed_in(app, "commune1")
    page = officer.get(lot["events"]).get_data(as_text=True)
    assert "Sự kiện truy xuất của lô" in page
    assert 'name="event"' not in page  # harvesting is the producer's (the YAML), inspecting needs it first
    r = officer.post(lot["events"] + "/harvesting", _harvest(lot), page=lot["events"] + "/harvesting")
    assert r.status_code == 422 and "Bạn không được ghi sự kiện «harvesting» cho lô này." in r.get_data(
        as_text=True
    )


def test_the_post_needs_its_csrf_token(app: Flask, lot) -> None:
    browser = _signed_in(app)
    r = browser.client.post(lot["events"] + "/harvesting", data=_harvest(lot))
    assert r.status_code == 400


def test_recording_writes_an_audit_event(app: Flask, lot) -> None:
    browser = _signed_in(app)
    page = lot["events"] + "/harvesting"
    browser.post(page, _harvest(lot), page=page)
    service = app.extensions["ocopflow"].service
    history = service.record_history(service.actor_for_username("producer1"), BATCHES, lot["id"])
    assert [e.action for e, _payload in history].count("trace.event") == 1
