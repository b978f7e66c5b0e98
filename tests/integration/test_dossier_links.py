"""A dossier names its producer organisation and its product as records (the workflow's `links`),
and a renewal names the certificate it renews, inside its window, of the same product and province.
On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.errors import InvalidForm, NotFound

TRANG_BANG, TAN_CHAU = "25708", "25516"


def _records(service: Any, producer: Any, name: str, commune: str) -> dict[str, int]:
    org = service.create_record(
        producer, "ocop-producers",
        {"name": name, "org_type": "htx", "registration_number": "3900123456", "commune": commune,
         "leader_name": "Nguyễn Văn An", "leader_gender": "male"},
    )  # fmt: skip
    product = service.create_record(
        producer, "ocop-products",
        {"name": "Bánh tráng phơi sương", "product_set": "01", "producer": org.id, "commune": commune},
    )  # fmt: skip
    return {"producer": org.id, "product": product.id}


@pytest.fixture
def linked(service, people) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return _records(service, people["producer1"], "HTX Bánh tráng Trảng Bàng", TRANG_BANG)


def test_a_dossier_names_its_producer_and_product_and_keeps_them(service, people, open_dossier, linked):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1), links={k: str(v) for k, v in linked.items()})
    again = service.get_dossier(people["commune1"], dossier.id)
    assert again.links == linked
    workflow = service.definitions_for(people["producer1"], dossier.id).workflow
    shown = service.links.shown(people["producer1"], workflow, again)
    assert [(s.name, s.record_id) for s in shown] == [
        ("producer", linked["producer"]),
        ("product", linked["product"]),
    ]
    assert shown[1].title is not None and shown[1].title.startswith("Bánh tráng phơi sương")
    opened, payload = service.history_details(people["commune1"], dossier.id)[0]
    assert opened.action == "open" and payload["links"] == linked  # audited with the opening


def test_the_form_offers_only_the_records_the_person_may_see(service, people, linked):
    _records(service, people["producer2"], "HTX Nông nghiệp Tân Châu", TAN_CHAU)
    workflow = service.catalog.workflows["ocop-2026"]
    choices = {c.name: c for c in service.links.choices(people["producer1"], workflow)}
    assert [r[0] for r in choices["product"].records] == [linked["product"]]
    assert [r[0] for r in choices["producer"].records] == [linked["producer"]]
    officer = {c.name: c for c in service.links.choices(people["province1"], workflow)}
    assert len(officer["product"].records) == 2


def test_a_record_outside_the_persons_scope_is_not_found(service, people, open_dossier, linked):
    other = _records(service, people["producer2"], "HTX Nông nghiệp Tân Châu", TAN_CHAU)
    with pytest.raises(NotFound):
        open_dossier(filed_on=dt.date(2026, 7, 1), links={"product": other["product"]})
    with pytest.raises(NotFound):  # a record of another register under the product's name
        open_dossier(filed_on=dt.date(2026, 7, 1), links={"product": linked["producer"]})


def test_a_link_that_is_not_a_number_or_not_declared_is_named(open_dossier, linked):
    with pytest.raises(InvalidForm) as refused:
        open_dossier(filed_on=dt.date(2026, 7, 1), links={"product": "abc", "colour": "1"})
    assert set(refused.value.problems) == {"links.product", "links.colour"}


def _certified(service, driver, open_dossier, links):  # type: ignore[no-untyped-def]
    first = open_dossier(filed_on=dt.date(2026, 6, 1), links=links)
    old = driver.walk(first.id, ["certified"], stars=4).certificate
    assert old is not None and old.reevaluation_opens is not None and old.reevaluation_closes is not None
    return old


def test_a_re_evaluation_inside_its_window_is_opened(service, driver, open_dossier, linked):
    old = _certified(service, driver, open_dossier, linked)
    for day in (old.reevaluation_opens, old.reevaluation_closes):
        again = open_dossier(filed_on=day, kind="reevaluation", renews_certificate=old.number, links=linked)
        assert (again.kind, again.stars, again.links) == ("reevaluation", 4, linked)


@pytest.mark.parametrize("days", [-1, 1])
def test_a_re_evaluation_before_or_after_its_window_is_refused_with_the_dates(
    service, driver, open_dossier, linked, days
):
    old = _certified(service, driver, open_dossier, linked)
    day = (
        old.reevaluation_opens - dt.timedelta(days=1)
        if days < 0
        else old.reevaluation_closes + dt.timedelta(days=1)
    )
    with pytest.raises(InvalidForm) as refused:
        open_dossier(filed_on=day, kind="reevaluation", renews_certificate=old.number, links=linked)
    problem = refused.value.problems["filed_on"]
    vi = problem.get("vi")
    assert "mở từ" in vi
    for edge in (old.reevaluation_opens, old.reevaluation_closes):
        assert f"{edge:%d/%m/%Y}" in vi or edge.isoformat() in vi


def test_a_certificate_of_another_product_is_refused(service, people, driver, open_dossier, linked):
    old = _certified(service, driver, open_dossier, linked)
    other = service.create_record(
        people["producer1"], "ocop-products",
        {"name": "Muối tôm", "product_set": "01", "producer": linked["producer"], "commune": TRANG_BANG},
    )  # fmt: skip
    with pytest.raises(InvalidForm) as refused:
        open_dossier(filed_on=old.reevaluation_opens, kind="reevaluation", renews_certificate=old.number,
                     links={**linked, "product": other.id})  # fmt: skip
    assert set(refused.value.problems) == {"links.product"}


def test_a_certificate_of_another_province_is_refused(service, people, driver, open_dossier, linked, clock):
    old = _certified(service, driver, open_dossier, linked)
    service.seed_user(people["admin"], "producer9", "demo", ["producer"], organisation="HTX Hà Nội")
    far = service.actor_for_username("producer9")
    clock.set(old.reevaluation_opens)
    hanoi = next(u for u in service.catalog.units["vn-units"].units.values() if u.parent == "01")
    with pytest.raises(InvalidForm) as refused:
        service.open_dossier(
            far, product_name="Bánh tráng", product_set="01", producer_org="HTX Hà Nội",
            commune_code=hanoi.code, kind="reevaluation", renews_certificate=old.number,
        )  # fmt: skip
    assert "renews_certificate" in refused.value.problems
