from __future__ import annotations

import functools
import importlib
import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.context import score_names
from engine.definitions.model import (
    CouncilRule,
    Criterion,
    Flag,
    Group,
    Part,
    ScoreOption,
    ScoringForm,
    StarBand,
    Text,
)
from engine.messages import say
from engine.scoring import (
    Note,
    Sheet,
    SheetResult,
    band_for,
    council_result,
    lowest_answers,
    score_sheet,
    validate_sheet,
)

Opt = ScoreOption


def crit(cid: str, mx: float, *options: ScoreOption, **kw: Any) -> Criterion:
    return Criterion(cid, Text(f"Tiêu chí {cid}", f"Criterion {cid}"), mx, options, **kw)


def make_form(**changes: Any) -> ScoringForm:
    """100 points: A 40 (1.1 commune-assessed, 1.2), B 25 (2.1), C 35 (3.1 with a gate, 3.2)."""
    c11 = crit(
        "1.1",
        10,
        Opt("a", Text("ít", "little"), 0),
        Opt("b", Text("vừa", "some"), 5),
        Opt("c", Text("nhiều", "much"), 10, floor=4),
        assessed_by="commune_officer",
        knockouts=(Flag("imported", Text("Nguyên liệu nhập khẩu", "Imported raw material")),),
    )
    c12 = crit(
        "1.2",
        30,
        Opt("a", Text("không", "none"), 0),
        Opt("b", Text("thấp", "low"), 10),
        Opt("c", Text("khá", "fair"), 20, floor=3),
        Opt("d", Text("cao", "high"), 30, floor=5),
    )
    c21 = crit(
        "2.1",
        25,
        Opt("x", Text("nhãn giả", "counterfeit label"), 0, knockout=True),
        Opt("a", Text("chưa có", "none"), 0),
        Opt("b", Text("có", "yes"), 12.5),
        Opt("c", Text("tốt", "good"), 25),
    )
    c31 = crit(
        "3.1",
        15,
        Opt("a", Text("ít tạp chất", "some impurities"), 5),
        Opt("b", Text("sạch", "clean"), 15),
        gate=Flag("impurities", Text("Tạp chất nguy hại", "Harmful impurities")),
    )
    c32 = crit(
        "3.2",
        20,
        Opt("a", Text("kém", "poor"), 0),
        Opt("b", Text("khá", "fair"), 10),
        Opt("c", Text("tốt", "good"), 20),
    )
    form = ScoringForm(
        id="test-form",
        version="1",
        regime="test",
        title=Text("Bộ thử", "Test set"),
        product_sets=(),
        rejection=(Flag("forged", Text("Giả mạo hồ sơ", "Forged dossier")),),
        stars=(
            StarBand(1, 0, 30),
            StarBand(2, 30, 50),
            StarBand(3, 50, 70, recognised=True),
            StarBand(4, 70, 90, recognised=True),
            StarBand(5, 90, None, recognised=True),
        ),
        council=CouncilRule(combine="mean", max_spread=10, quorum_fraction=0.75, chair_required=True),
        default_assessor="council_member",
        parts=(
            Part("A", Text("Phần A", "Part A"), 40, (Group("A1", Text("Nhóm A1"), 40, (c11, c12)),)),
            Part("B", Text("Phần B", "Part B"), 25, (Group("B1", Text("Nhóm B1"), 25, (c21,)),)),
            Part("C", Text("Phần C", "Part C"), 35, (Group("C1", Text("Nhóm C1"), 35, (c31, c32)),)),
        ),
    )
    return replace(form, **changes)


FORM = make_form()
ALL_MAX = {"1.1": "c", "1.2": "d", "2.1": "c", "3.1": "b", "3.2": "c"}


def sheet(flags: str = "", **answers: str) -> Sheet:
    merged = dict(ALL_MAX)
    merged.update({k.lstrip("_").replace("_", "."): v for k, v in answers.items()})
    return Sheet({k: v for k, v in merged.items() if v}, frozenset(flags.split()))


