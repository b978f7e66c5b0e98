from __future__ import annotations

import datetime as dt
import threading

import pytest

from engine.definitions.model import Source, State, Text, Transition, Workflow
from engine.errors import TransitionNotAllowed
from engine.machine import clear_cache, compile_workflow


def make_workflow(
    *, version: str = "1", sha: str | None = "abc", extra: tuple[Transition, ...] = ()
) -> Workflow:
    states = {
        "draft": State("draft", Text("Nháp"), 3),
        "check": State("check", Text("Kiểm tra"), 5),
        "returned": State("returned", Text("Trả lại"), 5),
        "evaluation": State("evaluation", Text("Đánh giá"), 5, children=("review", "council")),
        "review": State("review", Text("Thẩm định"), 5, parent="evaluation"),
        "council": State("council", Text("Hội đồng"), 5, parent="evaluation"),
        "done": State("done", Text("Xong"), 6, terminal=True),
    }
    transitions = (
        Transition("submit", Text("Nộp"), ("draft", "returned"), "check", ("producer",)),
        Transition("give_back", Text("Trả lại"), ("check",), "returned", ("officer",)),
        Transition("forward", Text("Chuyển"), ("check",), "review", ("officer",)),
        Transition("to_council", Text("Hội đồng"), ("review",), "council", ("officer",)),
        Transition("withdraw", Text("Rút"), ("review", "council"), "draft", ("producer",)),
        Transition("certify", Text("Công nhận"), ("council",), "done", ("chair",)),
        *extra,
    )
    return Workflow(
        id="wf",
        version=version,
        title=Text("Quy trình"),
        legal_basis=Text("—"),
        effective_from=dt.date(2026, 1, 1),
        effective_until=None,
        roles="roles",
        units=None,
        forms=(),
        scoring_regime=None,
        product_code="x",
        calendar="vn",
        certificate=None,
        clocks={},
        initial="draft",
        states=states,
        transitions=transitions,
        duties=(),
        source=Source("wf.yaml", sha or "", "") if sha is not None else None,
    )


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    clear_cache()


@pytest.mark.parametrize(
    ("state", "transition", "expected"),
    [
        ("draft", "submit", "check"),
        ("returned", "submit", "check"),
        ("check", "give_back", "returned"),
        ("check", "forward", "review"),
        ("review", "to_council", "council"),
        ("review", "withdraw", "draft"),
        ("council", "withdraw", "draft"),
        ("council", "certify", "done"),
    ],
)
def test_firing_an_allowed_transition_moves_to_its_target(state: str, transition: str, expected: str) -> None:
    assert compile_workflow(make_workflow()).fire(state, transition) == expected


@pytest.mark.parametrize(
    ("state", "transition"),
    [
        ("draft", "certify"),
        ("check", "submit"),
        ("done", "submit"),
        ("done", "withdraw"),
        ("draft", "no_such_transition"),
        ("no_such_state", "submit"),
        ("evaluation", "to_council"),  # a composite is never a current state
    ],
)
def test_firing_from_a_state_the_transition_does_not_leave_is_refused_with_reason_state(
    state: str, transition: str
) -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        compile_workflow(make_workflow()).fire(state, transition)
    assert info.value.reason == "state"
    assert transition in str(info.value)


def test_transitions_from_lists_the_transitions_leaving_a_state_in_file_order() -> None:
    compiled = compile_workflow(make_workflow())
    assert [t.id for t in compiled.transitions_from("check")] == ["give_back", "forward"]
    assert [t.id for t in compiled.transitions_from("council")] == ["withdraw", "certify"]
    assert compiled.transitions_from("done") == []
    assert compiled.transitions_from("unknown") == []


def test_the_machine_has_only_leaf_states_and_no_auto_transitions() -> None:
    compiled = compile_workflow(make_workflow())
    assert set(compiled.states) == {"draft", "check", "returned", "review", "council", "done"}
    assert "to_draft" not in compiled.machine.events


def test_a_definition_version_is_compiled_once_and_a_new_version_recompiled() -> None:
    first = compile_workflow(make_workflow())
    assert compile_workflow(make_workflow()) is first
    assert compile_workflow(make_workflow(version="2")) is not first
    assert compile_workflow(make_workflow(sha="def")) is not first


def test_in_memory_definitions_without_a_hash_are_told_apart_by_content() -> None:
    plain = compile_workflow(make_workflow(sha=None))
    extra = Transition("skip", Text("Bỏ qua"), ("draft",), "done", ("chair",))
    changed = compile_workflow(make_workflow(sha=None, extra=(extra,)))
    assert changed is not plain
    assert changed.fire("draft", "skip") == "done"
    with pytest.raises(TransitionNotAllowed):
        plain.fire("draft", "skip")


def test_the_shared_machine_keeps_one_model_however_many_fires() -> None:
    compiled = compile_workflow(make_workflow())
    compiled.fire("draft", "submit")
    with pytest.raises(TransitionNotAllowed):
        compiled.fire("draft", "certify")
    assert len(compiled.machine.models) == 1


def test_concurrent_fires_on_one_compiled_machine_do_not_interfere() -> None:
    compiled = compile_workflow(make_workflow())
    cases = [("draft", "submit", "check"), ("check", "forward", "review"), ("council", "certify", "done")]
    errors: list[str] = []

    def work(state: str, transition: str, expected: str) -> None:
        for _ in range(200):
            got = compiled.fire(state, transition)
            if got != expected:
                errors.append(f"{state}-{transition}->{got}")

    threads = [threading.Thread(target=work, args=case) for case in cases * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(compiled.machine.models) == 1
