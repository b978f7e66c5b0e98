"""`timers:` on a state in the definition language: what the model keeps and what the checks refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.loader import load_catalog, load_text
from engine.definitions.model import Catalog, Delay

VALID = Path(__file__).resolve().parents[1] / "definitions" / "valid"

WORKFLOW = """\
kind: workflow
id: timer-flow
version: "1"
title: Quy trình thử
legal_basis: Thử
effective_from: 2026-01-01
roles: test-roles
initial: draft
states:
  draft:
    label: Nháp
    step: 3
    timers:
      - {id: expiry, at: {date: certificate.expires_on, minus_days: 180}, fire: lapse, notify: [producer]}
  done: {label: Xong, step: 6, terminal: true}
transitions:
  - {id: lapse, label: Hết hạn, from: draft, to: done, roles: [officer]}
"""


@pytest.fixture(scope="module")
def valid_catalog() -> Catalog:
    result = load_catalog([VALID])
    assert result.ok, [p.format() for p in result.problems]
    return result.catalog


def test_the_model_keeps_each_timer_with_its_delay_action_and_escalation(valid_catalog: Catalog) -> None:
    wf = next(iter(valid_catalog.workflows.values()))
    (silent,) = wf.states["returned"].timers
    assert silent.id == "producer_silent" and silent.after == Delay(30, working=False)
    assert silent.notify == ("producer",) and silent.fire is None
    assert silent.escalate is not None
    assert silent.escalate.after == Delay(5, working=True) and silent.escalate.roles == ("officer",)
    (late,) = wf.states["check"].timers
    assert (late.after, late.at_field, late.at_offset_days) == (None, "dossier.filed_on", 60)


def test_a_date_before_the_certificate_expires_is_a_negative_offset(valid_catalog: Catalog) -> None:
    result = load_text(WORKFLOW, "timer-flow.yaml", lang="en", context=valid_catalog)
    assert result.problems == []
    (timer,) = result.catalog.workflows["timer-flow"].states["draft"].timers
    assert (timer.at_field, timer.at_offset_days, timer.fire) == ("certificate.expires_on", -180, "lapse")


def test_a_timer_needs_one_delay_and_one_action(valid_catalog: Catalog) -> None:
    both = WORKFLOW.replace("at: {date:", "after: {days: 3}, at: {date:")
    silent = WORKFLOW.replace(", fire: lapse, notify: [producer]", "")
    for text in (both, silent):
        result = load_text(text, "timer-flow.yaml", lang="en", context=valid_catalog)
        assert result.problems and all(p.code.startswith("E1") for p in result.problems), text


def test_a_timer_telling_an_undeclared_role_names_it(valid_catalog: Catalog) -> None:
    text = WORKFLOW.replace("notify: [producer]", "notify: [mayor]")
    result = load_text(text, "timer-flow.yaml", lang="en", context=valid_catalog)
    assert [p.code for p in result.problems] == ["E204"]
    assert "mayor" in result.problems[0].format()
