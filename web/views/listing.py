"""The dossier list's filters: query-string arguments -> the service's filters, and the choices shown."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from web.i18n import current_language, tr
from web.runtime import Runtime

FILTER_ARGS = ("q", "state", "step", "workflow", "group", "area", "stars", "year", "round")


def clean_args(args: MultiDict[str, str]) -> dict[str, str]:
    return {name: args.get(name, "").strip()[:100] for name in FILTER_ARGS}


def service_filters(rt: Runtime, args: dict[str, str]) -> dict[str, Any]:
    """Translate what a person picks into what the service filters on.

    A cycle step becomes the states in that step and a product group becomes
    its product sets, both read from the definitions, so a new state or set
    shows up in the filters without a code change.
    """
    filters: dict[str, Any] = {}
    if args["q"]:
        filters["q"] = args["q"]
    if args["workflow"]:
        filters["workflow_id"] = args["workflow"]
    states: set[str] | None = None
    if args["state"]:
        states = {args["state"]}
    if args["step"].isdigit():
        step = int(args["step"])
        in_step = {s.id for wf in rt.catalog.workflows.values() for s in wf.leaves() if s.step == step}
        states = in_step if states is None else states & in_step
    if states is not None:
        filters["state"] = sorted(states) or ["\x00none"]
    if args["group"]:
        sets = {
            p.code
            for f in rt.catalog.scoring_forms.values()
            for p in f.product_sets
            if p.group == args["group"]
        }
        filters["product_set"] = sorted(sets) or ["\x00none"]
    if args["area"]:
        # The dossiers hold their first-level and last-level units (docs/definitions.md); a unit
        # of a level in between stands for the last-level units inside it.
        unitset = next((s for s in rt.catalog.units.values() if args["area"] in s.units), None)
        unit = unitset.units[args["area"]] if unitset is not None else None
        if unitset is not None and unit is not None and unit.parent is None:
            filters["province_code"] = args["area"]
        elif unitset is not None and unit is not None and unit.level != unitset.last_level():
            last = unitset.last_level()
            filters["commune_code"] = sorted(
                u.code for u in unitset.within(unit.code) if u.level == last
            ) or ["\x00none"]
        else:
            filters["commune_code"] = args["area"]
    if args["stars"].isdigit():
        filters["stars"] = int(args["stars"])
    if args["year"].isdigit() and 1 <= int(args["year"]) < 9999:
        filters["year"] = int(args["year"])
    if args["round"]:
        filters["round"] = args["round"]  # `series:year:id`, the evaluation round joined
    return filters


def filter_choices(rt: Runtime) -> dict[str, list[Any]]:
    states: dict[str, str] = {}
    for wf in rt.catalog.workflows.values():
        for s in wf.leaves():
            states.setdefault(s.id, tr(s.label))
    # Product groups are labelled by the workflows (`product_groups`); an unlabelled one shows its id.
    labels = {
        gid: tr(label) for wf in rt.catalog.workflows.values() for gid, label in wf.product_groups.items()
    }
    groups: dict[str, str] = {}
    for form in rt.catalog.scoring_forms.values():
        for p in form.product_sets:
            groups.setdefault(p.group, labels.get(p.group, p.group))
    areas = [(u.code, f"{'— ' * depth}{u.name}") for u, depth in _units_in_order(rt)]
    return {
        "states": sorted(states.items(), key=lambda kv: kv[1]),
        "steps": rt.catalog.cycle_steps(),
        "workflows": [(wf.id, f"{tr(wf.title)} ({wf.version})") for wf in rt.catalog.workflows.values()],
        "groups": sorted(groups.items(), key=lambda kv: kv[1]),
        "stars": rt.catalog.star_levels(),  # the scoring forms' bands, not a fixed 1–5
        "areas": areas,
        # the evaluation rounds some dossier joined (workflow `rounds`), latest year first
        "rounds": [(c.key, c.label) for c in rt.service.rounds.choices(current_language())],
    }


def _units_in_order(rt: Runtime) -> list[tuple[Any, int]]:
    """Every unit with its depth, each under its parent: the first level by code, below it by name."""
    units = rt.units()
    children: dict[str | None, list[Any]] = {}
    for u in units:
        children.setdefault(u.parent, []).append(u)
    ordered: list[tuple[Any, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        kids = children.get(parent, [])
        for u in sorted(kids, key=(lambda u: u.code) if parent is None else (lambda u: u.name)):
            ordered.append((u, depth))
            walk(u.code, depth + 1)

    walk(None, 0)
    return ordered
