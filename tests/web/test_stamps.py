"""Stamp sheets of a batch (the PDF read back with pypdf, its QR decoded with zxing-cpp) and the
scans of the batch's public page (counted per day, no address kept, a flood refused with 429)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from tests.web.client import Browser

COMMUNE = "00583"  # producer1's and commune1's commune in the web tests' people


@pytest.fixture
def batch(app: Flask) -> dict[str, Any]:
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Gốm Bát Tràng", "org_type": "htx", "registration_number": "0101234567",
        "commune": COMMUNE, "leader_name": "Trần Thị Bình", "leader_gender": "female"})  # fmt: skip
    product = service.create_record(producer, "ocop-products", {
        "name": "Mứt gừng Đồng Nai đặc biệt", "product_set": "07", "producer": org.id, "commune": COMMUNE})  # fmt: skip
    b = service.create_record(producer, "ocop-batches", {
        "lot": "MG-0042", "product": product.id, "commune": COMMUNE, "best_before": "2027-06-30"})  # fmt: skip
    return {"id": b.id, "code": product.code, "path": f"/t/{product.code}/10/MG-0042"}


def _print(b: Browser, batch: dict[str, Any], quantity: str) -> Any:
    page = f"/stamps/ocop-batches/{batch['id']}"
    return b.post(f"{page}/sheet.pdf", {"quantity": quantity}, page=page)


def _qr_texts(reader: PdfReader) -> list[str]:
    found = []
    for image in reader.pages[0].images:
        picture = Image.open(io.BytesIO(image.data))
        found += [r.text for r in zxingcpp.read_barcodes(picture)]
    return found


def test_a_producer_prints_a_sheet_whose_codes_open_the_batch_page(app: Flask, as_user: Any, batch) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.gov.vn"
    producer = as_user("producer1")
    page = producer.get(f"/stamps/ocop-batches/{batch['id']}").get_data(as_text=True)
    address = f"https://ocop.example.gov.vn{batch['path']}"
    assert address in page and "24 tem một trang" in page
    r = _print(producer, batch, "30")  # 24 a page: two pages
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.get_data(as_text=True)
    reader = PdfReader(io.BytesIO(r.data))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert first.count("Mứt gừng Đồng Nai") == 24 and "Lô MG-0042" in first and "HSD 30/06/2027" in first
    assert "Quét mã để xem nguồn gốc" in first
    assert reader.pages[1].extract_text().count("Lô MG-0042") == 6
    assert _qr_texts(reader) == [address]  # one image, placed on every label
    history = producer.get(f"/registers/ocop-batches/{batch['id']}").get_data(as_text=True)
    assert "In tờ tem QR" in history and "30 tem, 2 trang" in history


def test_the_print_is_audited_with_who_how_many_and_which_batch(app: Flask, as_user: Any, batch) -> None:
    _print(as_user("commune1"), batch, "1.000")  # a Vietnamese thousands separator
    service = app.extensions["ocopflow"].service
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        events = [e for e, _ in repo.record_history(batch["id"]) if e.action == "stamps.print"]
    assert [e.actor for e in events] == [service.actor_for_username("commune1").id]
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        payloads = [p for e, p in repo.record_history(batch["id"]) if e.action == "stamps.print"]
    assert (
        payloads[0]["quantity"] == 1000
        and payloads[0]["record"] == batch["id"]
        and payloads[0]["pages"] == 42
    )


@pytest.mark.parametrize("quantity", ["0", "1001", "12,5", "nhiều"])
def test_a_quantity_outside_the_bound_is_refused_with_the_limit(as_user: Any, batch, quantity: str) -> None:
    r = _print(as_user("producer1"), batch, quantity)
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and "Số tem phải là số nguyên từ 1 đến 1000" in text
    assert r.mimetype == "text/html"


def test_people_outside_the_batch_scope_cannot_print(as_user: Any, batch) -> None:
    assert as_user("producer2").get(f"/stamps/ocop-batches/{batch['id']}").status_code == 404
    assert _print(as_user("producer2"), batch, "5").status_code == 404
    assert (
        _print(as_user("province1"), batch, "5").status_code == 403
    )  # sees the batch, not in `stamps.roles`


def test_each_visit_counts_and_the_owner_reads_the_day(app: Flask, as_user: Any, batch) -> None:
    public = app.test_client()
    for _ in range(3):
        assert public.get(batch["path"]).status_code == 200
    public.get(f"/t/{batch['code']}/10/NOPE-1")  # an unknown lot counts for no batch
    page = as_user("producer1").get(f"/stamps/ocop-batches/{batch['id']}").get_data(as_text=True)
    assert "3 lượt quét trong 30 ngày qua" in page
    with app.extensions["ocopflow"].database.transaction(write=False) as repo:
        rows = repo.connection.exec_driver_sql("SELECT * FROM scan_days").all()
        keys = [k for (k,) in repo.connection.exec_driver_sql("SELECT key FROM throttle_counters").all()]
    assert len(rows) == 1 and rows[0][-1] == 3 and len(rows[0]) == 3  # batch, day, count: nothing else
    assert keys and not any("127.0.0.1" in k for k in keys)  # the window's key is not the address


def test_a_flood_from_one_address_gets_429_and_stops_counting(app: Flask, as_user: Any, batch) -> None:
    app.config["SCAN_MAX_PER_MINUTE"] = 5
    flood = app.test_client()
    answers = [flood.get(batch["path"]).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    refused = flood.get(batch["path"])
    assert (
        "Quá nhiều lượt mở trang" in refused.get_data(as_text=True)
        and int(refused.headers["Retry-After"]) >= 1
    )
    other = app.test_client()
    assert other.get(batch["path"], environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    report = app.extensions["ocopflow"].service.stamps.scans(
        app.extensions["ocopflow"].service.actor_for_username("producer1"), "ocop-batches", batch["id"]
    )
    assert report.total == 6  # five before the limit and the other address's one


# --- points of sale on the public product page ------------------------------------------------------


def _certified_product(app: Flask, walk: Any) -> tuple[str, int]:
    """A product record, and its dossier driven to a valid certificate (the catalogue's product)."""
    from engine.service.scenario import Driver
    from tests.web.conftest import PEOPLE

    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Mứt Gia Lâm", "org_type": "htx", "registration_number": "0107654321",
        "commune": COMMUNE, "leader_name": "Trần Thị Bình", "leader_gender": "female"})  # fmt: skip
    record = service.create_record(producer, "ocop-products", {
        "name": "Mứt gừng", "product_set": "07", "producer": org.id, "commune": COMMUNE})  # fmt: skip
    snap = service.open_dossier(producer, product_name="Mứt gừng", product_set="07", producer_org=producer.organisation,
                                commune_code=COMMUNE, links={"producer": org.id, "product": record.id})  # fmt: skip
    actors = [service.actor_for_username(name) for name in PEOPLE]
    Driver(service, [a for a in actors if a is not None]).walk(snap.id, ["certified"])
    item = app.test_client().get("/api/v1/public/products").get_json()["items"][0]
    return item["product_code"], record.id


