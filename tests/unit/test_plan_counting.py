"""Plan indicators counted by one SQL statement over the allow-listed subjects (issue 13).

Hand-checked fixture after the Đức Phổ 2022 plan (seed 000_…: "3 sản phẩm … đạt OCOP hạng 3 - 4
sao"): three certificates at 3–4 stars issued in 2022 in the town, one at 2 stars, one issued in
2021 and one in another district. The indicator counts 3.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from engine import plan_counting as pc
from engine.storage import tables as t

TOWN = "51001"
OTHER = "51002"
YEAR = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
THREE_TO_FOUR = {"subject": "certificates", "where": {"stars": {"gte": 3, "lte": 4}, "status": "valid"}}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    from engine.storage.db import make_engine, upgrade

    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _add(conn: Any, n: int, *, commune: str, stars: int, issued: dt.date, group: str = "food") -> None:
    now = dt.datetime(2022, 1, 1, 8, 0)
    conn.execute(
        insert(t.dossiers).values(
            id=n,
            workflow_id="ocop",
            workflow_version="1",
            definition_hash="0" * 64,
            state="certified",
            product_name=f"Sản phẩm {n}",
            product_set="single",
            product_group=group,
            producer_org=f"HTX {n % 4}",
            province_code="51",
            commune_code=commune,
            kind="new",
            filed_on=issued - dt.timedelta(days=60),
            stars=stars,
            created_by="test",
            created_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        insert(t.certificates).values(
            id=n,
            number=f"GCN-{n}",
            dossier_id=n,
            product_name=f"Sản phẩm {n}",
            producer_org=f"HTX {n % 4}",
            stars=stars,
            issued_on=issued,
            expires_on=issued.replace(year=issued.year + 3),
            status="valid",
        )
    )


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        _add(conn, 1, commune=TOWN, stars=3, issued=dt.date(2022, 3, 10))
        _add(conn, 2, commune=TOWN, stars=4, issued=dt.date(2022, 7, 1), group="drink")
        _add(conn, 3, commune=TOWN, stars=3, issued=dt.date(2022, 12, 31))
        _add(conn, 4, commune=TOWN, stars=2, issued=dt.date(2022, 5, 5))
        _add(conn, 5, commune=TOWN, stars=3, issued=dt.date(2021, 11, 20))
        _add(conn, 6, commune=OTHER, stars=4, issued=dt.date(2022, 6, 6))
    return engine


def _actual(engine: Engine, raw: dict[str, Any], area: str | None = TOWN) -> Any:
    with engine.connect() as conn:
        return conn.execute(pc.statement(pc.parse(raw), *YEAR, area)).scalar_one()


def test_duc_pho_three_to_four_stars_in_2022_counts_three(seeded: Engine) -> None:
    assert _actual(seeded, THREE_TO_FOUR) == 3
    with seeded.connect() as conn:
        keys = conn.execute(pc.items_statement(pc.parse(THREE_TO_FOUR), *YEAR, TOWN)).scalars().all()
    assert keys == [1, 2, 3]


def test_area_bound_from_the_plan(seeded: Engine) -> None:
    assert _actual(seeded, THREE_TO_FOUR, OTHER) == 1
    assert _actual(seeded, THREE_TO_FOUR, "51") == 4  # the province holds both districts
    assert _actual(seeded, THREE_TO_FOUR, None) == 4


def test_distinct_sum_and_share(seeded: Engine) -> None:
    assert _actual(seeded, {"subject": "certificates", "aggregate": "distinct", "of": "producer_org"}) == 4
    assert _actual(seeded, {"subject": "certificates", "aggregate": "sum", "of": "stars"}) == 3 + 4 + 3 + 2
    share = {"subject": "certificates", "aggregate": "share", "numerator": {"stars": {"gte": 3}}}
    assert _actual(seeded, share) == pytest.approx(0.75)
    assert _actual(seeded, {"subject": "dossiers", "where": {"product_group": "drink"}}) == 1


def test_a_period_with_no_data_gives_zero(seeded: Engine) -> None:
    share = {"subject": "certificates", "aggregate": "share", "numerator": {"stars": {"gte": 3}}}
    with seeded.connect() as conn:
        empty = (dt.date(2030, 1, 1), dt.date(2030, 12, 31))
        assert conn.execute(pc.statement(pc.parse(THREE_TO_FOUR), *empty, TOWN)).scalar_one() == 0
        assert conn.execute(pc.statement(pc.parse(share), *empty, TOWN)).scalar_one() == 0


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"subject": "plants"}, "count.subject"),
        ({"subject": "certificates", "where": {"colour": "red"}}, "count.where.colour"),
        ({"subject": "certificates", "where": {"stars": {"like": 3}}}, "count.where.stars.like"),
        ({"subject": "certificates", "where": {"stars": {"in": 3}}}, "count.where.stars.in"),
        ({"subject": "certificates", "aggregate": "median"}, "count.aggregate"),
        ({"subject": "certificates", "aggregate": "sum"}, "count.of"),
        ({"subject": "certificates", "of": "stars"}, "count.of"),
        ({"subject": "certificates", "aggregate": "share"}, "count.numerator"),
    ],
)
def test_unknown_parts_are_named(raw: dict[str, Any], where: str) -> None:
    with pytest.raises(pc.CountingError) as caught:
        pc.parse(raw)
    assert caught.value.where == where


def test_the_allow_list_is_a_table() -> None:
    assert set(pc.SUBJECTS) == {"dossiers", "certificates"}
    for subject in pc.SUBJECTS.values():
        assert subject.fields, subject.name
