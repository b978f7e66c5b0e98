"""The public trace page /t/{product code}/10/{lot}: no sign-in, the batch's timeline, a shared-cache
friendly answer (ETag, Cache-Control, 304, no cookie), English by its URL, and a not-found page that
does not call the product fake."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

COMMUNE = "00583"  # producer1's commune in the web tests' people
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.90, 21.00], [105.91, 21.00], [105.91, 21.01], [105.90, 21.01], [105.90, 21.00]]],
}


def product_records(service: Any, producer: Any) -> tuple[Any, Any]:
    """A producer organisation, its growing area and its product in COMMUNE: the records a batch
    names (the trace tests share them). Returns (growing area, product)."""
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Gốm Bát Tràng", "org_type": "htx", "registration_number": "0101234567",
        "commune": COMMUNE, "leader_name": "Trần Thị Bình", "leader_gender": "female"})  # fmt: skip
    area = service.create_record(producer, "ocop-growing-areas", {
        "name": "Vùng đất sét Bát Tràng", "crop": "mang-cau", "commune": COMMUNE, "shape": SQUARE,
        "producers": [org.id]})  # fmt: skip
    product = service.create_record(producer, "ocop-products", {
        "name": "Bình gốm men lam", "product_set": "21", "producer": org.id, "commune": COMMUNE})  # fmt: skip
    return area, product


@pytest.fixture
def batch(app: Flask) -> dict[str, Any]:
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    area, product = product_records(service, producer)
    b = service.create_record(producer, "ocop-batches", {"lot": "BT-0042", "product": product.id,
                                                         "commune": COMMUNE})  # fmt: skip
    service.trace.record_event(producer, "ocop-batches", b.id, "harvesting",
                               {"growing_area": area.id, "quantity_kg": 1200.5})  # fmt: skip
    service.trace.record_event(producer, "ocop-batches", b.id, "packing", {"packages": 300})
    return {"path": f"/t/{product.code}/10/BT-0042", "code": product.code, "id": b.id}


def test_the_trace_page_shows_the_batch_without_sign_in_and_can_be_cached(app: Flask, batch) -> None:
    client = app.test_client()
    r = client.get(batch["path"])
    page = r.get_data(as_text=True)
    assert r.status_code == 200, page
    assert "Bình gốm men lam" in page and "HTX Gốm Bát Tràng" in page and "BT-0042" in page
    assert page.count('data-testid="trace-event"') == 2
    assert "Thu hoạch nguyên liệu" in page and "Vùng đất sét Bát Tràng" in page and "1.200,5" in page
    assert "Trần Thị Bình" not in page and "producer1" not in page  # no people
    assert "csrf_token" not in page and "Set-Cookie" not in r.headers
    assert 'id="trace-map"' in page  # the growing area has a public shape
    assert r.headers["Cache-Control"].startswith("public, max-age=") and r.headers["ETag"]
    again = client.get(batch["path"], headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    stale = client.get(batch["path"], headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_the_english_page_has_its_own_address_and_etag(app: Flask, batch) -> None:
    client = app.test_client()
    vi = client.get(batch["path"])
    en = client.get(batch["path"] + "?lang=en")
    text = en.get_data(as_text=True)
    assert en.status_code == 200 and "Harvesting" in text and 'lang="en"' in text and "1,200.5" in text
    assert en.headers["ETag"] != vi.headers["ETag"]
    assert f'href="{batch["path"]}"' in text  # the switch back to Vietnamese


def test_an_unknown_lot_is_not_called_fake(app: Flask, batch) -> None:
    client = app.test_client()
    r = client.get(f"/t/{batch['code']}/10/NOPE-1")
    text = r.get_data(as_text=True)
    assert r.status_code == 404 and "NOPE-1" in text and "không có nghĩa là sản phẩm giả" in text
    other = client.get("/t/SP-99-99999-999/10/BT-0042")
    assert other.status_code == 404 and "chưa có sản phẩm mã SP-99-99999-999" in other.get_data(as_text=True)


def test_the_lot_in_the_address_ignores_case(app: Flask, batch) -> None:
    r = app.test_client().get(batch["path"].replace("BT-0042", "bt-0042"))
    assert r.status_code == 200


def test_the_epcis_export_of_a_batch_passes_gs1s_schema_and_keeps_its_scope(app: Flask, batch) -> None:
    import json
    from pathlib import Path

    import jsonschema

    from tests.web._api_support import Api

    api = Api(app.test_client())
    r = api.call("GET", f"/batches/{batch['id']}/epcis", "producer1")
    assert r.status_code == 200 and r.mimetype == "application/ld+json"
    doc = r.get_json()
    schema = json.loads((Path(__file__).parents[1] / "fixtures/epcis-2.0/EPCIS-JSON-Schema.json").read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    events = doc["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["harvesting", "packing"]
    assert events[0]["quantityList"][0]["epcClass"].endswith(f"/01/{batch['code']}/10/BT-0042")
    assert api.call("GET", f"/batches/{batch['id']}/epcis", "producer2").status_code == 404  # other area
    assert api.call("GET", f"/batches/{batch['id']}/epcis").status_code == 401