@pytest.mark.parametrize(
    ("case", "total", "band", "stars", "capped_by"),
    [
        (sheet(), 100, 5, 5, ()),
        # 1.2 answered "c" (20 < 30): the 5-star floor is unmet; 90 points still give only 4 stars
        (sheet(_1_2="c"), 90, 5, 4, (("1.2", 5),)),
        # 1.1 "b" misses the 4-star floor: capped at 3 although 95 points
        (sheet(_1_1="b"), 95, 5, 3, (("1.1", 4),)),
        # two floors: the lower cap wins and both are listed
        (sheet(_1_1="b", _1_2="c"), 85, 4, 3, (("1.1", 4),)),
        (sheet(_1_1="b", _1_2="b"), 75, 4, 2, (("1.1", 4), ("1.2", 3))),
        # a floor for more stars than the band gives does not cap anything
        (sheet(_1_2="c", _2_1="b", _3_2="b"), 67.5, 3, 3, ()),
        (sheet(_1_1="a", _1_2="a", _2_1="a", _3_1="a", _3_2="a"), 5, 1, 1, ()),
        (sheet(_1_2="c", _2_1="a", _3_2="b"), 55, 3, 3, ()),
    ],
)
def test_totals_bands_and_star_floors(
    case: Sheet, total: float, band: int, stars: int, capped_by: tuple[Any, ...]
) -> None:
    result = score_sheet(FORM, case)
    assert (result.total, result.band_stars, result.stars, result.capped_by) == (
        total,
        band,
        stars,
        capped_by,
    )
    assert result.complete and not result.excluded


def test_all_maximum_answers_give_the_forms_maximum_and_top_stars() -> None:
    result = score_sheet(FORM, sheet())
    assert result.total == FORM.max_points == 100
    assert result.parts == {"A": 40, "B": 25, "C": 35}
    assert result.groups == {"A1": 40, "B1": 25, "C1": 35}
    assert result.stars == 5 and result.recognised


@pytest.mark.parametrize(
    ("total", "stars"),
    [
        (0, 1),
        (29.99, 1),
        (30, 2),
        (49.99, 2),
        (50, 3),
        (69.99, 3),
        (70, 4),
        (89.99, 4),
        (90, 5),
        (100, 5),
        (70 - 1e-12, 4),  # float noise from averaging is not a different band
        (-1, None),
    ],
)
def test_star_band_boundaries(total: float, stars: int | None) -> None:
    band = band_for(FORM, total)
    assert (band.stars if band else None) == stars


def test_unanswered_criteria_count_zero_and_are_listed() -> None:
    result = score_sheet(FORM, sheet(_1_2="", _3_2=""))
    assert result.total == 50
    assert result.missing == ("1.2", "3.2")
    assert not result.complete
    # an unanswered criterion misses its floors too: 50 points (3 stars) capped at 2 by 1.2
    assert (result.band_stars, result.stars, result.capped_by) == (3, 2, (("1.2", 3),))
    assert result.unmet_floors == (("1.2", 3), ("1.2", 5))


@pytest.mark.parametrize(
    ("case", "knocked_out", "rejected"),
    [
        (sheet(_2_1="x"), ("2.1",), ()),
        (sheet("imported"), ("imported",), ()),
        (sheet("forged"), (), ("forged",)),
        (sheet("forged imported", _2_1="x"), ("imported", "2.1"), ("forged",)),
    ],
)
def test_knock_outs_and_rejections_exclude_the_sheet(
    case: Sheet, knocked_out: tuple[str, ...], rejected: tuple[str, ...]
) -> None:
    result = score_sheet(FORM, case)
    assert (result.knocked_out, result.rejected) == (knocked_out, rejected)
    assert result.excluded and result.stars is None and not result.recognised
    assert result.band_stars is not None  # the total is still computed and shown
    assert result.explanation[-1] == Note("excluded", {})


def test_a_ticked_gate_stops_scoring_at_its_criterion() -> None:
    result = score_sheet(FORM, sheet("impurities"))
    assert result.stopped_at == "3.1"
    assert result.points["3.1"] == 0 and result.points["3.2"] == 0
    assert result.total == 65 and result.stars == 3
    assert result.complete  # criteria after the gate are not missing