def test_a_producers_point_of_sale_shows_on_the_public_product_page_with_its_map(
    app: Flask, walk: Any, as_user: Any
) -> None:
    code, product_id = _certified_product(app, walk)
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    service.create_record(producer, "ocop-points-of-sale", {
        "name": "Cửa hàng Đặc sản Gia Lâm", "outlet_type": "shop", "commune": COMMUNE,
        "address": "Số 5 phố Cổ Bi", "location": {"type": "Point", "coordinates": [105.93, 21.03]},
        "products": [product_id], "listing_url": "https://shopee.vn/dac-san-gia-lam"})  # fmt: skip
    service.create_record(producer, "ocop-points-of-sale", {
        "name": "Quầy siêu thị khác", "outlet_type": "supermarket", "commune": COMMUNE,
        "address": "Đường khác", "products": []})  # fmt: skip
    page = app.test_client().get(f"/p/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nơi bán" in text
    assert text.count('data-testid="place"') == 1 and "Cửa hàng Đặc sản Gia Lâm" in text
    assert "Số 5 phố Cổ Bi" in text and "Cửa hàng của chủ thể" in text
    assert 'href="https://shopee.vn/dac-san-gia-lam" rel="nofollow noopener noreferrer"' in text
    assert 'id="trace-map"' in text and "105.93" in text and "vendor/leaflet/leaflet.js" in text
    assert "Quầy siêu thị khác" not in text


def test_a_listing_address_must_be_https(app: Flask) -> None:
    from engine.errors import InvalidForm

    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    for wrong in ("http://shopee.vn/x", "javascript:alert(1)", "https://user:pw@shopee.vn/", "shopee.vn/x",
                  "https://localhost/x"):  # fmt: skip
        with pytest.raises(InvalidForm) as refused:
            service.create_record(producer, "ocop-points-of-sale", {
                "name": "Gian hàng", "outlet_type": "online", "commune": COMMUNE, "address": "Trực tuyến",
                "listing_url": wrong})  # fmt: skip
        assert "https://" in refused.value.problems["listing_url"].get("vi")


def test_a_product_page_without_points_of_sale_has_no_map(app: Flask, walk: Any) -> None:
    code, _ = _certified_product(app, walk)
    text = app.test_client().get(f"/p/{code}").get_data(as_text=True)
    assert "Nơi bán" not in text and "leaflet" not in text


def test_the_batches_page_lists_each_batchs_scans_to_its_owner_only(app: Flask, as_user: Any, batch) -> None:
    public = app.test_client()
    public.get(batch["path"])
    public.get(batch["path"] + "?lang=en")
    mine = as_user("producer1").get("/stamps/ocop-batches/").get_data(as_text=True)
    assert "MG-0042" in mine and "<td>2</td>" in mine
    other = as_user("producer2").get("/stamps/ocop-batches/").get_data(as_text=True)
    assert "MG-0042" not in other


def test_concurrent_scans_of_one_batch_lose_no_count(app: Flask, batch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    service = app.extensions["ocopflow"].service

    def scan(_: int) -> bool:
        return bool(service.stamps.count_scan(batch["code"], "mg-0042 "))  # case and spaces do not matter

    with ThreadPoolExecutor(max_workers=8) as pool:
        counted = list(pool.map(scan, range(200)))
    assert all(counted)
    report = service.stamps.scans(service.actor_for_username("commune1"), "ocop-batches", batch["id"])
    assert report.total == 200 and len(report.days) == 1
