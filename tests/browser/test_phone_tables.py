"""The list pages on a phone (390 px wide, in Chromium): each table row becomes a card, nothing
scrolls sideways and the last column is on the screen, in Vietnamese and in English. Screenshots
are left in tests/browser/screenshots/ for people to look at."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# (who, page): every page of the app that lists things in a table.
LIST_PAGES = [
    ("producer1", "/work"),
    ("producer1", "/dossiers"),
    ("province1", "/dossiers"),
    ("auditor", "/admin/audit"),
    ("admin", "/admin/users"),
    ("admin", "/admin/definitions"),
]
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const rows = [...document.querySelectorAll('table.cards tbody tr')];
  const last = rows.map(row => {
    const cells = [...row.querySelectorAll('td')].filter(td => td.textContent.trim());
    const cell = cells[cells.length - 1];
    const box = cell.getBoundingClientRect();
    return {left: box.left, right: box.right, shown: box.width > 0 && box.height > 0};
  });
  const heads = [...document.querySelectorAll('table.cards thead')];
  return {
    width,
    scroll: document.documentElement.scrollWidth,
    rows: rows.length,
    last,
    labels: [...document.querySelectorAll('table.cards td[data-label]')].length,
    headsShown: heads.filter(head => head.getBoundingClientRect().width > 2).length,
  };
}"""


@pytest.fixture(scope="module")
def listed(server: tuple[str, Flask]) -> None:
    """Dossiers with long names for the lists, and their events for the audit log."""
    from engine.commands.demo import load_people

    people = load_people()
    service = server[1].extensions["ocopflow"].service
    producer = service.actor_for_username("producer1")
    names = [
        "Bánh tráng phơi sương Trảng Bàng loại đặc biệt cuốn bánh canh",
        "Muối tôm Tây Ninh",
        "Bánh canh Trảng Bàng",
    ]
    for name in names:
        made = service.open_dossier(
            producer,
            product_name=name,
            product_set="01",
            producer_org=people.organisations["producer1"],
            commune_code=people.communes["producer1"],
        )
        service.fire(producer, made.id, "submit_plan", comment="Đã nộp phương án, kèm thuyết minh")


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(("who", "path"), LIST_PAGES)
def test_a_list_page_fits_a_phone_with_every_column_on_screen(
    person: Any, listed: None, who: str, path: str, lang: str
) -> None:
    p = person(who)
    if lang == "en":
        p.page.click("[data-testid=lang-switch]")
        p.page.wait_for_load_state()
    p.page.set_viewport_size(PHONE)
    p.go(path)
    layout = p.page.evaluate(LAYOUT)
    p.shot(f"phone-{lang}-{who}-{path.strip('/').replace('/', '-')}", full_page=True)
    assert layout["rows"] > 0, f"{path}: no rows to look at"
    assert layout["scroll"] <= layout["width"], f"{path} scrolls sideways: {layout}"
    assert layout["labels"] > 0 and layout["headsShown"] == 0  # each cell says its column instead
    for box in layout["last"]:
        assert box["shown"] and box["left"] >= 0 and box["right"] <= layout["width"], (path, box)


def test_the_same_tables_stay_tables_on_a_desktop(person: Any, listed: None) -> None:
    p = person("producer1")
    p.go("/dossiers")
    layout = p.page.evaluate(LAYOUT)
    assert layout["headsShown"] == 1 and layout["labels"] > 0 and layout["scroll"] <= layout["width"]
