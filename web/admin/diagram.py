"""A workflow drawn as server-side SVG: one column per cycle step, transitions as arrows.

Pure: Workflow -> SVG text, laid out here so it needs no JavaScript and no
third-party renderer. Each cycle step (1–6) is a column; inside a busy step the
states are split into lanes — the step's own states first, then one lane per
composite state (framed and titled), then the step's terminal states — so most
arrows run left to right instead of piling up in one column. Forward arrows are
solid, arrows back to an earlier lane or step are dashed and orange. Hovering a
box or an arrow shows its id, roles and guard.

The look lives in web/static/diagram.css: the pages link it (a strict
Content-Security-Policy refuses inline styles there), and the downloaded SVG, a
document of its own, embeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import escape

from engine.definitions.model import State, Transition, Workflow

BOX_W, BOX_H = 168, 46
LANE_GAP = 100  # between lanes of one step: room for the arrows and their labels
STEP_GAP = 110  # between steps
EMPTY_W = 70  # a step no state belongs to stays visible, narrow
ROW_H = 78
CHANNEL_GAP = 15  # between the horizontal runs of long arrows under the boxes
TOP = 56
LEFT = 24
TITLE_H = 20  # room for a frame's title above its boxes
STEPS = range(1, 7)
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "diagram.css"


@dataclass(frozen=True)
class Box:
    state: State
    x: float
    y: float
    lane: int  # global lane index, left to right

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass(frozen=True)
class Column:
    step: int
    x: float
    width: float


def _ancestors(workflow: Workflow, state: State) -> list[str]:
    out = []
    parent = state.parent
    while parent and parent in workflow.states and parent not in out:
        out.append(parent)
        parent = workflow.states[parent].parent
    return out


def _step(state: State) -> int:
    return min(max(state.step, 1), 6)


def _lanes(workflow: Workflow) -> dict[int, list[tuple[str, list[State]]]]:
    """step -> [(lane key, states)]: the step's own states, one lane per parent, terminal states last."""
    lanes: dict[int, dict[str, list[State]]] = {s: {} for s in STEPS}
    for state in workflow.leaves():
        key = state.parent or ("~end" if state.terminal else "")
        lanes[_step(state)].setdefault(key, []).append(state)
    out: dict[int, list[tuple[str, list[State]]]] = {}
    for step, by_key in lanes.items():
        keys = sorted(by_key, key=lambda k: (k == "~end", k != ""))  # stable: file order among parents
        out[step] = [(k, by_key[k]) for k in keys]
    return out


def layout(workflow: Workflow) -> tuple[dict[str, Box], list[Column]]:
    """Leaf state id -> its box, and the step columns."""
    boxes: dict[str, Box] = {}
    columns: list[Column] = []
    x = float(LEFT)
    lane_index = 0
    for step, lanes in _lanes(workflow).items():
        if not lanes:
            columns.append(Column(step, x, EMPTY_W))
            x += EMPTY_W + STEP_GAP
            continue
        start = x
        for _key, states in lanes:
            depth = len(_ancestors(workflow, states[0]))
            y = TOP + 10 + depth * TITLE_H
            for state in states:
                boxes[state.id] = Box(state, x, y, lane_index)
                y += ROW_H
            x += BOX_W + LANE_GAP
            lane_index += 1
        x -= LANE_GAP
        columns.append(Column(step, start, x - start))
        x += STEP_GAP
    return boxes, columns


def render(workflow: Workflow, lang: str = "vi", *, standalone: bool = False) -> str:
    """The SVG; `standalone` embeds the stylesheet, for the file people download."""
    boxes, columns = layout(workflow)
    width = columns[-1].x + columns[-1].width + LEFT + 12
    bottom = max((b.y + BOX_H for b in boxes.values()), default=TOP)
    edges = _edges(workflow, boxes, bottom + 30, lang)
    long_runs = sum(1 for e in edges if 'data-routed="1"' in e)
    height = bottom + 60 + long_runs * CHANNEL_GAP
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(workflow.title.get(lang))}">',
        _DEFS,
    ]
    if standalone:
        out.append(f"<style>{_stylesheet()}</style>")
    out += _columns(columns, height, lang)
    out += _frames(workflow, boxes, lang)
    out += _boxes(workflow, boxes, lang)
    out += edges
    out.append("</svg>")
    return "\n".join(out)


_DEFS = (
    "<defs>"
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#334155"/></marker>'
    '<marker id="arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b45309"/></marker>'
    "</defs>"
)


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def _columns(columns: list[Column], height: float, lang: str) -> list[str]:
    word = "Step" if lang == "en" else "Bước"
    parts = []
    for col in columns:
        fade = ' opacity="0.5"' if col.width == EMPTY_W else ""
        parts.append(
            f'<rect class="wd-col" x="{col.x - 12:.0f}" y="6" width="{col.width + 24:.0f}" '
            f'height="{height - 12:.0f}" rx="8"{fade}/>'
            f'<text class="wd-step" x="{col.x + col.width / 2:.0f}" y="28" text-anchor="middle">'
            f"{word} {col.step}</text>"
        )
    return parts


