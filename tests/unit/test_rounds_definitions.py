"""Evaluation rounds as declared (engine/definitions/rounds.py): which round a filing date joins."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.definitions.loader import load_catalog
from engine.definitions.model import Text
from engine.definitions.rounds import RoundDef, RoundSeries, round_of

SERIES = RoundSeries(
    "province",
    Text("Đợt cấp tỉnh"),
    2,
    (
        RoundDef("dot-1", Text("Đợt 1"), 4, 30, None, (None, 6, 30)),
        RoundDef("them", Text("Đợt thêm"), 8, 15, 2026),
        RoundDef("dot-2", Text("Đợt 2"), 10, 30, None),
    ),
)


@pytest.mark.parametrize(
    ("filed", "expected"),
    [
        (dt.date(2026, 1, 5), (2026, "dot-1", dt.date(2026, 4, 30))),
        (dt.date(2026, 4, 30), (2026, "dot-1", dt.date(2026, 4, 30))),
        (dt.date(2026, 5, 1), (2026, "them", dt.date(2026, 8, 15))),  # the one-year round of 2026
        (dt.date(2027, 5, 1), (2027, "dot-2", dt.date(2027, 10, 30))),  # no extra round in 2027
        (dt.date(2026, 10, 31), (2027, "dot-1", dt.date(2027, 4, 30))),
    ],
)
def test_a_filing_date_joins_the_first_round_whose_cut_off_is_on_or_after_it(filed, expected) -> None:  # type: ignore[no-untyped-def]
    found = round_of(SERIES, filed)
    assert found is not None and (found.year, found.id, found.cutoff) == expected


def test_the_sitting_date_is_of_the_round_s_year_and_a_series_of_past_one_off_rounds_joins_nothing() -> None:
    found = round_of(SERIES, dt.date(2026, 11, 1))
    assert found is not None and found.sits_by == dt.date(2027, 6, 30) and found.key == "province:2027:dot-1"
    past = RoundSeries("x", Text("x"), 1, (RoundDef("a", Text("a"), 3, 1, 2025),))
    assert round_of(past, dt.date(2026, 1, 1)) is None


def test_the_2026_pack_declares_art_5_rounds_at_both_levels() -> None:
    result = load_catalog()
    assert result.ok
    workflow = result.catalog.workflows["ocop-2026"]
    assert {sid: [(r.month, r.day) for r in s.rounds] for sid, s in workflow.rounds.items()} == {
        "province": [(4, 30), (10, 30)],
        "central": [(1, 30), (7, 30)],
    }
    councils = {s.id: s.council.rounds for s in workflow.states.values() if s.council is not None}
    assert councils == {"council_scoring": "province", "central_council": "central"}