def test_answers_and_knock_outs_after_a_gate_are_ignored() -> None:
    form = make_form()
    c32 = replace(form.parts[2].groups[0].criteria[1], knockouts=(Flag("mould", Text("Mốc")),))
    group = replace(form.parts[2].groups[0], criteria=(form.parts[2].groups[0].criteria[0], c32))
    form = replace(form, parts=(*form.parts[:2], replace(form.parts[2], groups=(group,))))
    result = score_sheet(form, sheet("impurities mould"))
    assert result.knocked_out == ()
    assert result.stars == 3


def test_own_assessors_criteria_come_from_the_assessors_sheet() -> None:
    member = sheet(_1_1="a")  # the member's own answer for 1.1 is ignored
    commune = Sheet({"1.1": "c", "1.2": "a"}, frozenset())  # the commune's answer for 1.2 is ignored
    result = score_sheet(FORM, member, commune)
    assert result.answers["1.1"] == "c" and result.answers["1.2"] == "d"
    assert result.total == 100 and result.from_assessors == ("1.1",)
    assert result.explanation[0] == Note("assessors", {"criteria": ["1.1"]})


def test_own_assessors_knock_outs_and_rejections_carry_over() -> None:
    assert score_sheet(FORM, sheet(), Sheet({"1.1": "c"}, frozenset({"imported"}))).knocked_out == (
        "imported",
    )
    assert score_sheet(FORM, sheet("imported"), Sheet({"1.1": "c"})).knocked_out == ()
    assert score_sheet(FORM, sheet(), Sheet({"1.1": "c"}, frozenset({"forged"}))).rejected == ("forged",)


def test_without_an_assessors_sheet_the_member_answers_their_criteria() -> None:
    assert score_sheet(FORM, sheet(_1_1="b")).answers["1.1"] == "b"


def test_answers_that_do_not_fit_the_form_are_reported_and_count_as_missing() -> None:
    bad = Sheet({**ALL_MAX, "1.2": "z", "9.9": "a"}, frozenset({"nonsense"}))
    problems = validate_sheet(FORM, bad)
    assert problems == {
        "1.2": say("scoring.option_unknown", criterion="1.2", option="z"),
        "9.9": say("scoring.criterion_unknown", criterion="9.9"),
        "nonsense": say("scoring.flag_unknown", flag="nonsense"),
    }
    assert problems["1.2"].get("vi") == "Tiêu chí 1.2 không có lựa chọn z."
    result = score_sheet(FORM, bad)
    assert result.missing == ("1.2",) and result.invalid == problems
    assert "Câu trả lời không hợp lệ (9.9): Không có tiêu chí 9.9." in result.describe("vi")
    assert "Invalid answer (9.9): Unknown criterion '9.9'." in result.describe("en")
    assert validate_sheet(FORM, sheet()) == {}


def test_lowest_answers_fill_every_criterion_with_its_least_option() -> None:
    result = score_sheet(FORM, Sheet(lowest_answers(FORM)))
    assert result.complete and result.total == 5


def test_the_explanation_reads_in_vietnamese_and_english_with_the_forms_labels() -> None:
    result = score_sheet(FORM, sheet(_1_1="b"))
    floor = next(n for n in result.explanation if n.code == "floor")
    assert floor.params == {"criterion": "1.1", "stars": 4, "needed": 10.0, "option": "c", "got": 5.0}
    vi, en = result.describe(), result.describe("en")
    assert "Tiêu chí 1.1 Tiêu chí 1.1 chưa đạt mức tối thiểu cho 4 sao (cần «nhiều», 10 điểm; đạt 5)" in vi
    assert (
        "Criterion 1.1 Criterion 1.1 is below the minimum for 4 stars (needs «much», 10 points; got 5)" in en
    )
    assert vi[-1] == "Kết quả: 3 sao" and en[-1] == "Result: 3 stars"
    assert "Hạng sao giảm từ 5 xuống 3" in vi
    gate = score_sheet(FORM, sheet("impurities")).describe("en")
    assert "Scoring stopped at criterion 3.1 Criterion 3.1: Harmful impurities" in gate


# --- council ---------------------------------------------------------------------------------


def sheets(*results: SheetResult) -> dict[str, SheetResult]:
    return {f"m{i}": r for i, r in enumerate(results, 1)}