def _frames(workflow: Workflow, boxes: dict[str, Box], lang: str) -> list[str]:
    """A dashed frame around the boxes of each composite state (per step), outer frames first."""
    parts = []
    composites = [s for s in workflow.states.values() if s.composite]
    composites.sort(key=lambda s: len(_ancestors(workflow, s)))
    for state in composites:
        inner = [b for b in boxes.values() if state.id in _ancestors(workflow, b.state)]
        for step in sorted({_step(b.state) for b in inner}):
            group = [b for b in inner if _step(b.state) == step]
            below = (
                max(len(_ancestors(workflow, b.state)) for b in group) - len(_ancestors(workflow, state)) - 1
            )
            pad_x, pad_top = 8 + 8 * below, 8 + TITLE_H * (below + 1)
            x1 = min(b.x for b in group) - pad_x
            x2 = max(b.x for b in group) + BOX_W + pad_x
            y1 = min(b.y for b in group) - pad_top
            y2 = max(b.y for b in group) + BOX_H + 8 + 8 * below
            parts.append(
                f'<g class="wd-composite" data-state="{escape(state.id)}"><title>{escape(state.id)}</title>'
                f'<rect class="wd-frame" x="{x1:.0f}" y="{y1:.0f}" width="{x2 - x1:.0f}" height="{y2 - y1:.0f}" '
                f'rx="10"/><text class="wd-frame-title" x="{x1 + 8:.0f}" y="{y1 + 14:.0f}">'
                f"{escape(_clip(state.label.get(lang), 34))}</text></g>"
            )
    return parts


def _boxes(workflow: Workflow, boxes: dict[str, Box], lang: str) -> list[str]:
    parts = []
    for box in boxes.values():
        state = box.state
        cls = "wd-box"
        if state.id == workflow.initial:
            cls += " wd-initial"
        if state.terminal:
            cls += " wd-terminal"
        if state.pauses_clocks:
            cls += " wd-paused"
        tip = f"{state.id}: {state.label.get(lang)}"
        if state.deadline:
            tip += f"\n⏱ {state.deadline}"
        deadline = (
            f'<rect class="wd-deadline" x="{box.x:.0f}" y="{box.y + 6:.0f}" width="5" height="{BOX_H - 12}" rx="2"/>'
            if state.deadline
            else ""
        )
        parts.append(
            f'<g class="wd-state" data-state="{escape(state.id)}"><title>{escape(tip)}</title>'
            f'<rect class="{cls}" x="{box.x:.0f}" y="{box.y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f"{deadline}"
            f'<text class="wd-label" x="{box.cx:.0f}" y="{box.y + 20:.0f}" text-anchor="middle">'
            f"{escape(_clip(state.label.get(lang), 25))}</text>"
            f'<text class="wd-id" x="{box.cx:.0f}" y="{box.y + 36:.0f}" text-anchor="middle">'
            f"{escape(_clip(state.id, 26))}</text></g>"
        )
    return parts


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _edges(workflow: Workflow, boxes: dict[str, Box], channel_top: float, lang: str) -> list[str]:
    parts = []
    # several arrows leaving (or entering) one side of a box spread out instead of overlapping
    used: dict[tuple[str, str], int] = {}
    routing = _Routing(boxes, channel_top)
    for transition in workflow.transitions:
        target = boxes.get(transition.target)
        if target is None:
            continue
        for source_id in transition.sources:
            source = boxes.get(source_id)
            if source is None:
                continue
            if abs(target.lane - source.lane) > 1:
                parts.append(_routed_edge(transition, source, target, used, routing, lang))
            else:
                parts.append(_edge(transition, source, target, used, lang))
    return parts


class _Routing:
    """Tracks for arrows that jump over lanes: down a gap, along a channel under the boxes, up a gap."""

    def __init__(self, boxes: dict[str, Box], channel_top: float) -> None:
        self.right_of: dict[int, float] = {}
        for box in boxes.values():
            self.right_of[box.lane] = box.x + BOX_W
        self.channel_top = channel_top
        self.channels = 0
        self.tracks: dict[int, int] = {}

    def gap_x(self, gap: int) -> float:
        """x of the next free vertical track in the gap right of lane `gap`."""
        n = self.tracks.get(gap, 0)
        self.tracks[gap] = n + 1
        left = self.right_of.get(gap, LEFT - 12 - BOX_W)
        return left + 14 + (n * 6) % (LANE_GAP - 28)

    def channel_y(self) -> float:
        self.channels += 1
        return self.channel_top + (self.channels - 1) * CHANNEL_GAP


