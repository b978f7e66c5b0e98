"""Uploads through the pages and the API: a file whose content is not what its name says is
refused with a message that says so, and nothing is stored."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from tests.web._api_support import Api, assert_error_shape

HTML = b"<!doctype html><html><body><script>fetch('/api/v1/dossiers')</script></body></html>"


def test_an_html_page_named_pdf_is_refused_on_the_dossier_page(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    response = b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"document_type": "environment_papers", "file": (io.BytesIO(HTML), "x.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nội dung tệp không phải là tệp .pdf" in page
    assert 'href="/dossiers/' + str(dossier_id) + "/evidence/" not in page  # nothing attached


def test_an_html_page_named_pdf_is_refused_by_the_api(app: Flask, walk: Any) -> None:
    dossier_id = walk("preparing")
    api = Api(app.test_client())
    response = api.call(
        "POST",
        f"/dossiers/{dossier_id}/evidence/environment_papers",
        "producer1",
        data={"file": (io.BytesIO(HTML), "x.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    error = assert_error_shape(response, 422, "invalid_form")
    assert "not a .pdf file" in error["details"]["problems"]["file"]
    assert api.call("GET", f"/dossiers/{dossier_id}/evidence", "producer1").get_json()["evidence"] == []


def test_an_attached_file_is_listed_with_its_size_written_the_readers_way(as_user: Any, walk: Any) -> None:
    dossier_id = walk("preparing")
    b = as_user("producer1")
    pdf = b"%PDF-1.4 " + b"x" * 1527  # 1,536 bytes: 1.5 KB
    response = b.post(
        f"/dossiers/{dossier_id}/evidence",
        {"document_type": "environment_papers", "file": (io.BytesIO(pdf), "giay-phep.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "1,5 KB" in b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    b.post("/lang/en", {"next": f"/dossiers/{dossier_id}"})
    assert "1.5 KB" in b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
