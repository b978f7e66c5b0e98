"""The public certificate page checks the QR's signature; the keys are published."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask

from tests.web.client import Browser


def _qr_address(as_user: Any, dossier_id: int) -> str:
    page = as_user("producer1").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    found = re.search(r'<a href="(http[^"]+/c/[^"]+)">', page)
    assert found, "the dossier page links the certificate's signed address"
    return html.unescape(found.group(1)).split("localhost", 1)[1]


def test_the_qr_address_is_genuine_and_an_altered_one_is_not(app: Flask, as_user: Any, walk: Any) -> None:
    address = _qr_address(as_user, walk("certified", name="Gốm men rạn"))
    assert "?s=c1." in address
    public = app.test_client()
    page = public.get(address).get_data(as_text=True)
    assert "Chữ ký số hợp lệ" in page and "còn hiệu lực" in page
    altered = address[:-2] + ("A" if address[-2] != "A" else "B") + address[-1]
    forged = public.get(altered)
    text = forged.get_data(as_text=True)
    assert forged.status_code == 200 and "KHÔNG phải thật" in text and "đã bị sửa" in text
    reader = Browser(app.test_client())
    reader.post("/lang/en", {"next": "/c/"}, page="/login")
    assert "NOT genuine" in reader.get(altered).get_data(as_text=True)


def test_a_typed_number_in_lowercase_with_spaces_is_found(app: Flask, walk: Any) -> None:
    service = app.extensions["ocopflow"].service
    walk("certified", name="Gốm men rạn")
    with service._tx(write=False) as repo:
        number = repo.connection.exec_driver_sql("SELECT number FROM certificates").scalar()
    typed = number.lower().replace("/", " / ")
    page = app.test_client().get(f"/c/?number={typed}", follow_redirects=True)
    assert page.status_code == 200 and "còn hiệu lực" in page.get_data(as_text=True)


def test_the_public_keys_are_published_with_ids(app: Flask) -> None:
    answer = app.test_client().get("/.well-known/ocopflow/keys.json")
    body = answer.get_json()
    assert answer.status_code == 200 and "public" in answer.headers["Cache-Control"]
    assert body["current"] in {k["kid"] for k in body["keys"]}
    assert all(k["alg"] == "Ed25519" and "BEGIN PUBLIC KEY" in k["public_key_pem"] for k in body["keys"])


def test_a_number_not_found_is_not_called_fake(app: Flask) -> None:
    page = app.test_client().get("/c/?number=99/QĐ-UBND", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "Không có giấy chứng nhận số 99/QĐ-UBND" in text
    assert "có thể là giả" not in text and "không có nghĩa là sản phẩm giả" in text


def test_the_producer_downloads_a_printable_certificate(app: Flask, as_user: Any, walk: Any) -> None:
    import io

    from pypdf import PdfReader

    dossier_id = walk("certified", name="Mứt gừng Đà Lạt")
    producer = as_user("producer1")
    page = producer.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert f"/dossiers/{dossier_id}/certificate.pdf" in page
    answer = producer.get(f"/dossiers/{dossier_id}/certificate.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.get_data()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = reader.pages[0].extract_text()
    assert "GIẤY CHỨNG NHẬN SẢN PHẨM OCOP" in text and "Mứt gừng Đà Lạt" in text
    assert "HTX Gốm Bát Tràng" in text and "Quét mã QR" in text and "?s=c1." in text.replace("\n", "")
    assert reader.pages[0].images, "the QR code is on the page"
    assert as_user("producer2").get(f"/dossiers/{dossier_id}/certificate.pdf").status_code == 404
    assert as_user("producer1").get(f"/dossiers/{walk('idea')}/certificate.pdf").status_code == 404
