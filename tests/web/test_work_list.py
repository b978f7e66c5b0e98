"""My work can be read in the order the reader needs; a resting (certified) dossier is not on it."""

from __future__ import annotations

from typing import Any


def test_the_work_list_sorts_by_the_order_chosen_and_defaults_to_the_nearest_deadline(
    as_user: Any, walk: Any
) -> None:
    walk("idea", name="Bánh tráng")
    walk("idea", name="Am trà")
    b = as_user("producer1")
    page = b.get("/work?sort=product").get_data(as_text=True)
    assert page.index("Am trà") < page.index("Bánh tráng")
    assert '<strong aria-current="true">Tên sản phẩm</strong>' in page
    page = b.get("/work?sort=bogus").get_data(as_text=True)  # an unknown order: the default
    assert '<strong aria-current="true">Hạn gần nhất</strong>' in page
