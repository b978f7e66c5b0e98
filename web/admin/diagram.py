"""A workflow drawn as server-side SVG: one column per cycle step, transitions as arrows.

Pure: Workflow -> SVG text. Laid out by hand so it needs no JavaScript and no
third-party renderer: leaf states are boxes stacked in the column of their step
(1–6), a composite state is a dashed frame around its children when they share
a column, and every transition is a curve from each source to the target —
forwards to the right, backwards to the left, within a column as an arc on the
right. Hovering a box or an arrow shows its id, roles and guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import escape

from engine.definitions.model import State, Transition, Workflow

BOX_W, BOX_H = 176, 46
COL_W, COL_GAP = BOX_W, 120
ROW_H = 74
TOP = 64
LEFT = 30
FRAME_PAD = 10
GROUP_GAP = 28
STEPS = range(1, 7)


@dataclass(frozen=True)
class Box:
    state: State
    x: float
    y: float

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


def layout(workflow: Workflow) -> dict[str, Box]:
    """Leaf state id -> its box; file order within a column, siblings of a composite kept together."""
    cursor = dict.fromkeys(STEPS, float(TOP))
    last_parent: dict[int, str | None] = {}
    boxes: dict[str, Box] = {}
    for state in workflow.leaves():
        step = min(max(state.step, 1), 6)
        # a gap where a composite frame starts or ends leaves room for its title and border
        changed = last_parent.get(step) != state.parent
        if changed and (step in last_parent or state.parent):
            cursor[step] += GROUP_GAP
        boxes[state.id] = Box(state, LEFT + (step - 1) * (COL_W + COL_GAP), cursor[step])
        cursor[step] += ROW_H
        last_parent[step] = state.parent
    return boxes


def render(workflow: Workflow, lang: str = "vi") -> str:
    boxes = layout(workflow)
    used_steps = sorted({min(max(b.state.step, 1), 6) for b in boxes.values()})
    width = LEFT * 2 + 6 * COL_W + 5 * COL_GAP
    height = max((b.y + BOX_H for b in boxes.values()), default=TOP) + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(workflow.title.get(lang))}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker>'
        '<marker id="arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b45309"/></marker>'
        "</defs>",
        "<style>"
        ".wd-step{font:600 13px sans-serif;fill:#334155}"
        ".wd-col{fill:#f8fafc;stroke:#e2e8f0}"
        ".wd-box{fill:#fff;stroke:#334155;stroke-width:1.5}"
        ".wd-initial{stroke:#15803d;stroke-width:3}"
        ".wd-terminal{fill:#e2e8f0}"
        ".wd-label{font:13px sans-serif;fill:#0f172a}"
        ".wd-id{font:10px monospace;fill:#64748b}"
        ".wd-frame{fill:none;stroke:#94a3b8;stroke-dasharray:5 4}"
        ".wd-frame-title{font:italic 11px sans-serif;fill:#475569}"
        ".wd-edge{fill:none;stroke:#475569;stroke-width:1.4}"
        ".wd-edge.back{stroke:#b45309;stroke-dasharray:6 3}"
        ".wd-edge-label{font:11px sans-serif;fill:#1e293b;paint-order:stroke;stroke:#fff;stroke-width:4px}"
        "g.wd-t:hover .wd-edge{stroke-width:3}"
        "</style>",
    ]
    out += _columns(used_steps, height, lang)
    out += _frames(workflow, boxes, lang)
    out += _edges(workflow, boxes, lang)
    out += _boxes(workflow, boxes, lang)
    out.append("</svg>")
    return "\n".join(out)


def _columns(used_steps: Iterable[int], height: float, lang: str) -> list[str]:
    word = "Step" if lang == "en" else "Bước"
    parts = []
    used = set(used_steps)
    for step in STEPS:
        x = LEFT + (step - 1) * (COL_W + COL_GAP)
        cls = "wd-col" if step in used else "wd-col wd-unused"
        fade = "" if step in used else ' opacity="0.45"'
        parts.append(
            f'<rect class="{cls}" x="{x - 12}" y="8" width="{COL_W + 24}" height="{height - 16:.0f}" rx="8"{fade}/>'
            f'<text class="wd-step" x="{x + COL_W / 2}" y="32" text-anchor="middle">{word} {step}</text>'
        )
    return parts


def _frames(workflow: Workflow, boxes: dict[str, Box], lang: str) -> list[str]:
    parts = []
    for state in workflow.states.values():
        if not state.composite:
            continue
        inner = [boxes[c] for c in _leaf_descendants(workflow, state) if c in boxes]
        if not inner or len({b.x for b in inner}) != 1:
            continue  # children spread over several steps: their boxes name the parent instead
        top = min(b.y for b in inner) - FRAME_PAD - 14
        bottom = max(b.y for b in inner) + BOX_H + FRAME_PAD
        x = inner[0].x - FRAME_PAD
        parts.append(
            f'<rect class="wd-frame" x="{x}" y="{top:.0f}" width="{BOX_W + 2 * FRAME_PAD}" '
            f'height="{bottom - top:.0f}" rx="10"><title>{escape(state.id)}</title></rect>'
            f'<text class="wd-frame-title" x="{x + 8}" y="{top + 12:.0f}">{escape(state.label.get(lang))}</text>'
        )
    return parts


def _leaf_descendants(workflow: Workflow, state: State) -> list[str]:
    found: list[str] = []
    for child_id in state.children:
        child = workflow.states.get(child_id)
        if child is None:
            continue
        found += _leaf_descendants(workflow, child) if child.composite else [child.id]
    return found


def _boxes(workflow: Workflow, boxes: dict[str, Box], lang: str) -> list[str]:
    parts = []
    for box in boxes.values():
        state = box.state
        cls = "wd-box"
        if state.id == workflow.initial:
            cls += " wd-initial"
        if state.terminal:
            cls += " wd-terminal"
        label = state.label.get(lang)
        marks = (" ⏱" if state.deadline else "") + (" ⏸" if state.pauses_clocks else "")
        tip = state.id + (f" ({state.parent})" if state.parent else "")
        parts.append(
            f'<g class="wd-state" data-state="{escape(state.id)}"><title>{escape(tip)}</title>'
            f'<rect class="{cls}" x="{box.x}" y="{box.y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f'<text class="wd-label" x="{box.cx}" y="{box.y + 20:.0f}" text-anchor="middle">'
            f"{escape(_clip(label, 24))}{marks}</text>"
            f'<text class="wd-id" x="{box.cx}" y="{box.y + 36:.0f}" text-anchor="middle">'
            f"{escape(_clip(state.id, 28))}</text></g>"
        )
    return parts


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _edges(workflow: Workflow, boxes: dict[str, Box], lang: str) -> list[str]:
    parts = []
    # several transitions between the same pair fan out instead of overlapping
    seen: dict[tuple[str, str], int] = {}
    for transition in workflow.transitions:
        target = boxes.get(transition.target)
        if target is None:
            continue
        for source_id in transition.sources:
            source = boxes.get(source_id)
            if source is None:
                continue
            key = (source_id, transition.target)
            offset = seen.get(key, 0)
            seen[key] = offset + 1
            parts.append(_edge(transition, source, target, offset, lang))
    return parts


def _edge(transition: Transition, source: Box, target: Box, offset: int, lang: str) -> str:
    shift = offset * 12
    back = False
    if source.state.id == target.state.id:
        x, y = source.x + BOX_W - 30, source.y
        path = f"M{x},{y} C{x - 10},{y - 40 - shift} {x + 40},{y - 40 - shift} {x + 26},{y + 2}"
        lx, ly = x + 14, y - 30 - shift
    elif target.x > source.x:
        x1, y1 = source.x + BOX_W, source.cy + shift - 6
        x2, y2 = target.x, target.cy + shift - 6
        dx = (x2 - x1) / 2
        path = f"M{x1},{y1:.0f} C{x1 + dx},{y1:.0f} {x2 - dx},{y2:.0f} {x2},{y2:.0f}"
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 4
    elif target.x < source.x:
        back = True
        x1, y1 = source.x, source.cy + 10 + shift
        x2, y2 = target.x + BOX_W, target.cy + 10 + shift
        dx = (x1 - x2) / 2
        path = f"M{x1},{y1:.0f} C{x1 - dx},{y1 + 40:.0f} {x2 + dx},{y2 + 40:.0f} {x2},{y2:.0f}"
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 + 34
    else:
        back = target.y < source.y
        x = source.x + BOX_W
        bulge = 46 + abs(target.y - source.y) * 0.15 + shift
        y1, y2 = source.cy + (-6 if back else 6), target.cy + (6 if back else -6)
        path = f"M{x},{y1:.0f} C{x + bulge},{y1:.0f} {x + bulge},{y2:.0f} {x},{y2:.0f}"
        lx, ly = x + bulge * 0.75 + 4, (y1 + y2) / 2 + 4
    tip = f"{transition.id} — {transition.label.get(lang)}\nroles: {', '.join(transition.roles)}"
    if transition.guard:
        tip += f"\nguard: {transition.guard}"
    css = "wd-edge back" if back else "wd-edge"
    marker = "arrow-back" if back else "arrow"
    anchor = "start" if source.x == target.x else "middle"
    return (
        f'<g class="wd-t" data-transition="{escape(transition.id)}"><title>{escape(tip)}</title>'
        f'<path class="{css}" d="{path}" marker-end="url(#{marker})"/>'
        f'<text class="wd-edge-label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}">'
        f"{escape(_clip(transition.label.get(lang), 22))}</text></g>"
    )
