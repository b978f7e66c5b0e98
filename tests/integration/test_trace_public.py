"""The public face of a batch (`service.trace.public_batch`), on SQLite and PostgreSQL: found by its
product code and lot (case and spaces do not matter), public fields only, the product's certificate
with its stars and validity today, the events in order with their places, and not-found answers that
say which part is unknown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.errors import NotFound

BATCHES = "ocop-batches"
TRANG_BANG = "25708"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.10, 11.30], [106.11, 11.30], [106.11, 11.31], [106.10, 11.31], [106.10, 11.30]]],
}


@pytest.fixture
def product(service, people, driver, open_dossier) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    producer = people["producer1"]
    done = driver.walk(open_dossier(filed_on=dt.date(2026, 7, 1)).id, ["certified"], stars=4)
    assert done.certificate is not None
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Bánh tráng Trảng Bàng", "org_type": "htx", "registration_number": "3900123456",
        "commune": TRANG_BANG, "leader_name": "Nguyễn Văn An", "leader_gender": "male"})  # fmt: skip
    area = service.create_record(producer, "ocop-growing-areas", {
        "name": "Vùng mãng cầu Thạnh Đức", "crop": "mang-cau", "commune": TRANG_BANG, "shape": SQUARE,
        "producers": [org.id]})  # fmt: skip
    values = {"name": "Bánh tráng phơi sương", "product_set": "06", "producer": org.id, "commune": TRANG_BANG,
              "certificates": [done.certificate.number]}  # fmt: skip
    prod = service.create_record(producer, "ocop-products", values)
    b = service.create_record(producer, BATCHES, {"lot": "L2026-07", "product": prod.id, "commune": TRANG_BANG,
                                                  "produced_on": "2026-07-20"})  # fmt: skip
    return {"code": prod.code, "batch": b.id, "area": area.id, "certificate": done.certificate.number}


def test_a_batch_is_found_by_product_code_and_lot_and_shows_public_fields_only(
    service, people, clock, product
):
    producer = people["producer1"]
    clock.set(dt.date(2026, 8, 1))
    service.trace.record_event(producer, BATCHES, product["batch"], "harvesting",
                               {"growing_area": product["area"], "quantity_kg": 800},
                               at=dt.datetime(2026, 7, 18, 7))  # fmt: skip
    service.trace.record_event(producer, BATCHES, product["batch"], "packing", {"packages": 2000},
                               at=dt.datetime(2026, 7, 21, 9))  # fmt: skip
    public = service.trace.public_batch(product["code"], "l2026-07 ")
    assert public.lot == "L2026-07" and public.product_title == "Bánh tráng phơi sương"
    assert [e.event_id for e in public.events] == ["harvesting", "packing"]
    harvest = {pv.field.id: (pv.value, pv.ref_title) for pv in public.events[0].values}
    assert harvest == {
        "growing_area": (product["area"], "Vùng mãng cầu Thạnh Đức"),
        "quantity_kg": (800, None),
    }
    shown = {pv.field.id: pv.ref_title or pv.value for pv in public.product}
    assert shown["producer"] == "HTX Bánh tráng Trảng Bàng" and "certificates" not in shown
    assert "Nguyễn Văn An" not in repr(public) and "producer1" not in repr(public)  # no people
    assert [p.geometry for p in public.places] == [SQUARE]  # the growing area's shape is public
    [cert] = public.certificates
    assert (cert.number, cert.stars, cert.status) == (product["certificate"], 4, "valid")
    # the ETag changes when the history changes, not on a second read
    again = service.trace.public_batch(product["code"], "L2026-07")
    assert again.etag == public.etag
    service.trace.record_event(producer, BATCHES, product["batch"], "shipping", {"packages": 100})
    assert service.trace.public_batch(product["code"], "L2026-07").etag != public.etag


def test_an_expired_certificate_is_said_so(service, clock, product) -> None:
    cert = service.trace.public_batch(product["code"], "L2026-07").certificates[0]
    clock.set(cert.expires_on + dt.timedelta(days=1))
    assert service.trace.public_batch(product["code"], "L2026-07").certificates[0].status == "expired"


def test_unknown_product_and_unknown_lot_are_told_apart(service, product) -> None:
    with pytest.raises(NotFound) as lot:
        service.trace.public_batch(product["code"], "L1999-01")
    assert lot.value.details["reason"] == "lot"
    with pytest.raises(NotFound) as prod:
        service.trace.public_batch("SP-00-00000-999", "L2026-07")
    assert prod.value.details["reason"] == "product"


def test_an_archived_batch_is_not_shown(service, people, product) -> None:
    service.set_record_status(people["province1"], BATCHES, product["batch"], "archived")
    with pytest.raises(NotFound):
        service.trace.public_batch(product["code"], "L2026-07")
