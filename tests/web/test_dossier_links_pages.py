"""The new-dossier form offers the records a person may see for each link of the workflow, a record
of someone else is 404, and the dossier page links to the records it names."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask


def _records(app: Flask, username: str, commune: str, name: str) -> dict[str, int]:
    service = app.extensions["ocopflow"].service
    actor = service.actor_for_username(username)
    org = service.create_record(
        actor, "ocop-producers",
        {"name": name, "org_type": "htx", "registration_number": "0100123456", "commune": commune,
         "leader_name": "Nguyễn Thị Hoa", "leader_gender": "female"},
    )  # fmt: skip
    product = service.create_record(
        actor,
        "ocop-products",
        {"name": "Gốm men lam", "product_set": "01", "producer": org.id, "commune": commune},
    )
    return {"producer": org.id, "product": product.id}


def _open(b: Any, links: dict[str, int]) -> Any:
    data = {"product_name": "Gốm men lam", "product_set": "01", "producer_org": "HTX Gốm Bát Tràng",
            "commune_code": "00583", "kind": "first"}  # fmt: skip
    data.update({f"link_{k}": str(v) for k, v in links.items()})
    return b.post("/dossiers/new", data)


def test_the_form_offers_own_records_and_the_page_links_to_them(app: Flask, as_user: Any) -> None:
    own = _records(app, "producer1", "00583", "HTX Gốm Bát Tràng")
    other = _records(app, "producer2", "10183", "HTX Thường Tín")
    b = as_user("producer1")
    page = b.get("/dossiers/new").get_data(as_text=True)
    assert f'<option value="{own["product"]}"' in page
    assert f'<option value="{other["product"]}"' not in page
    response = _open(b, own)
    assert response.status_code == 302, response.get_data(as_text=True)
    dossier_page = b.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'data-testid="link-product"><a href="([^"]+)">([^<]+)</a>', dossier_page)
    assert link is not None and link.group(1) == f"/registers/ocop-products/{own['product']}"
    assert link.group(2).startswith("Gốm men lam")
    assert b.get(link.group(1)).status_code == 200


def test_a_record_of_another_producer_is_not_found(app: Flask, as_user: Any) -> None:
    _records(app, "producer1", "00583", "HTX Gốm Bát Tràng")
    other = _records(app, "producer2", "10183", "HTX Thường Tín")
    assert _open(as_user("producer1"), {"product": other["product"]}).status_code == 404


def test_a_link_that_is_not_a_record_number_is_named_next_to_its_select(app: Flask, as_user: Any) -> None:
    response = _open(as_user("producer1"), {"product": "abc"})  # type: ignore[dict-item]
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "không phải số của một bản ghi" in page


def test_the_api_takes_links_and_a_foreign_record_is_404(app: Flask) -> None:
    from tests.web._api_support import Api, assert_error_shape

    own = _records(app, "producer1", "00583", "HTX Gốm Bát Tràng")
    other = _records(app, "producer2", "10183", "HTX Thường Tín")
    api = Api(app.test_client())
    opened = api.open_dossier(links={"producer": own["producer"], "product": str(own["product"])})
    assert opened["links"] == own
    body = {"product_name": "X", "product_set": "01", "producer_org": "HTX Gốm Bát Tràng",
            "commune_code": "00583", "links": {"product": other["product"]}}  # fmt: skip
    assert_error_shape(api.call("POST", "/dossiers", "producer1", json=body), 404, "not_found")
    body["links"] = {"product": True}
    assert_error_shape(api.call("POST", "/dossiers", "producer1", json=body), 422, "invalid_request")
