"""The workflow diagram: states in the column of their cycle step, one arrow per (source, transition)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from engine.definitions.model import State, Text, Transition, Workflow
from web.admin.diagram import BOX_H, layout, render

SVG = "{http://www.w3.org/2000/svg}"


def _workflow(states: list[State], transitions: list[Transition], initial: str = "draft") -> Workflow:
    return Workflow(
        id="demo",
        version="1",
        title=Text("Quy trình thử", "Test workflow"),
        legal_basis=Text("Không"),
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
        initial=initial,
        states={s.id: s for s in states},
        transitions=tuple(transitions),
        duties=(),
    )


def _t(tid: str, sources: tuple[str, ...], target: str, label: str | None = None) -> Transition:
    return Transition(id=tid, label=Text(label or tid), sources=sources, target=target, roles=("officer",))


STATES = [
    State("draft", Text("Bản nháp", "Draft"), 3),
    State("check", Text("Kiểm tra", "Check"), 5, deadline="review"),
    State("returned", Text("Trả lại", "Returned"), 5, pauses_clocks=True),
    State("evaluation", Text("Đánh giá", "Evaluation"), 5, children=("scoring", "decision")),
    State("scoring", Text("Chấm điểm", "Scoring"), 5, parent="evaluation"),
    State("decision", Text("Quyết định", "Decision"), 5, parent="evaluation"),
    State("certified", Text("Đã công nhận", "Certified"), 6, terminal=True),
]
TRANSITIONS = [
    _t("submit", ("draft",), "check", "Nộp"),
    _t("return", ("check",), "returned", "Trả lại"),
    _t("resubmit", ("returned",), "check", "Nộp lại"),
    _t("forward", ("check",), "scoring"),
    _t("propose", ("scoring",), "decision"),
    _t("certify", ("decision",), "certified", "Công nhận"),
    _t("reopen", ("scoring", "decision"), "draft", "Mở lại"),
    _t("rescore", ("scoring",), "scoring", "Chấm lại"),
]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or this raises


def test_every_leaf_state_is_one_box_inside_the_column_of_its_step() -> None:
    boxes, columns = layout(_workflow(STATES, TRANSITIONS))
    assert set(boxes) == {"draft", "check", "returned", "scoring", "decision", "certified"}
    assert [c.step for c in columns] == [1, 2, 3, 4, 5, 6]
    for box in boxes.values():
        column = columns[box.state.step - 1]
        assert column.x <= box.x and box.x + 1 <= column.x + column.width
    # steps are left to right
    assert all(a.x + a.width < b.x for a, b in itertools.pairwise(columns))


def test_a_composite_state_gets_its_own_lane_and_boxes_never_overlap() -> None:
    boxes, _ = layout(_workflow(STATES, TRANSITIONS))
    assert boxes["check"].x == boxes["returned"].x
    assert boxes["scoring"].x == boxes["decision"].x > boxes["check"].x
    placed = list(boxes.values())
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert a.x != b.x or abs(a.y - b.y) >= BOX_H, (a.state.id, b.state.id)


def test_every_transition_from_every_source_is_an_arrow() -> None:
    root = _parse(render(_workflow(STATES, TRANSITIONS)))
    edges = [g.get("data-transition") for g in root.iter(f"{SVG}g") if g.get("data-transition")]
    expected = [t.id for t in TRANSITIONS for _ in t.sources]
    assert sorted(edges) == sorted(expected)
    assert len(root.findall(f".//{SVG}g[@class='wd-state']")) == 6


def test_arrows_back_to_an_earlier_step_are_drawn_differently() -> None:
    root = _parse(render(_workflow(STATES, TRANSITIONS)))
    classes = {
        g.get("data-transition"): g.find(f"{SVG}path").get("class")  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("data-transition")
    }
    assert classes["reopen"] == "wd-edge back"
    assert classes["submit"] == "wd-edge"
    assert classes["forward"] == "wd-edge"


def test_a_composite_state_is_a_frame_around_its_children() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))
    root = _parse(svg)
    frames = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "wd-frame"]
    assert len(frames) == 1
    boxes, _ = layout(_workflow(STATES, TRANSITIONS))
    top = float(frames[0].get("y", "0"))
    bottom = top + float(frames[0].get("height", "0"))
    for child in ("scoring", "decision"):
        assert top < boxes[child].y and boxes[child].y + 46 < bottom
    assert "Đánh giá" in svg


@pytest.mark.parametrize(("lang", "word", "label"), [("vi", "Bước 5", "Kiểm tra"), ("en", "Step 5", "Check")])
def test_labels_follow_the_language(lang: str, word: str, label: str) -> None:
    svg = render(_workflow(STATES, TRANSITIONS), lang)
    assert word in svg
    assert f">{label}" in svg


def test_markup_in_yaml_labels_is_escaped() -> None:
    states = [
        State("draft", Text('<script>alert("x")</script>'), 3),
        State("done", Text("Xong"), 6, terminal=True),
    ]
    svg = render(_workflow(states, [_t("go", ("draft",), "done", "<b>đi</b>")]))
    _parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_initial_and_terminal_states_are_marked() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))
    root = _parse(svg)
    rects = {
        g.get("data-state"): g.find(f"{SVG}rect").get("class")  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("data-state")
    }
    assert "wd-initial" in (rects["draft"] or "")
    assert "wd-terminal" in (rects["certified"] or "")
    assert "wd-terminal" not in (rects["check"] or "")


def test_the_drawing_holds_every_box_and_every_long_arrow() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))
    width = float(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    height = float(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    boxes, _ = layout(_workflow(STATES, TRANSITIONS))
    assert all(b.x + 168 < width and b.y + BOX_H < height for b in boxes.values())
    for path in re.findall(r'<path class="wd-edge[^"]*" d="([^"]+)"', svg):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
        assert all(-1 <= n <= max(width, height) for n in numbers), path


def test_arrows_that_jump_over_lanes_run_under_the_boxes() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))
    boxes, _ = layout(_workflow(STATES, TRANSITIONS))
    bottom = max(b.y + BOX_H for b in boxes.values())
    routed = re.findall(
        r'data-transition="([^"]+)" data-routed="1"><title>[^<]*</title><path [^>]* d="([^"]+)"', svg
    )
    assert {t for t, _ in routed} >= {"reopen"}  # scoring/decision lane back to step 3
    for _, path in routed:
        vertical = [float(v) for v in re.findall(r"V(\d+)", path)]
        assert max(vertical) > bottom
