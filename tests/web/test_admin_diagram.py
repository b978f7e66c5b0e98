"""The workflow diagram, laid out by Graphviz's dot: each cycle step a titled group holding its
states (composite states nested inside), one arrow per (source, transition), labels whole."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from engine.definitions.model import CycleStep, State, Text, Transition, Workflow
from web.admin.diagram import render

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (make setup installs it)"
)

SVG = "{http://www.w3.org/2000/svg}"


def _workflow(
    states: list[State],
    transitions: list[Transition],
    initial: str = "draft",
    cycle: tuple[CycleStep, ...] = (),
) -> Workflow:
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
        cycle=cycle,
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


Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in the SVG's coordinates


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or this raises


def _extent(group: ET.Element) -> Box:
    """The bounding box of a group's outline (dot draws it as a polygon or a path)."""
    numbers: list[float] = []
    for shape in group.iter():
        if shape.tag in (f"{SVG}polygon", f"{SVG}path"):
            raw = shape.get("points") or shape.get("d") or ""
            numbers += [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", raw)]
            break
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _groups(root: ET.Element, cls: str) -> dict[str, ET.Element]:
    """dot's node / edge / cluster groups by their <title> (node id, 'a->b', cluster name)."""
    found = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == cls:
            title = g.find(f"{SVG}title")
            found[(title.text or "") if title is not None else ""] = g
    return found


def _words(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text")).replace("  ", " ").strip()


def test_every_leaf_state_is_one_box_inside_the_group_of_its_step() -> None:
    root = _parse(render(_workflow(STATES, TRANSITIONS)))
    nodes, clusters = _groups(root, "node"), _groups(root, "cluster")
    assert set(nodes) == {"draft", "check", "returned", "scoring", "decision", "certified"}
    for state in STATES:
        if state.id in nodes:
            assert _inside(_extent(nodes[state.id]), _extent(clusters[f"cluster_step_{state.step}"])), (
                state.id
            )
    # the steps read top to bottom in their order
    tops = [_extent(clusters[f"cluster_step_{n}"])[1] for n in (3, 5, 6)]
    assert tops == sorted(tops)


def test_a_composite_state_is_a_titled_group_inside_its_step_around_its_children() -> None:
    root = _parse(render(_workflow(STATES, TRANSITIONS)))
    nodes, clusters = _groups(root, "node"), _groups(root, "cluster")
    frame = _extent(clusters["cluster_evaluation_5"])
    assert _inside(frame, _extent(clusters["cluster_step_5"]))
    assert all(_inside(_extent(nodes[c]), frame) for c in ("scoring", "decision"))
    assert not _inside(_extent(nodes["check"]), frame)
    assert _words(clusters["cluster_evaluation_5"]) == "Đánh giá"


def test_every_transition_from_every_source_is_an_arrow() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))
    edges = re.findall(r'<g id="t\.([a-z]+)\.([a-z]+)" class="edge">', svg)
    assert sorted(edges) == sorted((t.id, s) for t in TRANSITIONS for s in t.sources)


def test_arrows_back_to_an_earlier_step_are_drawn_dashed_and_orange() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))

    def stroke(edge: str) -> str:
        found = re.search(rf'<g id="t\.{edge}" class="edge">.*?<path ([^>]*)>', svg, re.S)
        assert found
        return found.group(1)

    assert 'stroke="#b45309"' in stroke("reopen.scoring") and "stroke-dasharray" in stroke("reopen.scoring")
    assert 'stroke="#334155"' in stroke("submit.draft") and "stroke-dasharray" not in stroke("submit.draft")


@pytest.mark.parametrize(
    ("lang", "step", "label"),
    [("vi", "Bước 5: Đánh giá và phân hạng", "Kiểm tra"), ("en", "Step 5: Evaluation and rating", "Check")],
)
def test_the_steps_the_workflow_declares_title_the_groups_in_the_readers_language(
    lang: str, step: str, label: str
) -> None:
    cycle = tuple(
        CycleStep(n, Text(vi, en))
        for n, vi, en in [
            (1, "Tuyên truyền", "Outreach"),
            (3, "Phương án", "Plan"),
            (5, "Đánh giá và phân hạng", "Evaluation and rating"),
            (6, "Xúc tiến", "Promotion"),
        ]
    )
    root = _parse(render(_workflow(STATES, TRANSITIONS, cycle=cycle), lang))
    clusters, nodes = _groups(root, "cluster"), _groups(root, "node")
    assert _words(clusters["cluster_step_5"]) == step
    assert "cluster_step_1" in clusters  # declared, though no state is in it: still drawn
    assert _words(nodes["check"]) == label


def test_without_a_declared_cycle_the_groups_are_the_steps_the_states_name() -> None:
    root = _parse(render(_workflow(STATES, TRANSITIONS), "en"))
    clusters = {k: _words(g) for k, g in _groups(root, "cluster").items() if k.startswith("cluster_step_")}
    assert clusters == {"cluster_step_3": "Step 3", "cluster_step_5": "Step 5", "cluster_step_6": "Step 6"}


def test_long_labels_are_wrapped_never_cut() -> None:
    long = "Cơ quan tham mưu cấp tỉnh tiếp nhận, kiểm tra hồ sơ và gửi Tổ tư vấn đánh giá"
    states = [State("draft", Text(long), 3), State("done", Text("Xong"), 6, terminal=True)]
    edge = "Gửi hồ sơ đề nghị UBND cấp tỉnh xem xét, công nhận và cấp giấy chứng nhận"
    svg = render(_workflow(states, [_t("go", ("draft",), "done", edge)]))
    root = _parse(svg)
    box = _groups(root, "node")["draft"]
    assert _words(box) == long and len(list(box.iter(f"{SVG}text"))) > 2
    assert _words(_groups(root, "edge")["draft->done"]) == edge
    assert "…" not in svg


def test_markup_in_yaml_labels_is_escaped() -> None:
    states = [
        State("draft", Text('<script>alert("x")</script>'), 3),
        State("done", Text("Xong \\n"), 6, terminal=True),
    ]
    svg = render(_workflow(states, [_t("go", ("draft",), "done", "<b>đi</b>")]))
    root = _parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    assert _words(_groups(root, "node")["done"]) == "Xong \\n"  # a backslash is text, not a line break


def test_initial_and_terminal_states_are_marked() -> None:
    svg = render(_workflow(STATES, TRANSITIONS))

    def outline(state: str) -> str:
        found = re.search(rf'<g id="state\.{state}" class="node">.*?<path ([^>]*)>', svg, re.S)
        assert found
        return found.group(1)

    assert 'stroke="#15803d"' in outline("draft") and 'stroke-width="3"' in outline("draft")
    assert 'fill="#e2e8f0"' in outline("certified")
    assert 'fill="#e2e8f0"' not in outline("check") and 'stroke="#15803d"' not in outline("check")


def test_the_2026_workflow_is_drawn_readable_every_label_whole(catalog: object) -> None:
    workflow = catalog.workflows["ocop-2026"]  # type: ignore[attr-defined]
    svg = render(workflow)
    width = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))  # type: ignore[union-attr]
    assert width * 4 / 3 < 2000  # px; the column layout was 2,860 px wide
    root = _parse(svg)
    nodes = _groups(root, "node")
    for state in workflow.leaves():
        assert _words(nodes[state.id]) == state.label.vi, state.id
    clusters = _groups(root, "cluster")
    for step in workflow.cycle:
        assert _words(clusters[f"cluster_step_{step.step}"]) == f"Bước {step.step}: {step.label.vi}"
