"""POST /api/v1/trace/events: EPCIS 2.0 JSON in (one event or an EPCISDocument), checked against GS1's
schema, recorded as the page would; 422 names the place by JSON Pointer. The round trip: a batch's
export, imported into a fresh installation, exports the same events. And the Digital Link address the
export names resolves to the public trace page, which a shared cache may keep for everyone."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask

from engine.definitions.model import Catalog
from tests.web._api_support import Api, assert_error_shape
from tests.web.client import Browser
from tests.web.conftest import add_people, make_app
from tests.web.test_trace_page import COMMUNE, product_records

BATCHES = "ocop-batches"
SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures/epcis-2.0/EPCIS-JSON-Schema.json").read_text("utf-8")
)
T0 = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def build(app: Flask) -> dict[str, Any]:
    """The same producer, growing area, product and two batches (same codes, in the same order)."""
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    area, product = product_records(service, producer)
    a = service.create_record(producer, BATCHES, {"lot": "BT-01", "product": product.id, "commune": COMMUNE})
    b = service.create_record(producer, BATCHES, {"lot": "BT-02", "product": product.id, "commune": COMMUNE})
    return {
        "service": service,
        "producer": producer,
        "area": area.id,
        "code": product.code,
        "a": a.id,
        "b": b.id,
    }


def history(made: dict[str, Any]) -> None:
    service, producer, area = made["service"], made["producer"], made["area"]
    record = service.trace.record_event
    record(producer, BATCHES, made["a"], "harvesting", {"growing_area": area, "quantity_kg": 1200.5,
                                                         "note": "sáng"}, at=T0)  # fmt: skip
    record(producer, BATCHES, made["b"], "receiving", {"growing_area": area, "supplier": "Tổ hợp tác Đông"},
           at=T0 + dt.timedelta(hours=2))  # fmt: skip
    record(producer, BATCHES, made["a"], "inspecting", {"laboratory": "Quatest 1", "report_number": "KN-7",
                                                         "result": "pass"}, at=T0 + dt.timedelta(days=1))  # fmt: skip
    record(producer, BATCHES, made["b"], "transforming", {"note": "gộp hai lô"}, inputs=[made["a"]],
           at=T0 + dt.timedelta(days=2))  # fmt: skip
    record(producer, BATCHES, made["b"], "packing", {"packages": 300}, at=T0 + dt.timedelta(days=3))
    record(producer, BATCHES, made["b"], "shipping", {"destination": "Co.op Mart", "packages": 120},
           at=T0 + dt.timedelta(days=4))  # fmt: skip


def events_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The events without the time each installation wrote them down."""
    return [{k: v for k, v in e.items() if k != "recordTime"} for e in doc["epcisBody"]["eventList"]]


@pytest.fixture
def second(tmp_path: Path, catalog: Catalog, empty_database_url: str) -> Any:
    other = make_app(tmp_path / "second", catalog, empty_database_url)
    add_people(other)
    yield other
    other.extensions["ocopflow"].database.engine.dispose()


def test_export_import_into_a_fresh_installation_and_export_again_gives_the_same_events(
    app: Flask, second: Flask
) -> None:
    here, there = build(app), build(second)
    history(here)
    first = Api(app.test_client()).call("GET", f"/batches/{here['b']}/epcis", "producer1").get_json()
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(first)
    assert [e["bizStep"] for e in first["epcisBody"]["eventList"]] == [
        "harvesting", "receiving", "inspecting", "transforming", "packing", "shipping"]  # fmt: skip
    api = Api(second.test_client())
    r = api.call("POST", "/trace/events", "producer1", json=first)
    assert r.status_code == 201, r.get_json()
    assert [i["event"] for i in r.get_json()["items"]] == [
        "harvesting", "receiving", "inspecting", "transforming", "packing", "shipping"]  # fmt: skip
    again = api.call("GET", f"/batches/{there['b']}/epcis", "producer1").get_json()
    assert events_of(again) == events_of(first)
    assert events_of(again)[0]["ocop:values"] == {
        "growing_area": there["area"],
        "quantity_kg": 1200.5,
        "note": "sáng",
    }
    # and the imported history is the fresh installation's own: its public page shows it
    page = second.test_client().get(f"/t/{there['code']}/10/BT-02").get_data(as_text=True)
    assert page.count('data-testid="trace-event"') == 6 and "Co.op Mart" in page and "1.200,5" in page


def _event(code: str, **over: Any) -> dict[str, Any]:
    event = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"ocop": "https://ocopflow.example/ns/trace#"}],
        "type": "ObjectEvent", "action": "ADD", "bizStep": "harvesting",
        "eventTime": "2026-03-02T06:30:00+07:00", "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": f"https://producer.example/01/{code}/10/BT-01"}],
    }  # fmt: skip
    event.update(over)
    return event