def _routed_edge(
    transition: Transition,
    source: Box,
    target: Box,
    used: dict[tuple[str, str], int],
    routing: _Routing,
    lang: str,
) -> str:
    back = target.lane < source.lane
    if back:
        x1, y1 = source.x, source.cy + _slot(used, source.state.id, "left")
        x2, y2 = target.x + BOX_W, target.cy + _slot(used, target.state.id, "right")
        gx1, gx2 = routing.gap_x(source.lane - 1), routing.gap_x(target.lane)
    else:
        x1, y1 = source.x + BOX_W, source.cy + _slot(used, source.state.id, "right")
        x2, y2 = target.x, target.cy + _slot(used, target.state.id, "left")
        gx1, gx2 = routing.gap_x(source.lane), routing.gap_x(target.lane - 1)
    cy = routing.channel_y()
    path = f"M{x1:.0f},{y1:.0f} H{gx1:.0f} V{cy:.0f} H{gx2:.0f} V{y2:.0f} H{x2:.0f}"
    label_x = gx1 + (12 if not back else -12)
    anchor = "start" if not back else "end"
    return _group(transition, path, back, label_x, cy - 3, anchor, lang, routed=True)


def _slot(used: dict[tuple[str, str], int], state: str, side: str) -> float:
    n = used.get((state, side), 0)
    used[(state, side)] = n + 1
    # 0, +7, -7, +14, -14 … around the middle, within the box's height
    offset = ((n + 1) // 2) * 7 * (1 if n % 2 else -1)
    return max(-BOX_H / 2 + 4, min(BOX_H / 2 - 4, offset))


def _edge(
    transition: Transition, source: Box, target: Box, used: dict[tuple[str, str], int], lang: str
) -> str:
    back = False
    if source.state.id == target.state.id:
        x, y = source.x + BOX_W - 34, source.y
        points = [(x, y), (x - 8, y - 34), (x + 38, y - 34), (x + 26, y + 1)]
    elif target.x > source.x:
        y1 = source.cy + _slot(used, source.state.id, "right")
        y2 = target.cy + _slot(used, target.state.id, "left")
        x1, x2 = source.x + BOX_W, target.x
        dx = max(30.0, (x2 - x1) / 2)
        points = [(x1, y1), (x1 + dx, y1), (x2 - dx, y2), (x2, y2)]
    elif target.x < source.x:
        back = True
        y1 = source.cy + _slot(used, source.state.id, "left")
        y2 = target.cy + _slot(used, target.state.id, "right")
        x1, x2 = source.x, target.x + BOX_W
        dx = max(30.0, (x1 - x2) / 2)
        points = [(x1, y1), (x1 - dx, y1 + 24), (x2 + dx, y2 + 24), (x2, y2)]
    else:
        # within one lane: downwards on the right side, back up on the left
        back = target.y < source.y
        side = "left" if back else "right"
        x = source.x if back else source.x + BOX_W
        y1 = source.cy + _slot(used, source.state.id, side)
        y2 = target.cy + _slot(used, target.state.id, side)
        bulge = (-1 if back else 1) * (26 + abs(target.y - source.y) * 0.12)
        points = [(x, y1), (x + bulge, y1), (x + bulge, y2), (x, y2)]
    (x0, y0), (x1_, y1_), (x2_, y2_), (x3, y3) = points
    path = f"M{x0:.0f},{y0:.0f} C{x1_:.0f},{y1_:.0f} {x2_:.0f},{y2_:.0f} {x3:.0f},{y3:.0f}"
    # the label sits on the curve's midpoint
    lx = (x0 + 3 * x1_ + 3 * x2_ + x3) / 8
    ly = (y0 + 3 * y1_ + 3 * y2_ + y3) / 8 - 3
    return _group(transition, path, back, lx, ly, "middle", lang)


def _group(
    transition: Transition,
    path: str,
    back: bool,
    lx: float,
    ly: float,
    anchor: str,
    lang: str,
    *,
    routed: bool = False,
) -> str:
    tip = f"{transition.id} — {transition.label.get(lang)}\nroles: {', '.join(transition.roles)}"
    if transition.guard:
        tip += f"\nguard: {transition.guard}"
    css, marker = ("wd-edge back", "arrow-back") if back else ("wd-edge", "arrow")
    return (
        f'<g class="wd-t" data-transition="{escape(transition.id)}" data-routed="{int(routed)}">'
        f"<title>{escape(tip)}</title>"
        f'<path class="{css}" d="{path}" marker-end="url(#{marker})"/>'
        f'<text class="wd-edge-label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}">'
        f"{escape(_clip(transition.label.get(lang), 24))}</text></g>"
    )
