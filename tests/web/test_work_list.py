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


def _province_round_today() -> tuple[str, str, str]:
    """(filter key, words, cut-off) of the provincial round (Art. 5.1: 30 April, 30 October) of a
    dossier filed today."""
    import datetime as dt

    today = dt.date.today()
    if today <= dt.date(today.year, 4, 30):
        return f"province:{today.year}:dot-1", f"Đợt 1 năm {today.year}", f"30/04/{today.year}"
    if today <= dt.date(today.year, 10, 30):
        return f"province:{today.year}:dot-2", f"Đợt 2 năm {today.year}", f"30/10/{today.year}"
    year = today.year + 1
    return f"province:{year}:dot-1", f"Đợt 1 năm {year}", f"30/04/{year}"


def test_the_lists_show_and_filter_by_the_evaluation_round_and_the_dossier_page_names_it(
    as_user: Any, walk: Any
) -> None:
    key, words, cutoff = _province_round_today()
    dossier_id = walk("idea", name="Bánh tráng")
    b = as_user("producer1")
    listing = b.get("/dossiers").get_data(as_text=True)
    assert f'<option value="{key}" >{words} (Đợt đánh giá cấp tỉnh)</option>' in listing
    assert words in listing and "Bánh tráng" in listing
    assert "Bánh tráng" in b.get(f"/dossiers?round={key}").get_data(as_text=True)
    other = b.get("/dossiers?round=province:1999:dot-1").get_data(as_text=True)
    assert "Bánh tráng" not in other and "Không có hồ sơ nào khớp." in other
    work = b.get("/work").get_data(as_text=True)
    assert f'<option value="{key}" >{words} (Đợt đánh giá cấp tỉnh)</option>' in work
    assert "Bánh tráng" in b.get(f"/work?round={key}").get_data(as_text=True)
    assert "Bánh tráng" not in b.get("/work?round=central:1999:dot-1").get_data(as_text=True)
    page = b.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "<dt>Đợt đánh giá cấp tỉnh</dt>" in page
    assert f"Hạn chót {cutoff}" in page and words in page
