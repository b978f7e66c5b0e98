"""service.plans: progress of a shipped plan over a hand-checked data set, scoped to the reader.

The Đức Phổ 2022 plan (workflows/plans/duc-pho-2022.yaml, seed 000_… line 39: 3 products at
3–4 stars). Certificates: 1, 2, 3 at 3–4 stars in 2022 in Phường Đức Phổ (21439); 4 at 2 stars;
5 issued in 2021; 6 in Tây Ninh (25708); 7 at 3 stars in Phường Trà Câu (21451), also in the plan.
So the plan counts 4 (1, 2, 3, 7), Đức Phổ alone 3 (1, 2, 3), its first quarter 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert

from engine.errors import InvalidForm, NotFound
from engine.permissions import Actor
from engine.storage import tables as t

PLAN = "duc-pho-2022"
INDICATOR = "certified-3-4-stars"


def _add(conn: Any, n: int, *, province: str, commune: str, stars: int, issued: dt.date) -> None:
    now = dt.datetime(2022, 1, 1, 8, 0)
    values = {"product_name": f"Sản phẩm {n}", "producer_org": f"HTX {n}", "stars": stars}
    conn.execute(
        insert(t.dossiers).values(
            id=n,
            workflow_id="ocop",
            workflow_version="1",
            definition_hash="0" * 64,
            state="certified",
            product_set="single",
            product_group="thuc-pham",
            province_code=province,
            commune_code=commune,
            kind="first",
            filed_on=issued - dt.timedelta(days=60),
            created_by="test",
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    conn.execute(
        insert(t.certificates).values(
            id=n,
            number=f"GCN-{n}",
            dossier_id=n,
            issued_on=issued,
            status="valid",
            expires_on=issued.replace(year=issued.year + 3),
            **values,
        )
    )


@pytest.fixture
def seeded(service: Any, database: Any) -> Any:
    with database.transaction() as repo:
        c = repo.connection
        _add(c, 1, province="51", commune="21439", stars=3, issued=dt.date(2022, 3, 10))
        _add(c, 2, province="51", commune="21439", stars=4, issued=dt.date(2022, 7, 1))
        _add(c, 3, province="51", commune="21439", stars=3, issued=dt.date(2022, 12, 31))
        _add(c, 4, province="51", commune="21439", stars=2, issued=dt.date(2022, 5, 5))
        _add(c, 5, province="51", commune="21439", stars=3, issued=dt.date(2021, 11, 20))
        _add(c, 6, province="80", commune="25708", stars=4, issued=dt.date(2022, 6, 6))
        _add(c, 7, province="51", commune="21451", stars=3, issued=dt.date(2022, 8, 8))
    return service


def _figure(progress: Any, indicator: str) -> tuple[Any, Any, Any]:
    row = next(r for r in progress.indicators if r.indicator.id == indicator)
    return row.target, row.actual, row.share


def test_the_province_sees_the_whole_plan_against_its_target(
    seeded: Any, make_actor: Callable[..., Actor]
) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    progress = seeded.plans.progress(officer, PLAN)
    assert progress.area == "51" and progress.period.year == 2022
    assert _figure(progress, INDICATOR) == (3.0, 4.0, pytest.approx(4 / 3))
    # an indicator the data cannot count has its target and no actual
    assert _figure(progress, "producers-supported") == (3.0, None, None)
    assert _figure(seeded.plans.progress(officer, PLAN, "21439"), INDICATOR) == (None, 3.0, None)
    assert _figure(seeded.plans.progress(officer, PLAN, "21439", "2022-Q1"), INDICATOR)[1] == 1.0
    indicator, items = seeded.plans.items(officer, PLAN, INDICATOR, "21439")
    assert indicator.id == INDICATOR and [i.id for i in items] == [1, 2, 3]
    assert [i.reference for i in items] == ["GCN-1", "GCN-2", "GCN-3"]
    assert [i.id for i in seeded.plans.items(officer, PLAN, INDICATOR)[1]] == [1, 2, 3, 7]


def test_a_commune_officer_sees_only_its_commune(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("ducpho", ["commune_officer"], area="21439")
    assert seeded.plans.areas(officer, PLAN) == ["21439"]
    assert seeded.plans.progress(officer, PLAN).area == "21439"
    for area in ("21451", "51", "25708"):
        with pytest.raises(NotFound):
            seeded.plans.progress(officer, PLAN, area)
        with pytest.raises(NotFound):
            seeded.plans.items(officer, PLAN, INDICATOR, area)


def test_another_province_does_not_see_the_plan(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("tayninh", ["province_officer"], area="80")
    assert [p.id for p in seeded.plans.all(officer)] == ["tay-ninh-2025-2026"]
    with pytest.raises(NotFound):
        seeded.plans.progress(officer, PLAN)
    # a period with no data is a zero, not an error
    empty = seeded.plans.progress(officer, "tay-ninh-2025-2026", None, "2026")
    assert _figure(empty, "certified-3-stars") == (5.0, 0.0, 0.0)


def test_a_period_outside_the_plan_is_refused(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    for period in ("2023", "2022-13", "Q3", "2022-Q5"):
        with pytest.raises(InvalidForm):
            seeded.plans.progress(officer, PLAN, None, period)
    with pytest.raises(NotFound):
        seeded.plans.items(officer, PLAN, "producers-supported")