def test_one_schema_valid_event_is_recorded_by_its_biz_step(app: Flask) -> None:
    made = build(app)
    event = _event(made["code"], **{"ocop:values": {"growing_area": made["area"], "quantity_kg": 80}})
    jsonschema.Draft7Validator(SCHEMA).validate(event)
    r = Api(app.test_client()).call("POST", "/trace/events", "producer1", json=event)
    assert r.status_code == 201, r.get_json()
    [item] = r.get_json()["items"]
    assert item["event"] == "harvesting" and item["event_time"] == "2026-03-01T23:30:00Z"
    [stored] = made["service"].trace.history(made["producer"], BATCHES, made["a"])
    assert stored.values == {"growing_area": made["area"], "quantity_kg": 80}


def test_a_schema_invalid_event_is_422_with_the_pointer_and_nothing_is_recorded(app: Flask) -> None:
    made = build(app)
    api = Api(app.test_client())
    bad_time = _event(made["code"], eventTime="hôm qua")
    bad_time["eventTimeZoneOffset"] = "7h"
    error = assert_error_shape(
        api.call("POST", "/trace/events", "producer1", json=bad_time), 422, "invalid_form"
    )
    assert "/eventTimeZoneOffset" in error["details"]["problems"]
    assert "EPCIS 2.0" in error["details"]["problems"]["/eventTimeZoneOffset"]
    doc = {"@context": bad_time["@context"], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-04T00:00:00Z",
           "epcisBody": {"eventList": [_event(made["code"]), {**_event(made["code"]), "action": "PAINT"}]}}  # fmt: skip
    error = assert_error_shape(api.call("POST", "/trace/events", "producer1", json=doc), 422, "invalid_form")
    assert list(error["details"]["problems"]) == ["/epcisBody/eventList/1/action"]
    assert made["service"].trace.history(made["producer"], BATCHES, made["a"]) == []


def test_a_valid_document_with_a_refused_event_records_none_of_them(app: Flask) -> None:
    made = build(app)
    good = _event(made["code"], **{"ocop:values": {"growing_area": made["area"]}})
    shipped = _event(made["code"], bizStep="shipping", eventTime="2026-03-03T06:30:00+07:00",
                     **{"ocop:values": {"packages": "nhiều"}})  # fmt: skip
    doc = {"@context": good["@context"], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-04T00:00:00Z", "epcisBody": {"eventList": [good, shipped]}}  # fmt: skip
    del good["@context"], shipped["@context"]
    error = assert_error_shape(
        Api(app.test_client()).call("POST", "/trace/events", "producer1", json=doc), 422, "invalid_form"
    )
    # shipping comes only after packing (the YAML); the message names the order
    assert list(error["details"]["problems"]) == ["/epcisBody/eventList/1/ocop:event"]
    assert "packing" in error["details"]["problems"]["/epcisBody/eventList/1/ocop:event"]
    assert made["service"].trace.history(made["producer"], BATCHES, made["a"]) == []


def test_an_unknown_batch_or_another_producers_batch_is_named_at_its_class(app: Flask) -> None:
    made = build(app)
    api = Api(app.test_client())
    event = _event(made["code"], **{"ocop:values": {"growing_area": made["area"]}})
    for user in ("producer2", "producer1"):
        body = copy.deepcopy(event)
        if user == "producer1":
            body["quantityList"][0]["epcClass"] = f"https://x.example/01/{made['code']}/10/NOPE"
        error = assert_error_shape(api.call("POST", "/trace/events", user, json=body), 422, "invalid_form")
        assert list(error["details"]["problems"]) == ["/quantityList/0/epcClass"], user
    assert api.call("POST", "/trace/events", json=event).status_code == 401


def test_the_digital_link_address_of_the_export_opens_the_public_page(app: Flask) -> None:
    made = build(app)
    history(made)
    doc = Api(app.test_client()).call("GET", f"/batches/{made['b']}/epcis", "producer1").get_json()
    uri = doc["epcisBody"]["eventList"][-1]["quantityList"][0]["epcClass"]
    client = app.test_client()
    r = client.get(uri + "?lang=en")
    assert r.status_code == 301 and r.headers["Location"] == f"/t/{made['code']}/10/BT-02?lang=en"
    page = client.get(uri, follow_redirects=True)
    assert page.status_code == 200 and "Bình gốm men lam" in page.get_data(as_text=True)


def test_the_public_page_is_the_same_for_everyone_and_never_varies_on_or_sets_a_cookie(app: Flask) -> None:
    made = build(app)
    history(made)
    path = f"/t/{made['code']}/10/BT-02"
    anonymous = app.test_client().get(path)
    browser = Browser(app.test_client())
    browser.login("producer1")
    signed = browser.get(path)
    for r in (
        anonymous,
        signed,
        browser.get(f"/t/{made['code']}/10/NOPE"),
        browser.get(f"/01/{made['code']}/10/BT-02"),
    ):
        assert r.headers["Cache-Control"].startswith("public"), r.status_code
        assert "Set-Cookie" not in r.headers and "Cookie" not in r.headers.get("Vary", ""), r.status_code
    assert signed.get_data() == anonymous.get_data() and signed.headers["ETag"] == anonymous.headers["ETag"]
    assert "producer1" not in signed.get_data(as_text=True)
    # the signed-in pages around it stay private to their reader
    own = browser.get(f"/registers/{BATCHES}/{made['b']}/trace")
    assert "public" not in own.headers.get("Cache-Control", "") and "Cookie" in own.headers.get("Vary", "")
