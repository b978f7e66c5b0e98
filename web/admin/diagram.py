"""A workflow drawn as SVG by Graphviz's `dot`, the layered layout engine (Debian package
`graphviz`, driven through the `graphviz` Python package; `make setup` installs it).

Pure apart from running `dot`: Workflow -> dot source -> SVG text. The graph reads top to bottom;
each cycle step (the workflow's `cycle`, else the steps its states name) is a framed cluster, and
inside it each composite state is a nested, titled cluster, so the states of a step stay together
and arrows run from one step down to the next. Labels are wrapped, never cut: dot sizes every box
and leaves room for every arrow's label. Forward arrows are solid; an arrow back to an earlier
step (or up within one) is dashed and orange. Hovering a box or an arrow shows its id, roles and
guard.

Why a layout engine: the hand-made column layout grew to 2,860 px for 26/2026, crossed its arrows
and clipped labels to fit fixed boxes; crossing minimisation and label placement are what `dot` is
for. Nothing YAML says reaches `dot` unescaped: every text is a quoted, backslash-escaped string.
"""

from __future__ import annotations

import functools
import re
import shutil
import textwrap

import graphviz

from engine.definitions.model import State, Transition, Workflow

DOT = "dot"
WRAP_STATE = 24  # characters a line in a box
WRAP_EDGE = 22  # characters a line of an arrow's label
FONT = "DejaVu Sans,Noto Sans,sans-serif"
INK, BACK, FRAME = "#334155", "#b45309", "#94a3b8"


class DiagramUnavailable(RuntimeError):
    """Graphviz's `dot` is not installed here; the message says how to install it."""


def available() -> bool:
    return shutil.which(DOT) is not None


def _ancestors(workflow: Workflow, state: State) -> list[str]:
    """The composite states around `state`, innermost first."""
    out = []
    parent = state.parent
    while parent and parent in workflow.states and parent not in out:
        out.append(parent)
        parent = workflow.states[parent].parent
    return out


def steps(workflow: Workflow) -> list[int]:
    """The cycle steps to draw, in order: those the workflow declares, else those its states name."""
    declared = [s.step for s in workflow.cycle]
    used = sorted({s.step for s in workflow.leaves()})
    return declared or used


def step_label(workflow: Workflow, step: int, lang: str) -> str:
    word = "Step" if lang == "en" else "Bước"
    for s in workflow.cycle:
        if s.step == step:
            return f"{word} {step}: {s.label.get(lang)}"
    return f"{word} {step}"


def _lines(text: str, width: int) -> str:
    """Wrapped and escaped for a dot label: one `\\n` per line break."""
    joined = "\\n".join(graphviz.escape(line) for line in textwrap.wrap(text, width) or [""])
    label: str = graphviz.nohtml(joined)  # a label that looks like <...> is text, not an HTML-like label
    return label


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _is_back(workflow: Workflow, order: dict[str, int], source: str, target: str) -> bool:
    return order[target] <= order[source] and source != target


def source(workflow: Workflow, lang: str = "vi") -> graphviz.Digraph:
    """The dot graph of a workflow (exposed for tests and for `dot` users)."""
    g = graphviz.Digraph(name=_safe(workflow.id), engine=DOT)
    g.attr(
        rankdir="TB",
        newrank="true",
        compound="true",
        nodesep="0.35",
        ranksep="0.45",
        fontname=FONT,
        labelloc="t",
        labeljust="l",
        tooltip=graphviz.escape(workflow.title.get(lang)),
    )
    g.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fillcolor="white",
        color=INK,
        fontname=FONT,
        fontsize="11",
    )
    g.attr("edge", color=INK, fontname=FONT, fontsize="9.5", arrowsize="0.7")
    leaves = workflow.leaves()
    order = {s.id: i for i, s in enumerate(leaves)}
    for step in steps(workflow):
        members = [s for s in leaves if s.step == step]
        with g.subgraph(name=f"cluster_step_{step}") as c:
            c.attr(
                label=graphviz.escape(step_label(workflow, step, lang)),
                tooltip=graphviz.escape(step_label(workflow, step, lang)),
                style="rounded,filled",
                fillcolor="#f8fafc",
                color="#cbd5e1",
                fontsize="13",
                fontcolor=INK,
            )
            if members:
                _place(c, workflow, members, [], lang)
            else:  # a declared step no state belongs to (the cycle's first, before any dossier) stays visible
                c.node(f"step_{step}_empty", label="—", shape="plaintext", style="", tooltip=" ")
    for transition in workflow.transitions:
        for src in transition.sources:
            if src in order and transition.target in order:
                _edge(g, workflow, order, transition, src, lang)
    return g


