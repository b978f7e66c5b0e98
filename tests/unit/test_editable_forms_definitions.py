"""`editable_forms` in the definition language: loading, the checks and the definition test cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.loader import load_catalog, load_text
from engine.definitions.model import Catalog
from engine.definitions.testcases import run_suites

VALID = Path(__file__).resolve().parents[1] / "definitions" / "valid"

WORKFLOW = """\
kind: workflow
id: edit-flow
version: "1"
title: Quy trình thử
legal_basis: Thử
effective_from: 2026-01-01
roles: test-roles
forms: [test-form]
initial: draft
states:
  draft: {label: Nháp, step: 3, editable_forms: [test-form]}
  review:
    label: Xem xét
    step: 5
    editable_forms: [test-from]
  done: {label: Xong, step: 6, terminal: true}
transitions:
  - {id: submit, label: Nộp, from: draft, to: review, roles: [producer], requires: {forms: [test-form]}}
  - {id: approve, label: Duyệt, from: review, to: done, roles: [officer]}
"""


@pytest.fixture(scope="module")
def valid_catalog() -> Catalog:
    result = load_catalog([VALID])
    assert result.ok
    return result.catalog


def test_a_state_listing_a_form_the_workflow_does_not_use_is_located_and_explained(
    valid_catalog: Catalog,
) -> None:
    result = load_text(WORKFLOW, "edit-flow.yaml", lang="en", context=valid_catalog)
    assert [p.format() for p in result.problems] == [
        "edit-flow.yaml:15:22: E222 State 'review' lists form 'test-from' in editable_forms, "
        "but the workflow does not use it (did you mean 'test-form'?)"
    ]
    assert result.problems[0].hint == (
        "Add 'test-from' to the workflow's 'forms' list, or fix the id. The workflow's forms: test-form."
    )


def test_a_repeated_form_in_one_state_is_a_structural_error(valid_catalog: Catalog) -> None:
    text = WORKFLOW.replace("editable_forms: [test-form]}", "editable_forms: [test-form, test-form]}")
    result = load_text(text, "edit-flow.yaml", lang="en", context=valid_catalog)
    assert [(p.code, p.line) for p in result.problems] == [("E116", 11)]


def test_the_loaded_states_carry_what_they_say_and_nothing_when_silent(valid_catalog: Catalog) -> None:
    result = load_text(WORKFLOW.replace("test-from", "test-form"), "edit-flow.yaml", context=valid_catalog)
    assert result.ok, [p.format() for p in result.problems]
    workflow = result.catalog.workflows["edit-flow"]
    assert workflow.states["draft"].editable_forms == ("test-form",)
    assert workflow.states["done"].editable_forms is None
    assert [workflow.editable_forms_in(s) for s in ("draft", "review", "done")] == [
        ("test-form",),
        ("test-form",),
        (),
    ]


def test_the_vietnamese_message_is_the_default(valid_catalog: Catalog) -> None:
    result = load_text(WORKFLOW, "edit-flow.yaml", context=valid_catalog)
    assert result.problems[0].message.startswith("Trạng thái 'review' cho sửa biểu mẫu 'test-from'")


def _suite(case: str) -> str:
    return "kind: tests\nid: edit-cases\ncases:\n" + case


PRODUCER_CASE = """\
  - name: the producer edits the form in the draft
    workflow: test-flow
    actor: {id: u1, roles: [producer], organisation: htx}
    state: {state}
    form: test-form
    expect: {expect}
"""


@pytest.mark.parametrize(
    ("state", "expect", "passed", "detail"),
    [
        ("draft", "{allowed: true, reason: ok}", True, ""),
        ("check", "{allowed: false, reason: form_state}", True, ""),
        ("check", "{allowed: true}", False, "allowed: expected True, got False"),
        ("certified", "{allowed: false, reason: ok}", False, "reason: expected 'ok', got 'form_state'"),
    ],
)
def test_a_form_case_asks_whether_the_actor_may_save_the_form_in_that_state(
    valid_catalog: Catalog, state: str, expect: str, passed: bool, detail: str
) -> None:
    text = _suite(PRODUCER_CASE.replace("{state}", state).replace("{expect}", expect))
    result = load_text(text, "edit.tests.yaml", context=valid_catalog)
    assert result.ok, [p.format() for p in result.problems]
    catalog = Catalog(**{**valid_catalog.__dict__, "tests": result.catalog.tests})
    [outcome] = run_suites(catalog)
    assert (outcome.passed, outcome.detail) == (passed, detail)


def test_a_document_case_asks_whether_the_actor_may_upload_that_evidence_now(valid_catalog: Catalog) -> None:
    case = PRODUCER_CASE.replace("form: test-form", "document: licence")
    text = _suite(
        case.replace("{state}", "council").replace("{expect}", "{allowed: false, reason: form_state}")
    )
    result = load_text(text, "edit.tests.yaml", context=valid_catalog)
    catalog = Catalog(**{**valid_catalog.__dict__, "tests": result.catalog.tests})
    [outcome] = run_suites(catalog)
    assert outcome.passed, outcome.detail


def test_a_case_naming_a_form_or_document_the_workflow_does_not_have_is_refused(
    valid_catalog: Catalog,
) -> None:
    case = PRODUCER_CASE.replace("{state}", "draft").replace("{expect}", "{allowed: true}")
    for wrong, what in (("form: no-such-form", "form"), ("document: no_such_paper", "document type")):
        line = "form: test-form"
        result = load_text(
            _suite(case.replace(line, wrong)), "edit.tests.yaml", lang="en", context=valid_catalog
        )
        assert [(p.code, p.line) for p in result.problems] == [("E503", 8)]
        assert f"refers to an unknown {what}" in result.problems[0].message
