"""The `plan` kind: semantic checks and the frozen model (issue 13).

A plan has indicators whose targets are counted from the data by a declarative query
(engine/plan_counting.py). The loader reaches the kind through `check_plan` and `build_plan`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine import plan_counting
from engine.definitions import model as m
from engine.definitions.build import maybe_text, text
from engine.definitions.checks import Ref, duplicates
from engine.definitions.yamlread import Finding, Path

# A counting error's path ends at a key (unknown field, operator) or at a value (subject, aggregate, of).
_VALUE_KEYS = frozenset({"subject", "aggregate", "of"})


def _count_path(data: Any, base: Path, where: str) -> tuple[Path, bool]:
    """The data path of a CountingError's dotted `where` ("count.where.stars.gte"), cut to what exists."""
    path: list[str | int] = list(base)
    node = data
    for part in where.split(".")[1:]:
        if not isinstance(node, dict) or part not in node:
            return tuple(path), False
        path.append(part)
        node = node[part]
    return tuple(path), path[-1] not in _VALUE_KEYS


def check_plan(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    first, last = data["period"]["from"], data["period"]["to"]
    if last < first:
        yield Finding("E800", ("period", "to"), {"first": first, "last": last})
    areas = set(data["areas"])
    yield from duplicates(((a, ("areas", i)) for i, a in enumerate(data["areas"])), "area")
    indicators = data["indicators"]
    yield from duplicates(((d["id"], ("indicators", i, "id")) for i, d in enumerate(indicators)), "indicator")
    yield from duplicates(((b["id"], ("budget", i, "id")) for i, b in enumerate(data.get("budget", []))),
                          "budget line")  # fmt: skip
    yield from _check_budget(data)
    for i, ind in enumerate(indicators):
        path: Path = ("indicators", i)
        if "count" in ind:
            try:
                plan_counting.parse(ind["count"], "count")
            except plan_counting.CountingError as exc:
                where, at_key = _count_path(ind["count"], (*path, "count"), exc.where)
                yield Finding("E801", where, {"id": ind["id"], "reason": str(exc)}, at_key=at_key)
        elif "description" not in ind:
            yield Finding("E802", path, {"id": ind["id"]})
        seen: set[tuple[int | None, str | None]] = set()
        for j, target in enumerate(ind["targets"]):
            tpath: Path = (*path, "targets", j)
            area, year = target.get("area"), target.get("year")
            if area is not None and area not in areas and area != data["issued_by"]:
                yield Finding("E803", (*tpath, "area"), {"area": area, "known": sorted(areas)})
            if year is not None and not first <= year <= last:
                yield Finding("E804", (*tpath, "year"), {"year": year, "first": first, "last": last})
            if (year, area) in seen:
                yield Finding("E805", tpath, {"id": ind["id"], "year": year or "-", "area": area or "-"})
            seen.add((year, area))


def _check_budget(data: dict[str, Any]) -> Iterator[Finding]:
    """Each line names a declared source (E813); an overrun allowance needs a budget (E814); a
    declared source no line uses is a warning (W020)."""
    sources = data.get("budget_sources", [])
    lines = data.get("budget", [])
    yield from duplicates(
        ((s["id"], ("budget_sources", i, "id")) for i, s in enumerate(sources)), "budget source"
    )
    declared = [s["id"] for s in sources]
    for i, line in enumerate(lines):
        if line["source"] not in declared:
            yield Finding("E813", ("budget", i, "source"), {"id": line["id"], "source": line["source"],
                                                             "known": ", ".join(declared) or "-"})  # fmt: skip
    if data.get("allow_overrun") and not lines:
        yield Finding("E814", ("allow_overrun",), {}, at_key=True)
    used = {line["source"] for line in lines}
    for i, source in enumerate(sources):
        if source["id"] not in used:
            yield Finding("W020", ("budget_sources", i, "id"), {"source": source["id"]}, severity="warning")


def build_plan(data: dict[str, Any], source: m.Source) -> m.Plan:
    return m.Plan(
        id=data["id"], version=str(data["version"]), title=text(data["title"]),
        legal_basis=data["legal_basis"], issued_by=data["issued_by"],
        period=(data["period"]["from"], data["period"]["to"]), areas=tuple(data["areas"]),
        indicators=tuple(
            m.Indicator(
                id=d["id"], label=text(d["label"]), unit=text(d["unit"]), source=d["source"],
                targets=tuple(m.PlanTarget(float(t["value"]), t.get("year"), t.get("area")) for t in d["targets"]),
                count=plan_counting.parse(d["count"]) if "count" in d else None,
                description=maybe_text(d.get("description")),
            )
            for d in data["indicators"]
        ),
        budget=tuple(
            m.BudgetLine(b["id"], b["source"], float(b["planned"]), maybe_text(b.get("label")), b.get("source_line"),
                         allow_overrun=bool(b.get("allow_overrun", data.get("allow_overrun", False))))
            for b in data.get("budget", [])
        ),
        budget_sources=tuple(m.BudgetSource(s["id"], text(s["label"])) for s in data.get("budget_sources", [])),
        description=maybe_text(data.get("description")), source=source,
    )  # fmt: skip