def total_of(answers: dict[str, str]) -> SheetResult:
    return score_sheet(FORM, Sheet(answers))


S100 = score_sheet(FORM, sheet())  # 100
S95 = score_sheet(FORM, sheet(_1_1="b"))  # 95, capped at 3 by 1.1
S90 = score_sheet(FORM, sheet(_1_2="c"))  # 90, capped at 4 by 1.2
S85 = score_sheet(FORM, sheet(_1_1="b", _1_2="c"))  # 85


@pytest.mark.parametrize(
    ("combine", "results", "total"),
    [
        ("mean", (S100, S95, S90), 95),
        ("mean", (S100, S90), 95),
        ("median", (S100, S90, S85), 90),
        ("median", (S100, S90), 95),
        ("trimmed_mean", (S100, S95, S90, S85), 92.5),
        ("trimmed_mean", (S100, S90), 95),  # fewer than three sheets: plain mean
    ],
)
def test_member_totals_combine_by_the_forms_rule(
    combine: str, results: tuple[SheetResult, ...], total: float
) -> None:
    form = make_form(council=CouncilRule(combine=combine))  # type: ignore[arg-type]
    result = council_result(form, sheets(*results), members=len(results), chair_signed=True)
    assert result.total == pytest.approx(total)
    assert result.method == combine


def test_fractional_means_are_kept_and_shown_rounded() -> None:
    result = council_result(FORM, sheets(S100, S95, S85), members=3, chair_signed=True)
    assert result.total == pytest.approx(93.3333333)
    assert "Điểm Hội đồng (trung bình của 3 phiếu): 93.33" in result.describe()
    assert "Council score (mean of 3 sheets): 93.33" in result.describe("en")


@pytest.mark.parametrize(
    ("results", "members", "chair", "quorum", "rescore", "final"),
    [
        ((S100, S95, S90), 3, True, True, False, True),
        ((S100, S90), 2, True, True, False, True),  # spread 10 is allowed
        ((S100, S85), 2, True, True, True, False),  # spread 15 > 10: re-score
        ((S100, S95, S90), 4, True, True, False, True),  # 3/4 = the quorum exactly
        ((S100, S95), 4, True, False, False, False),
        ((S100, S95, S90), 3, False, False, False, False),  # the chair must sign
        ((), 3, True, False, False, False),
        ((S100,), 0, True, False, False, False),
    ],
)
def test_council_quorum_spread_and_finality(
    results: tuple[SheetResult, ...], members: int, chair: bool, quorum: bool, rescore: bool, final: bool
) -> None:
    result = council_result(FORM, sheets(*results), members=members, chair_signed=chair)
    assert (result.quorum_met, result.rescore_required, result.final) == (quorum, rescore, final)


def test_an_incomplete_sheet_keeps_the_result_from_being_final() -> None:
    partial = score_sheet(FORM, sheet(_3_2=""))
    result = council_result(FORM, sheets(S100, S100, partial), members=3, chair_signed=True)
    assert result.incomplete == ("m3",) and not result.final


@pytest.mark.parametrize(
    ("results", "stars", "capped_by"),
    [
        # 1.1's 4-star floor unmet on one sheet of three: met by the majority, 5 stars
        ((S100, S100, S95), 5, ()),
        # unmet on two of three: capped at 3
        ((S100, S95, S95), 3, (("1.1", 4),)),
        # half the sheets is not a majority: unmet
        ((S100, S95), 3, (("1.1", 4),)),
        ((S100, S90, S90), 4, (("1.2", 5),)),
    ],
)
def test_council_floors_follow_the_majority_of_sheets(
    results: tuple[SheetResult, ...], stars: int, capped_by: tuple[Any, ...]
) -> None:
    result = council_result(
        make_form(council=CouncilRule()), sheets(*results), members=len(results), chair_signed=True
    )
    assert (result.stars, result.capped_by) == (stars, capped_by)


