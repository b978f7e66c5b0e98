"""The dossier page in Chromium, on a desktop and on a 390 px phone: the producer reads first what is
missing, follows an item to its field, and withdrawing asks for confirmation before anything happens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import Person

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def preparing_dossier(app: Flask, name: str) -> int:
    """A dossier of producer1 in 'preparing' (steps 2–4 done through the service, as the demo does)."""
    from engine.service.scenario import Driver

    service = app.extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    people = [service.actor_for_username(u) for u in ("producer1", "commune1")]
    snap = service.open_dossier(
        producer,
        product_name=name,
        product_set="21",
        producer_org=producer.organisation,
        commune_code="25708",
    )
    Driver(service, [p for p in people if p is not None]).walk(snap.id, ["preparing"])
    return int(snap.id)


@pytest.fixture(params=sorted(SIZES))
def producer(request: Any, chromium: Any, server: tuple[str, Flask], shots: list[str]) -> Iterator[Any]:
    p = Person(chromium, server[0], "producer1", shots)
    p.context.close()
    p.context = chromium.new_context(viewport=SIZES[request.param], locale="vi-VN")
    p.page = p.context.new_page()
    p.page.set_default_timeout(15_000)
    p.size = request.param
    p.sign_in()
    yield p
    p.context.close()


def test_the_producer_sees_the_checklist_follows_a_link_and_withdraw_asks_first(
    producer: Any, server: tuple[str, Flask]
) -> None:
    _base, app = server
    size = producer.size
    dossier_id = preparing_dossier(app, f"Gốm men lam ({size})")
    path = f"/dossiers/{dossier_id}"
    producer.go(path)
    page = producer.page

    todo = page.locator("[data-testid=todo]")
    assert todo.is_visible()
    assert "Việc cần làm ngay" in todo.inner_text()
    # the checklist is the first thing on the page, above the cycle and the actions
    assert todo.bounding_box()["y"] < page.locator("[data-testid=cycle]").bounding_box()["y"]
    items = page.locator("[data-testid=todo-items] a")
    assert items.count() > 5
    names = items.all_inner_texts()
    assert "Họ tên người đại diện pháp lý" in names and "Điện thoại" in names
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing runs off the side
    producer.shot(f"checklist-{size}")

    link = page.locator('[data-testid=todo-items] a[href="#field-ocop-2026-mau-01-representative"]')
    link.click()
    field = page.locator("#field-ocop-2026-mau-01-representative")
    assert page.url.endswith("#field-ocop-2026-mau-01-representative")
    assert field.is_visible() and field.locator("input").is_visible()
    where = field.evaluate("e => [e.getBoundingClientRect().top, innerHeight, scrollY]")
    assert -2 <= where[0] < where[1], where  # scrolled to it (a fraction of a pixel either way)
    producer.shot(f"checklist-link-to-field-{size}")

    # the primary action is the forward one; withdraw is apart and is a link to a confirmation
    producer.go(path)
    submit = page.locator("[data-testid=action-submit] button")
    assert submit.is_disabled() and "secondary" not in (submit.get_attribute("class") or "")
    withdraw = page.locator("[data-testid=action-withdraw] a.button.warning")
    assert withdraw.inner_text() == "Rút hồ sơ"
    withdraw.click()
    page.wait_for_load_state()
    confirm = page.locator("[data-testid=confirm]")
    assert "Bạn có chắc muốn «Rút hồ sơ»?" in confirm.inner_text()
    assert (
        "Hồ sơ sẽ chuyển sang «Chủ thể rút hồ sơ»." in page.locator("[data-testid=consequence]").inner_text()
    )
    producer.shot(f"withdraw-confirmation-{size}", full_page=True)
    service = app.extensions["ocopflow"].service
    actor = service.actor_for_username("producer1")
    assert service.get_dossier(actor, dossier_id).state == "preparing"  # asking changed nothing

    page.locator("text=Không, quay lại").click()
    page.wait_for_load_state()
    assert page.url.endswith(path)
    page.locator("[data-testid=action-withdraw] a.button.warning").click()
    page.wait_for_load_state()
    page.locator("[data-testid=confirm-button]").click()
    page.wait_for_load_state()
    assert "Chủ thể rút hồ sơ" in page.locator("[data-testid=state]").inner_text()
    assert service.get_dossier(actor, dossier_id).state == "withdrawn"
    producer.shot(f"withdrawn-{size}")
