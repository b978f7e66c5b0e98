"""Evaluation rounds (đợt, docs/definitions.md "Evaluation rounds"): declared per workflow, per
series (one per level that holds its own rounds), each round with a cut-off date. Pure.

A round's `cutoff` is `MM-DD` (every year) or `YYYY-MM-DD` (that year only). A dossier joins,
in each series, the first round whose cut-off is on or after its filing date.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.definitions.model import Text
from engine.definitions.yamlread import Finding, Path


@dataclass(frozen=True)
class RoundDef:
    id: str
    label: Text
    month: int
    day: int
    year: int | None  # None: every year
    sits_by: tuple[int | None, int, int] | None = None  # (year or None, month, day)


@dataclass(frozen=True)
class RoundSeries:
    id: str
    label: Text
    minimum: int
    rounds: tuple[RoundDef, ...]


@dataclass(frozen=True)
class RoundOf:
    """One round of one year: what a dossier joins."""

    series: str
    id: str
    year: int
    cutoff: dt.date
    sits_by: dt.date | None
    label: Text
    series_label: Text

    @property
    def key(self) -> str:
        """`series:year:id`, the value of the list filter and of the stored row."""
        return f"{self.series}:{self.year}:{self.id}"


def _parse(value: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of `MM-DD` / `YYYY-MM-DD`; None when no such day exists."""
    parts = [int(p) for p in value.split("-")]
    year: int | None = parts[0] if len(parts) == 3 else None
    month, day = parts[-2], parts[-1]
    try:
        # 29 February has no cut-off in three years of four: refused like 30 February
        dt.date(year or 2025, month, day)
    except ValueError:
        return None
    return year, month, day


def _in_year(parsed: tuple[int | None, int, int], year: int) -> dt.date:
    return dt.date(parsed[0] or year, parsed[1], parsed[2])


def build_rounds(data: dict[str, Any], text: Any) -> dict[str, RoundSeries]:
    out: dict[str, RoundSeries] = {}
    for sid, series in data.get("rounds", {}).items():
        rounds = []
        for r in series["rounds"]:
            cut = _parse(r["cutoff"])
            assert cut is not None  # E248 refused it
            sits = _parse(r["sits_by"]) if r.get("sits_by") else None
            rounds.append(RoundDef(r["id"], text(r["label"]), cut[1], cut[2], cut[0], sits))
        out[sid] = RoundSeries(sid, text(series["label"]), int(series.get("minimum", 1)), tuple(rounds))
    return out


def round_of(series: RoundSeries, day: dt.date) -> RoundOf | None:
    """The first round of `series` whose cut-off is on or after `day`; None: no such round declared."""
    found: list[tuple[dt.date, RoundDef, int]] = []
    for year in (day.year, day.year + 1):
        for r in series.rounds:
            if r.year is None or r.year == year:
                found.append((dt.date(year, r.month, r.day), r, year))
    later = sorted((f for f in found if f[0] >= day), key=lambda f: f[0])
    if not later:
        return None
    cutoff, r, year = later[0]
    sits = _in_year(r.sits_by, year) if r.sits_by else None
    return RoundOf(series.id, r.id, year, cutoff, sits, r.label, series.label)


def rounds_of(rounds: dict[str, RoundSeries], day: dt.date) -> list[RoundOf]:
    return [found for s in rounds.values() if (found := round_of(s, day)) is not None]


def check_rounds(data: dict[str, Any], council_refs: list[tuple[str, Path]]) -> Iterator[Finding]:
    """E245 unordered or overlapping cut-offs, E246 fewer rounds than `minimum`, E247 a council
    naming an unknown series, E248 a day that does not exist or a sitting before its cut-off,
    W024 a series no council sits per. `council_refs`: (series, path) of each `council.rounds`."""
    declared = data.get("rounds", {})
    for sid, series in declared.items():
        path: Path = ("rounds", sid)
        yearly: list[tuple[tuple[int, int], int]] = []
        dated: list[tuple[dt.date, int]] = []
        seen: set[str] = set()
        for k, r in enumerate(series["rounds"]):
            rpath = (*path, "rounds", k)
            if r["id"] in seen:
                yield Finding("E202", (*rpath, "id"), {"what": "round", "id": r["id"]})
            seen.add(r["id"])
            cut = _parse(r["cutoff"])
            if cut is None:
                yield Finding("E248", (*rpath, "cutoff"), {"id": r["id"], "value": r["cutoff"]})
                continue
            sits = _parse(r["sits_by"]) if r.get("sits_by") else None
            if r.get("sits_by") and (sits is None or _in_year(sits, cut[0] or 2025) < _in_year(cut, 2025)):
                yield Finding("E248", (*rpath, "sits_by"), {"id": r["id"], "value": r["sits_by"]})
            if cut[0] is None:
                yearly.append(((cut[1], cut[2]), k))
            else:
                dated.append((_in_year(cut, 0), k))
        yield from _order(sid, path, series["rounds"], yearly, dated)
        minimum = int(series.get("minimum", 1))
        years = {d.year for d, _ in dated}
        counts = [len(yearly) + sum(1 for d, _ in dated if d.year == y) for y in years] or [len(yearly)]
        if min(counts) < minimum:
            yield Finding("E246", (*path, "rounds"), {"id": sid, "minimum": minimum, "count": min(counts)})
    used = {ref for ref, _ in council_refs}
    for ref, cpath in council_refs:
        if ref not in declared:
            yield Finding("E247", cpath, {"id": ref, "known": sorted(declared)})
    for sid in declared:
        if sid not in used:
            yield Finding("W024", ("rounds", sid), {"id": sid}, at_key=True)


def _order(sid: str, path: Path, rounds: list[dict[str, Any]], yearly: list[tuple[tuple[int, int], int]],
           dated: list[tuple[dt.date, int]]) -> Iterator[Finding]:  # fmt: skip
    """Cut-offs in listed order must rise; a dated round on a yearly round's day overlaps it."""
    falls = [k for (a, _), (b, k) in itertools.pairwise(yearly) if b <= a]
    falls += [k for (a, _), (b, k) in itertools.pairwise(dated) if b <= a]
    for k in sorted(falls):
        params = {"id": rounds[k]["id"], "series": sid, "value": rounds[k]["cutoff"]}
        yield Finding("E245", (*path, "rounds", k, "cutoff"), params)
    days = {md for md, _ in yearly}
    for day, k in dated:
        if (day.month, day.day) in days:
            params = {"id": rounds[k]["id"], "series": sid, "value": rounds[k]["cutoff"]}
            yield Finding("E245", (*path, "rounds", k, "cutoff"), params)