def test_council_knock_outs_follow_the_majority_and_note_a_dissent() -> None:
    ko = score_sheet(FORM, sheet("imported"))
    minority = council_result(FORM, sheets(S100, S100, ko), members=3, chair_signed=True)
    assert minority.knocked_out == () and minority.stars == 5
    assert Note("dissent", {"id": "imported", "sheets": 1, "of": 3}) in minority.explanation
    majority = council_result(FORM, sheets(S100, ko, ko), members=3, chair_signed=True)
    assert majority.knocked_out == ("imported",) and majority.stars is None and majority.excluded
    assert score_names(majority)["knocked_out"] is True


def test_the_council_result_gives_guards_their_score_context() -> None:
    result = council_result(FORM, sheets(S100, S95, S90), members=3, chair_signed=True)
    assert dict(score_names(result)) == {
        "total": 95.0,
        "stars": 5,  # 1.2's 5-star floor is met on 2 of 3 sheets, 1.1's 4-star floor on 2 of 3
        "knocked_out": False,
        "rejected": False,
        "recognised": True,
        "final": True,
    }


def test_every_explanation_step_renders_in_both_languages() -> None:
    ko = score_sheet(FORM, sheet("imported forged impurities", _2_1="x", _1_2=""))
    bad = score_sheet(FORM, Sheet({"9.9": "a"}))
    partial = score_sheet(FORM, sheet(_3_2=""))
    council = council_result(FORM, sheets(S100, S95, S95, ko, partial), members=9, chair_signed=False)
    empty = council_result(FORM, {}, members=3, chair_signed=True)
    results = (
        ko,
        bad,
        partial,
        council,
        empty,
        S95,
        score_sheet(FORM, sheet(), Sheet({"1.1": "c"})),
        score_sheet(make_form(stars=(StarBand(1, 50, None),)), Sheet({"1.1": "a"})),
        council_result(FORM, sheets(S100, ko, ko), members=3, chair_signed=True),
        council_result(FORM, sheets(S100, S95, S95), members=3, chair_signed=True),
    )
    codes = {n.code for r in results for n in r.explanation}
    assert codes == set(
        [
            "invalid",
            "assessors",
            "gate",
            "skipped",
            "knockout_flag",
            "knockout_option",
            "rejected",
            "missing",
            "total",
            "no_band",
            "band",
            "floor",
            "floor_council",
            "capped",
            "excluded",
            "stars",
            "quorum",
            "chair_missing",
            "incomplete",
            "no_sheets",
            "combine",
            "spread",
            "dissent",
            "knockout_council",
            "rejected_council",
            "final",
            "not_final",
        ]
    )
    for result in results:
        for lang in ("vi", "en"):
            lines = result.describe(lang)
            assert len(lines) == len(result.explanation)
            for line, note in zip(lines, result.explanation, strict=True):
                assert line != note.code and "{" not in line, (lang, note)


# --- the real forms of Decision 26/2026 ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
FORMS_DIR = ROOT / "forms" / "ocop-2026" / "scoring"


@functools.cache
def _load_real_forms() -> tuple[ScoringForm, ...]:
    loader = importlib.import_module("engine.definitions.loader")
    # The workflows are loaded too: the forms refer to their regime. Whether the
    # definitions validate is the validator's test; here only the forms' content counts.
    loaded = loader.load_catalog([ROOT / "workflows", ROOT / "forms"])
    return tuple(f for f in loaded.catalog.scoring_forms.values() if f.regime == "ocop-2026")


def real_forms() -> tuple[ScoringForm, ...]:
    if importlib.util.find_spec("engine.definitions.loader") is None:
        pytest.skip("engine.definitions.loader does not exist yet")
    if not FORMS_DIR.is_dir():
        pytest.skip("forms/ocop-2026/scoring/ does not exist yet")
    forms = _load_real_forms()
    assert len(forms) == len(list(FORMS_DIR.glob("*.yaml"))), "every form file should load"
    return forms


def best_answers(form: ScoringForm) -> dict[str, str]:
    return {c.id: max(c.options, key=lambda o: (o.points, not o.knockout)).id for c in form.criteria()}


def test_every_real_form_gives_its_declared_maximum_and_top_stars_for_the_best_answers() -> None:
    for form in real_forms():
        result = score_sheet(form, Sheet(best_answers(form)))
        assert result.total == pytest.approx(form.max_points) == sum(p.max for p in form.parts), form.id
        assert result.complete and not result.excluded, form.id
        top = band_for(form, result.total)
        assert top is not None and result.stars == top.stars and result.capped_by == (), form.id


