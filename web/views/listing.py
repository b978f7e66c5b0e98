"""The dossier list's filters: query-string arguments -> the service's filters, and the choices shown."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from web.i18n import tr
from web.runtime import Runtime

FILTER_ARGS = ("q", "state", "step", "workflow", "group", "area", "stars", "year")


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
        unit = next(
            (s.units[args["area"]] for s in rt.catalog.units.values() if args["area"] in s.units), None
        )
        key = "province_code" if unit is not None and unit.level == "province" else "commune_code"
        filters[key] = args["area"]
    if args["stars"].isdigit():
        filters["stars"] = int(args["stars"])
    if args["year"].isdigit() and 1 <= int(args["year"]) < 9999:
        filters["year"] = int(args["year"])
    return filters


def filter_choices(rt: Runtime) -> dict[str, list[Any]]:
    states: dict[str, str] = {}
    steps: set[int] = set()
    for wf in rt.catalog.workflows.values():
        for s in wf.leaves():
            states.setdefault(s.id, tr(s.label))
            steps.add(s.step)
    # Product groups are labelled by the workflows (`product_groups`); an unlabelled one shows its id.
    labels = {
        gid: tr(label) for wf in rt.catalog.workflows.values() for gid, label in wf.product_groups.items()
    }
    groups: dict[str, str] = {}
    for form in rt.catalog.scoring_forms.values():
        for p in form.product_sets:
            groups.setdefault(p.group, labels.get(p.group, p.group))
    areas = [(u.code, u.name if u.level == "province" else f"— {u.name}") for u in _units_in_order(rt)]
    return {
        "states": sorted(states.items(), key=lambda kv: kv[1]),
        "steps": sorted(steps),
        "workflows": [(wf.id, f"{tr(wf.title)} ({wf.version})") for wf in rt.catalog.workflows.values()],
        "groups": sorted(groups.items(), key=lambda kv: kv[1]),
        # Star levels come from the scoring forms' bands, not from a fixed 1–5.
        "stars": sorted({band.stars for form in rt.catalog.scoring_forms.values() for band in form.stars}),
        "areas": areas,
    }


def _units_in_order(rt: Runtime) -> list[Any]:
    units = rt.units()
    provinces = sorted((u for u in units if u.level == "province"), key=lambda u: u.code)
    ordered = []
    for p in provinces:
        ordered.append(p)
        ordered.extend(sorted((u for u in units if u.parent == p.code), key=lambda u: u.name))
    return ordered
