"""Semantic checks of a scoring form: ids, arithmetic, star bands and floors.

Findings about the arithmetic carry `where`, an id path such as
`parts/C/groups/C6`; a `known_discrepancies` entry with the same code and
`path` turns the error into a warning that cites the legal text's note.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from engine.definitions.checks import Ref, duplicates
from engine.definitions.yamlread import Finding, Path

_EPSILON = 1e-9


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > _EPSILON


def check_scoring_form(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    parts = data["parts"]
    form_max = data.get("max", 100)
    yield from duplicates(
        ((p["code"], ("product_sets", i, "code")) for i, p in enumerate(data["product_sets"])), "product set"
    )
    yield from duplicates(((p["id"], ("parts", i, "id")) for i, p in enumerate(parts)), "part")
    groups = [(g, ("parts", i, "groups", j)) for i, p in enumerate(parts) for j, g in enumerate(p["groups"])]
    yield from duplicates(((g["id"], (*path, "id")) for g, path in groups), "group")
    criteria = [(c, (*gp, "criteria", k)) for g, gp in groups for k, c in enumerate(g["criteria"])]
    yield from duplicates(((c["id"], (*path, "id")) for c, path in criteria), "criterion")
    yield from duplicates(_flags(data, criteria), "flag")
    band_stars = {band["stars"] for band in data["stars"]}
    for i, part in enumerate(parts):
        ppath: Path = ("parts", i)
        pwhere = f"parts/{part['id']}"
        for j, group in enumerate(part["groups"]):
            yield from _check_group(
                group, (*ppath, "groups", j), f"{pwhere}/groups/{group['id']}", band_stars, refs
            )
        total = sum(g["max"] for g in part["groups"])
        if _differs(total, part["max"]):
            yield Finding("E401", (*ppath, "max"), {"where": pwhere, "max": part["max"], "sum": total})
    parts_total = sum(p["max"] for p in parts)
    if _differs(parts_total, form_max):
        yield Finding(
            "E403", ("parts",), {"where": "parts", "max": form_max, "sum": parts_total}, at_key=True
        )
    yield from _check_bands(data["stars"], form_max)
    refs.append(Ref("workflow", data["regime"], ("regime",)))
    refs.append(Ref("assessor", data["assessors"]["default"], ("assessors", "default"), data["regime"]))


def _flags(
    data: dict[str, Any], criteria: Sequence[tuple[dict[str, Any], Path]]
) -> Iterator[tuple[str, Path]]:
    for i, flag in enumerate(data.get("rejection", [])):
        yield flag["id"], ("rejection", i, "id")
    for criterion, path in criteria:
        for k, flag in enumerate(criterion.get("knockouts", [])):
            yield flag["id"], (*path, "knockouts", k, "id")
        if criterion.get("gate"):
            yield criterion["gate"]["id"], (*path, "gate", "id")


def _check_group(
    group: dict[str, Any], gpath: Path, gwhere: str, band_stars: set[int], refs: list[Ref]
) -> Iterator[Finding]:
    for k, criterion in enumerate(group["criteria"]):
        cpath = (*gpath, "criteria", k)
        cwhere = f"{gwhere}/criteria/{criterion['id']}"
        options = criterion["options"]
        if criterion.get("assessed_by"):
            refs.append(Ref("assessor", criterion["assessed_by"], (*cpath, "assessed_by")))
        if not options:
            yield Finding("E407", (*cpath, "options"), {"where": cwhere})
            continue
        yield from duplicates(
            ((o["id"], (*cpath, "options", m, "id")) for m, o in enumerate(options)), "option"
        )
        for m, option in enumerate(options):
            owhere = f"{cwhere}/options/{option['id']}"
            if option["points"] > criterion["max"] + _EPSILON:
                yield Finding("E404", (*cpath, "options", m, "points"),
                              {"where": owhere, "points": option["points"], "max": criterion["max"]})  # fmt: skip
            floor = option.get("floor")
            if floor is not None and floor not in band_stars:
                yield Finding("E405", (*cpath, "options", m, "floor"),
                              {"where": owhere, "floor": floor, "known": sorted(band_stars)})  # fmt: skip
        best = max(o["points"] for o in options)
        if best < criterion["max"] - _EPSILON:
            yield Finding("W004", (*cpath, "max"), {"where": cwhere, "max": criterion["max"], "best": best})
    total = sum(c["max"] for c in group["criteria"])
    if _differs(total, group["max"]):
        yield Finding("E402", (*gpath, "max"), {"where": gwhere, "max": group["max"], "sum": total})


def _check_bands(bands: list[dict[str, Any]], form_max: float) -> Iterator[Finding]:
    yield from duplicates(
        ((str(b["stars"]), ("stars", i, "stars")) for i, b in enumerate(bands)), "star band"
    )
    order = sorted(range(len(bands)), key=lambda i: bands[i]["min"])
    expected_min = 0.0
    for rank, i in enumerate(order):
        band = bands[i]
        path: Path = ("stars", i)
        last = rank == len(order) - 1
        below = band.get("below")
        if _differs(band["min"], expected_min):
            kind = "gap" if band["min"] > expected_min else "overlap"
            yield Finding("E406", (*path, "min"), {"max": form_max, "where": "stars",
                                                    "reason": f"{kind} at {expected_min:g}–{band['min']:g}"})  # fmt: skip
        if below is None and not last:
            yield Finding(
                "E406",
                path,
                {
                    "max": form_max,
                    "where": "stars",
                    "reason": f"band {band['stars']}★ has no 'below' but is not the last",
                },
            )
        if below is not None and below <= band["min"]:
            yield Finding(
                "E406",
                (*path, "below"),
                {"max": form_max, "where": "stars", "reason": f"band {band['stars']}★ is empty"},
            )
        if last and below is not None and below <= form_max:
            yield Finding("E406", (*path, "below"), {"max": form_max, "where": "stars",
                                                      "reason": f"nothing covers {below:g}–{form_max:g}"})  # fmt: skip
        if last and band["min"] > form_max:
            yield Finding(
                "E406",
                (*path, "min"),
                {"max": form_max, "where": "stars", "reason": "band starts above the maximum"},
            )
        expected_min = below if below is not None else band["min"]
    previous = None
    for i in order:
        if previous is not None and bands[i]["stars"] <= previous:
            yield Finding(
                "E406",
                ("stars", i, "stars"),
                {"max": form_max, "where": "stars", "reason": "stars must rise with the points"},
            )
        previous = bands[i]["stars"]