def test_every_real_form_caps_stars_when_its_highest_floor_is_missed() -> None:
    for form in real_forms():
        best = best_answers(form)
        floors = [(c, o) for c in form.criteria() for o in c.options if o.floor is not None]
        assert floors, form.id
        criterion, floor_option = max(floors, key=lambda f: f[1].floor or 0)
        lower = [o for o in criterion.options if o.points < floor_option.points and not o.knockout]
        answers = {**best, criterion.id: lower[0].id}
        result = score_sheet(form, Sheet(answers))
        top = floor_option.floor or 0
        assert (criterion.id, top) in result.capped_by, form.id
        assert result.stars is not None and result.stars <= top - 1, form.id


def test_every_real_form_takes_the_own_assessors_criteria_from_their_sheet() -> None:
    for form in real_forms():
        commune = [c for c in form.criteria() if c.assessed_by not in (None, form.default_assessor)]
        assert commune, form.id
        lowest = lowest_answers(form)
        assessors_sheet = Sheet({c.id: lowest[c.id] for c in commune})
        result = score_sheet(form, Sheet(best_answers(form)), assessors_sheet)
        lost = sum(max(o.points for o in c.options) - min(o.points for o in c.options) for c in commune)
        assert result.total == pytest.approx(form.max_points - lost), form.id
        assert result.from_assessors == tuple(c.id for c in commune), form.id


def test_every_real_form_with_rejection_conditions_rejects_on_them() -> None:
    with_rules = [f for f in real_forms() if f.rejection]  # set 26 (tourism) states none
    assert len(with_rules) >= 25
    for form in with_rules:
        result = score_sheet(form, Sheet(best_answers(form), frozenset({form.rejection[0].id})))
        assert result.rejected == (form.rejection[0].id,) and result.stars is None, form.id


# --- properties over random sheets -------------------------------------------------------------

ANSWER = st.fixed_dictionaries(
    {},
    optional={c.id: st.sampled_from([o.id for o in c.options]) for c in FORM.criteria()},
)
FLAGS = st.frozensets(st.sampled_from(["imported", "impurities", "forged"]))


@settings(max_examples=300, deadline=None)
@given(answers=ANSWER, flags=FLAGS)
def test_any_sheet_adds_up_and_never_exceeds_its_band(answers: dict[str, str], flags: frozenset[str]) -> None:
    result = score_sheet(FORM, Sheet(answers, flags))
    assert (
        result.total
        == pytest.approx(sum(result.points.values()))
        == pytest.approx(sum(result.parts.values()))
    )
    assert 0 <= result.total <= FORM.max_points
    assert (result.stars is None) == result.excluded
    if result.stars is not None:
        assert result.band_stars is not None and result.stars <= result.band_stars
        assert all(result.stars < s for _, s in result.capped_by)
    ids = [c.id for c in FORM.criteria()]
    stopped = ids[ids.index(result.stopped_at) :] if result.stopped_at else []
    # every criterion is exactly one of: answered, missing, stopped by a gate
    assert sorted([*result.answers, *result.missing, *stopped]) == sorted(ids)
    assert len(result.describe("en")) == len(result.explanation)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(ANSWER, FLAGS), min_size=1, max_size=7),
    st.sampled_from(["mean", "median", "trimmed_mean"]),
)
def test_any_council_total_lies_between_the_members_totals(
    members: list[tuple[dict[str, str], frozenset[str]]], combine: str
) -> None:
    form = make_form(council=CouncilRule(combine=combine, max_spread=10))  # type: ignore[arg-type]
    results = sheets(*(score_sheet(form, Sheet(a, f)) for a, f in members))
    council = council_result(form, results, members=len(members), chair_signed=True)
    totals = [r.total for r in results.values()]
    assert council.total is not None
    assert min(totals) - 1e-9 <= council.total <= max(totals) + 1e-9
    assert council.spread == pytest.approx(max(totals) - min(totals))
    assert council.rescore_required == (council.spread > 10 + 1e-9)
