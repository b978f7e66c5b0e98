"""A phone (390 px, Vietnamese, no sign-in) finds a certified product in the public catalogue by
typing without diacritics, opens its page, then its certificate, and reads that it is genuine.
Screenshots are left in tests/browser/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.service.scenario import Driver

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def certified(server: tuple[str, Flask]) -> str:
    from engine.commands.demo import load_people

    service = server[1].extensions["ocopflow"].service
    people = load_people()
    actors = [service.actor_for_username(user[0]) for user in people.users]
    dossier = service.open_dossier(
        service.actor_for_username("producer1"),
        product_name="Mứt gừng Trảng Bàng",
        product_set="21",
        producer_org=people.organisations["producer1"],
        commune_code=people.communes["producer1"],
    )
    Driver(service, [a for a in actors if a is not None]).walk(dossier.id, ["certified"])
    return "Mứt gừng Trảng Bàng"


def test_a_phone_finds_a_product_and_its_genuine_certificate(
    chromium: Any, server: tuple[str, Flask], certified: str, shots: list[str]
) -> None:
    from tests.browser.conftest import Person

    reader = Person(chromium, server[0], "anyone", shots)
    try:
        reader.page.set_viewport_size(PHONE)
        reader.go("/p/")
        reader.page.fill("#q", "mut gung")
        reader.page.click("form[role=search] button[type=submit]")
        reader.page.wait_for_load_state()
        cards = reader.page.locator("[data-testid=product]")
        assert cards.count() == 1 and certified in cards.first.inner_text()
        width = reader.page.evaluate(
            "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
        )
        assert width[1] <= width[0], f"the catalogue scrolls sideways: {width}"
        reader.shot("catalogue-phone-search", full_page=True)
        cards.first.locator("a").click()
        reader.page.wait_for_load_state()
        assert certified in reader.page.locator("h1").inner_text()
        reader.shot("catalogue-phone-product", full_page=True)
        reader.page.click("[data-testid=certificate-link]")
        reader.page.wait_for_load_state()
        assert "Chữ ký số hợp lệ" in reader.page.locator("[data-testid=signature]").inner_text()
        assert "thật và còn hiệu lực" in reader.page.locator("[data-testid=verdict]").inner_text()
        reader.shot("catalogue-phone-certificate", full_page=True)
    finally:
        reader.close()
