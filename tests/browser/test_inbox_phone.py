"""The inbox on a phone (390 px, Chromium, Vietnamese): a returned dossier shows as an unread count in
the header and a card in the inbox linking to the dossier; "mark all read" clears the count and
nothing scrolls sideways. Screenshots are left in tests/browser/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def returned(server: tuple[str, Flask]) -> int:
    from engine.commands.demo import load_people
    from engine.service.scenario import Driver

    people = load_people()
    service = server[1].extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    made = service.open_dossier(
        producer,
        product_name="Bánh tráng phơi sương Trảng Bàng",
        product_set="01",
        producer_org=people.organisations["producer1"],
        commune_code=people.communes["producer1"],
    )
    actors = [service.actor_for_username(u[0]) for u in people.users]
    Driver(service, [a for a in actors if a is not None]).walk(made.id, ["returned"])
    return int(made.id)


def test_the_inbox_on_a_phone_shows_the_return_and_marks_it_read(person: Any, returned: int) -> None:
    p = person("producer1")
    p.page.set_viewport_size(PHONE)
    p.go("/work")
    count = p.page.locator("[data-testid=unread-count]")
    assert int(count.inner_text()) >= 1
    p.page.click("[data-testid=inbox-link]")
    p.page.wait_for_load_state()
    notices = p.page.locator("[data-testid=notice]")
    first = notices.first.inner_text()
    assert "Bánh tráng phơi sương Trảng Bàng được trả lại để bổ sung" in first
    assert "Lý do: " in first and "Việc cần làm:" in first  # the officer's reason and the next step
    assert p.page.locator(f"[data-testid=notice] a[href='/dossiers/{returned}']").count() >= 1
    width = p.page.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width[1] <= width[0], f"the inbox scrolls sideways: {width}"
    p.shot("phone-vi-producer1-inbox", full_page=True)
    p.page.click("[data-testid=read-all]")
    p.page.wait_for_load_state()
    assert p.page.locator("[data-testid=unread-count]").count() == 0
    assert p.page.locator("[data-testid=read-one]").count() == 0
    p.shot("phone-vi-producer1-inbox-read", full_page=True)
    p.page.locator(f"[data-testid=notice] a[href='/dossiers/{returned}']").first.click()
    p.page.wait_for_load_state()
    assert p.page.url.endswith(f"/dossiers/{returned}")
