"""A commune officer draws a growing area on the map, saves it, and finds it in the GeoJSON export."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_a_growing_area_drawn_on_the_map_is_saved_and_exported(person: Any) -> None:
    officer = person("commune1")
    officer.go("/registers/ocop-growing-areas/new")
    page = officer.page
    page.fill("#f-r-name", "Vùng mì <Lộc Du>")
    page.select_option("#f-r-crop", "mi")
    page.select_option("#f-r-commune", "25708")
    editor = page.locator(".editor-map")
    editor.scroll_into_view_if_needed()
    page.locator(".leaflet-pm-icon-polygon").click()
    box = editor.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # to the right of the centre: the draw tool's actions (finish, cancel) open beside the toolbar on the left
    for dx, dy in ((60, 20), (200, 20), (200, 120), (60, 120), (60, 20)):  # back on the first: closed
        page.mouse.move(x + dx, y + dy)
        page.mouse.down()
        page.mouse.up()
        page.wait_for_timeout(150)  # Leaflet reads two quick clicks as a double click
    drawn = json.loads(page.input_value("#f-r-shape"))
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    officer.shot("register-drawn-area")
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    assert "Vùng mì &lt;Lộc Du&gt;" in page.content()
    area = page.locator("[data-testid=area-ha]").inner_text()
    assert area.endswith("ha") and float(area.split()[0]) > 0
    officer.shot("register-saved-area")

    officer.go("/registers/ocop-growing-areas/map")
    page.wait_for_selector("[data-register-map][data-ready=true]")
    page.locator(".leaflet-interactive").first.click()
    assert page.locator(".leaflet-popup-content a").inner_text() == "Vùng mì <Lộc Du>"
    officer.shot("register-map-popup")
    exported = page.request.get(officer.base + "/registers/ocop-growing-areas/export.geojson").json()
    assert [f["properties"]["title"] for f in exported["features"]] == ["Vùng mì <Lộc Du>"]
    assert exported["features"][0]["geometry"] == drawn
