"""The officer's spreadsheet import (upload, preview with every problem, confirm, re-import) and the
producer's renewal page showing what was carried over from the product's last dossier."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from flask import Flask

HEADER = "Tên chủ thể;Loại hình;Mã số thuế / số đăng ký kinh doanh;Xã, phường nơi đặt trụ sở;Người đại diện theo pháp luật;Số thành viên / lao động\n"
GOOD = HEADER + "HTX Gốm Bát Tràng;htx;0100123456;00583;Nguyễn Thị Hoa;1.200\n"
BAD = GOOD + "HTX Ma;htx;0100999999;99999;Lê Văn C;5\nHTX Lẻ;htx;0100888888;00583;Lê Văn D;12,5\n"


def _upload(b: Any, text: str, name: str = "chu-the.csv") -> Any:
    page = "/registers/ocop-producers/spreadsheet"
    return b.post(page, {"file": (io.BytesIO(text.encode()), name)}, page=page,
                  content_type="multipart/form-data")  # fmt: skip


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_preview_lists_each_rows_problems_and_offers_no_confirmation(app: Flask, as_user: Any) -> None:
    b = as_user("province1")
    response = _upload(b, BAD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    text = _text(page)
    assert "Dòng 2 · Tạo mới · HTX Gốm Bát Tràng" in text
    assert "Dòng 3 · Có lỗi · HTX Ma" in text
    assert "Cột «Xã, phường nơi đặt trụ sở»: «99999»: Không có đơn vị hành chính này" in text
    assert "Dòng 4 · Có lỗi · HTX Lẻ Cột «Số thành viên / lao động»: «12,5»: Phải là số nguyên" in text
    assert 'data-testid="confirm-import"' not in page
    service = app.extensions["ocopflow"].service
    assert service.list_records(service.actor_for_username("province1"), "ocop-producers").total == 0


def test_confirm_writes_and_the_same_file_again_creates_nothing(app: Flask, as_user: Any) -> None:
    b = as_user("province1")
    page = _upload(b, GOOD).get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert digest is not None
    done = b.post("/registers/ocop-producers/spreadsheet/confirm",
                  {"digest": digest.group(1), "filename": "chu-the.csv"}, page="/registers/ocop-producers/spreadsheet")  # fmt: skip
    assert done.status_code == 302
    listing = _text(b.get(done.headers["Location"]).get_data(as_text=True))
    assert "HTX Gốm Bát Tràng" in listing and "Đã nhập: 1 bản ghi mới" in listing
    again = _text(_upload(b, GOOD).get_data(as_text=True))
    assert "Dòng 2 · Không đổi · HTX Gốm Bát Tràng" in again


def test_the_template_has_the_registers_labels_and_a_producer_may_not_import(
    app: Flask, as_user: Any
) -> None:
    b = as_user("province1")
    data = b.get("/registers/ocop-producers/spreadsheet/template.xlsx").data
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(data)).active[1]]
    assert headers[:3] == ["Tên chủ thể *", "Loại hình *", "Mã số thuế / số đăng ký kinh doanh *"]
    page = _text(b.get("/registers/ocop-producers/spreadsheet").get_data(as_text=True))
    assert "ô để trống giữ nguyên giá trị đã lưu; ô ghi [xoá] xoá giá trị của mục đó" in page
    assert as_user("auditor").get("/registers/ocop-producers/spreadsheet").status_code in (403, 404)


def test_a_renewal_shows_the_last_dossiers_answers_marked_and_unsaved(app: Flask, as_user: Any) -> None:
    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    org = service.create_record(producer, "ocop-producers", {
        "name": "HTX Gốm Bát Tràng", "org_type": "htx", "registration_number": "0100123456", "commune": "00583",
        "leader_name": "Nguyễn Thị Hoa"})  # fmt: skip
    product = service.create_record(producer, "ocop-products", {
        "name": "Gốm men lam", "product_set": "01", "producer": org.id, "commune": "00583"})  # fmt: skip
    links = {"producer": org.id, "product": product.id}
    first = service.open_dossier(producer, product_name="Gốm men lam", product_set="01",
                                 producer_org="HTX Gốm Bát Tràng", commune_code="00583", links=links)  # fmt: skip
    service.save_form(producer, first.id, "ocop-2026-mau-02",
                      {"representative_name": "Nguyễn Thị Hoa", "markets": "Hà Nội"})  # fmt: skip
    second = service.open_dossier(producer, product_name="Gốm men lam", product_set="01",
                                  producer_org="HTX Gốm Bát Tràng", commune_code="00583", links=links)  # fmt: skip
    page = as_user("producer1").get(f"/dossiers/{second.id}").get_data(as_text=True)
    assert f"Điền sẵn từ hồ sơ trước (số {first.id}" in _text(page)
    assert 'data-testid="carried-ocop-2026-mau-02-representative_name"' in page
    assert 'value="Nguyễn Thị Hoa"' in page
    assert "Hà Nội</textarea>" not in page  # markets are to be written anew
    assert service.form_answers(producer, second.id) == {}