def _place(
    g: graphviz.Digraph, workflow: Workflow, members: list[State], outer: list[str], lang: str
) -> None:
    """The states of one step, nested in clusters by the composite states around them."""
    depth = len(outer)
    direct = [s for s in members if len(_ancestors(workflow, s)) == depth]
    for state in direct:
        _node(g, workflow, state, lang)
    nested: dict[str, list[State]] = {}
    for state in members:
        chain = list(reversed(_ancestors(workflow, state)))  # outermost first
        if len(chain) > depth:
            nested.setdefault(chain[depth], []).append(state)
    for parent_id, inner in nested.items():
        parent = workflow.states[parent_id]
        with g.subgraph(name=f"cluster_{_safe(parent_id)}_{inner[0].step}") as c:
            c.attr(
                label=graphviz.escape(parent.label.get(lang)),
                style="rounded,dashed,filled",
                fillcolor="#f1f5f9",
                color=FRAME,
                fontsize="11",
                fontcolor="#475569",
                tooltip=graphviz.escape(parent.id),
            )
            _place(c, workflow, inner, [*outer, parent_id], lang)


def _node(g: graphviz.Digraph, workflow: Workflow, state: State, lang: str) -> None:
    tip = f"{state.id}: {state.label.get(lang)}" + (f"\n⏱ {state.deadline}" if state.deadline else "")
    attrs = {"penwidth": "1.3"}
    if state.id == workflow.initial:
        attrs.update(penwidth="3", color="#15803d")
    if state.terminal:
        attrs["fillcolor"] = "#e2e8f0"
    if state.pauses_clocks:
        attrs["style"] = "rounded,filled,dashed"
    if state.deadline:
        attrs["fillcolor"] = "#fff7ed"
    g.node(
        state.id,
        label=_lines(state.label.get(lang), WRAP_STATE),
        tooltip=graphviz.escape(tip),
        id=f"state.{state.id}",
        **attrs,
    )


def _edge(
    g: graphviz.Digraph,
    workflow: Workflow,
    order: dict[str, int],
    transition: Transition,
    src: str,
    lang: str,
) -> None:
    tip = f"{transition.id} — {transition.label.get(lang)}\nroles: {', '.join(transition.roles)}"
    if transition.guard:
        tip += f"\nguard: {transition.guard}"
    attrs: dict[str, str] = {}
    if _is_back(workflow, order, src, transition.target):
        # drawn against the flow: it must not pull its target above its source
        attrs.update(color=BACK, fontcolor=BACK, style="dashed", constraint="false")
    g.edge(
        src,
        transition.target,
        label=_lines(transition.label.get(lang), WRAP_EDGE),
        tooltip=graphviz.escape(tip),
        labeltooltip=graphviz.escape(tip),
        id=f"t.{transition.id}.{src}",
        **attrs,
    )


@functools.lru_cache(maxsize=64)
def _svg(dot_source: str) -> str:
    if not available():
        raise DiagramUnavailable(
            "Graphviz's `dot` is not installed: `apt-get install graphviz` (Debian), or run `make setup`."
        )
    out: str = graphviz.Source(dot_source, engine=DOT).pipe(format="svg", encoding="utf-8")
    # inline in a page: no XML prolog, no DOCTYPE, and a class for the page's stylesheet
    svg = out[out.index("<svg") :]
    return svg.replace("<svg ", '<svg class="workflow-diagram" ', 1)


def render(workflow: Workflow, lang: str = "vi") -> str:
    """The SVG of a workflow in a language (cached by the dot source: a definition version is
    laid out once per language per process)."""
    return _svg(source(workflow, lang).source)
