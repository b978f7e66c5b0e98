"""The names of guard and visibility expressions: one builder, one list, the manual generated from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from engine import context
from engine.definitions.expression_checks import check_expression
from engine.definitions.messages import render

MANUAL = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
ROW = {
    "id": 7, "kind": "first", "product_set": "01", "product_group": "food", "province_code": "80",
    "commune_code": "80001", "filed_on": dt.date(2026, 3, 1), "state": "draft", "stars": None,
    "product_code": None, "producer_org": "HTX A",
}  # fmt: skip


def test_the_manual_shows_the_table_the_code_declares() -> None:
    text = MANUAL.read_text("utf-8")
    start = text.index("<!-- expression-names:start -->\n") + len("<!-- expression-names:start -->\n")
    end = text.index("\n<!-- expression-names:end -->")
    assert text[start:end] == context.table("en")


def test_the_dossier_name_holds_exactly_its_declared_keys_from_a_row_or_a_snapshot() -> None:
    from_row = context.dossier_names(ROW)
    from_snapshot = context.dossier_names(SimpleNamespace(**ROW))
    assert set(from_row) == set(context.KEYS["dossier"]) == set(from_snapshot)
    assert from_row.year == 2026 and dict(from_row) == dict(from_snapshot)
    assert "producer_org" not in from_row  # not declared, so not given


def test_the_score_name_has_the_same_keys_before_and_after_a_council_result() -> None:
    from engine.scoring import council_result
    from tests.unit.test_scoring import FORM, S100, sheets

    empty = context.score_names(None)
    result = context.score_names(council_result(FORM, sheets(S100, S100, S100), members=3,
                                                chair_signed=True))  # fmt: skip
    assert set(empty) == set(result) == set(context.KEYS["score"])
    assert empty.final is False and empty.total is None
    assert result.recognised is True and result.final is True


def test_the_guard_context_holds_every_guard_name_and_nothing_else() -> None:
    built = context.guard_context(dossier=context.dossier_names(ROW), forms={"f": {"x": 1}},
                                  evidence=frozenset({"lab"}), score=context.score_names(None),
                                  today=dt.date(2026, 3, 2))  # fmt: skip
    assert set(built) == context.GUARD_NAMES
    assert built["forms"]["f"].x == 1


def test_a_misspelt_score_or_dossier_key_is_a_problem_with_a_suggestion() -> None:
    found = list(check_expression("score.final and score.totl > 50 and dossier.yeer == 2026",
                                  context.GUARD_NAMES, ("transitions", 0, "guard"), "guard"))  # fmt: skip
    assert sorted((f.code, f.params["key"]) for f in found) == [("E304", "totl"), ("E304", "yeer")]
    message, _ = render("E304", next(f.params for f in found if f.params["key"] == "totl"), "en")
    assert "has no key 'totl'" in message and "did you mean 'total'?" in message


def test_declared_keys_and_other_roots_pass() -> None:
    source = "score.recognised and dossier['product_set'] == '01' and forms['f'].anything and 'x' in evidence"
    assert list(check_expression(source, context.GUARD_NAMES, ("g",), "guard")) == []
    # `answers` is not a declared-keys name: its fields are checked against the form (E206)
    assert list(check_expression("answers.whatever", context.VISIBLE_NAMES, ("v",), "visible_when")) == []
