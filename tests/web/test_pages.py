"""Every page renders for every person, in both languages, with what that person may do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.web.conftest import PEOPLE


@pytest.fixture
def dossiers(walk: Any) -> dict[str, int]:
    return {
        "checking": walk("commune_check", name="Gốm men lam"),
        "certified": walk("certified", name="Gốm men rạn"),
    }


def test_each_page_renders_for_each_person(app: Flask, as_user: Any, dossiers: dict[str, int]) -> None:
    service = app.extensions["ocopflow"].service
    failures = []
    for username in sorted(PEOPLE):
        b = as_user(username)
        query = "/dossiers?state=commune_check&step=5&stars=4&q=G%E1%BB%91m"
        for path in ("/work", "/dossiers", query, "/c/", "/dossiers/new"):
            status = b.get(path).status_code
            if status != 200:
                failures.append((username, path, status))
        visible = {
            d.id for d in service.list_dossiers(service.actor_for_username(username), filters={}).items
        }
        for dossier_id in dossiers.values():
            expected = 200 if dossier_id in visible else 404
            for path in (
                f"/dossiers/{dossier_id}",
                f"/dossiers/{dossier_id}/council",
                f"/dossiers/{dossier_id}/score",
            ):
                status = b.get(path).status_code
                if status != expected:
                    failures.append((username, path, status))
    assert failures == []


def test_my_work_lists_what_waits_for_me_with_working_days_left(
    as_user: Any, dossiers: dict[str, int]
) -> None:
    page = as_user("commune1").get("/work").get_data(as_text=True)
    assert f"/dossiers/{dossiers['checking']}" in page
    assert f'/dossiers/{dossiers["certified"]}"' not in page
    assert re.search(r"Còn \d+ ngày làm việc", page)
    assert "Không có hồ sơ nào đang chờ bạn." in as_user("auditor").get("/work").get_data(as_text=True)


def test_the_dossier_page_shows_the_cycle_forms_evidence_history_and_certificate(
    as_user: Any, dossiers: dict[str, int]
) -> None:
    page = as_user("producer1").get(f"/dossiers/{dossiers['certified']}").get_data(as_text=True)
    assert page.count("<li class=") >= 6 and 'aria-current="step"' in page  # the cycle bar
    assert "Bước 6" in page
    assert "Mẫu 01" in page and "Minh chứng" in page and "Lịch sử" in page
    assert 'data-testid="certificate-number"' in page and "<svg" in page
    assert "Quyết định công nhận 3 sao / 4 sao" in page  # the history names the transition


def test_the_list_filters_by_state_step_search_and_stars(as_user: Any, dossiers: dict[str, int]) -> None:
    b = as_user("province1")

    def ids(query: str) -> set[int]:
        page = b.get(f"/dossiers?{query}").get_data(as_text=True)
        return {int(x) for x in re.findall(r'href="/dossiers/(\d+)"', page)}

    both = set(dossiers.values())
    assert ids("") == both
    assert ids("state=commune_check") == {dossiers["checking"]}
    assert ids("step=6") == {dossiers["certified"]}
    assert ids("step=2") == set()
    assert ids("q=r%E1%BA%A1n") == {dossiers["certified"]}  # "rạn"
    assert ids("stars=4") == {dossiers["certified"]}
    assert ids("area=00583") == both
    assert ids("area=10183") == set()
    assert ids("group=thu-cong-my-nghe") == both
    assert ids("page=abc&step=x&stars=many") == both  # nonsense is ignored, not a 500


def test_the_list_is_paginated(app: Flask, as_user: Any, walk: Any) -> None:
    app.config["PER_PAGE"] = 2
    for i in range(5):
        walk("idea", name=f"Sản phẩm {i}")
    b = as_user("producer1")
    first = b.get("/dossiers").get_data(as_text=True)
    assert "Trang 1 / 3" in first and 'rel="next"' in first
    last = b.get("/dossiers?page=3").get_data(as_text=True)
    assert "Sản phẩm 0" in last and 'rel="next"' not in last


def test_the_list_filters_by_filing_year_and_offers_the_forms_star_levels(
    as_user: Any, dossiers: dict[str, int]
) -> None:
    b = as_user("province1")
    page = b.get("/dossiers").get_data(as_text=True)
    assert re.findall(r'<option value="(\d)"[^>]*>\d★', page) == ["1", "2", "3", "4", "5"]
    everything = b.get("/dossiers").get_data(as_text=True)
    shown = set(re.findall(r'href="/dossiers/(\d+)"', everything))
    assert {str(i) for i in dossiers.values()} <= shown
    none = b.get("/dossiers?year=1999").get_data(as_text=True)
    assert not set(re.findall(r'href="/dossiers/(\d+)"', none)) & {str(i) for i in dossiers.values()}
    assert 'name="year"' in none and 'value="1999"' in none  # the filter keeps what was typed


def test_the_product_group_filter_shows_the_workflows_labels_in_the_readers_language(as_user: Any) -> None:
    b = as_user("province1")
    page = b.get("/dossiers").get_data(as_text=True)
    assert 'value="thu-cong-my-nghe"' in page and ">Hàng thủ công mỹ nghệ</option>" in page
    assert ">thu-cong-my-nghe<" not in page
    b.post("/lang/en", {"next": "/dossiers"})
    assert ">Handicrafts</option>" in b.get("/dossiers").get_data(as_text=True)
