"""Scoring: a scoring form and the answers on score sheets -> totals, stars, explanation.

Pure functions over `engine.definitions.model.ScoringForm`; nothing here knows
a star level, a criterion or a regime — they all come from the form.

One sheet (`score_sheet`):
- each criterion's answer is an option id; its points count, an unanswered
  criterion counts 0 and is listed in `missing`;
- criteria whose `assessed_by` is not the form's default assessor (the
  criteria of the form's own assessors) are taken from `assessors_sheet` when one is given,
  together with their knock-out and gate ticks;
- a ticked gate stops scoring at its criterion: that criterion and every later
  one (in form order) count 0 and are not missing — their answers and ticks
  are ignored;
- a knock-out (an option marked `knockout`, or a ticked knock-out box) or a
  ticked rejection box excludes the sheet: `stars` is None (never 0), the
  total is still computed and shown;
- band stars come from the form's `stars` bands; an option with `floor: N`
  is the least answer that allows N stars: an answer worth fewer points caps
  the stars at N-1 (`capped_by` lists each (criterion, N) that lowers them).

The council (`council_result`): member totals combine by the form's rule
(mean, median, or trimmed mean = drop one highest and one lowest when there
are three sheets or more); spread = highest − lowest total. Floors, knock-outs
and rejections follow the majority of sheets: a floor counts as met when
strictly more than half of the sheets meet it, a knock-out or rejection counts
when strictly more than half tick it (a dissent is noted in the explanation).
The result is final only with quorum, no re-score needed, and every sheet
complete. Totals are floats; star bands compare after rounding to 9 decimals
so that an average such as 69.99999999999 is not a different band from 70.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine.definitions.model import Criterion, ScoringForm, StarBand
from engine.messages import Message, say
from engine.scoring_text import Note, describe

_EPS_DIGITS = 9


@dataclass(frozen=True)
class Sheet:
    answers: Mapping[str, str] = field(default_factory=dict)  # criterion id -> option id
    flags: frozenset[str] = frozenset()  # ticked knock-out / gate / rejection ids


@dataclass(frozen=True)
class SheetResult:
    form: ScoringForm = field(repr=False, compare=False)
    answers: Mapping[str, str]  # the answers that counted, after the assessors' merge
    points: Mapping[str, float]  # criterion id -> points
    parts: Mapping[str, float]
    groups: Mapping[str, float]
    total: float
    missing: tuple[str, ...]
    band_stars: int | None
    stars: int | None  # None when excluded
    capped_by: tuple[tuple[str, int], ...]
    unmet_floors: tuple[tuple[str, int], ...]  # every unmet floor, whether it caps or not
    knocked_out: tuple[str, ...]
    rejected: tuple[str, ...]
    stopped_at: str | None
    from_assessors: tuple[str, ...]
    invalid: Mapping[str, Message]  # criterion or flag id -> what was wrong with the answer
    explanation: tuple[Note, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def excluded(self) -> bool:
        return bool(self.knocked_out or self.rejected)

    @property
    def recognised(self) -> bool:
        return _recognised(self.form, self.stars)

    def describe(self, lang: str = "vi") -> list[str]:
        return describe(self.form, self.explanation, lang)


@dataclass(frozen=True)
class CouncilResult:
    form: ScoringForm = field(repr=False, compare=False)
    method: str
    members: int
    totals: Mapping[str, float]  # member id -> sheet total
    total: float | None  # combined; None without sheets
    parts: Mapping[str, float]
    spread: float
    quorum_met: bool
    chair_signed: bool
    rescore_required: bool
    incomplete: tuple[str, ...]  # members whose sheets are not complete
    band_stars: int | None
    stars: int | None  # None when excluded or without sheets
    capped_by: tuple[tuple[str, int], ...]
    knocked_out: tuple[str, ...]
    rejected: tuple[str, ...]
    final: bool
    explanation: tuple[Note, ...]
    sheets: int | None = None  # how many sheets counted, kept when `redacted` drops `totals`

    @property
    def excluded(self) -> bool:
        return bool(self.knocked_out or self.rejected)

    @property
    def recognised(self) -> bool:
        return _recognised(self.form, self.stars)

    @property
    def sheet_count(self) -> int:
        return self.sheets if self.sheets is not None else len(self.totals)

    def redacted(self) -> CouncilResult:
        """The result without any member's own total or name: for readers who may not see sheets."""
        notes = tuple(n for n in self.explanation if n.code != "incomplete")
        return replace(self, totals={}, incomplete=(), explanation=notes, sheets=self.sheet_count)

    @property
    def sheets_quorum_met(self) -> bool:
        """Enough final sheets for the quorum, whether or not the chair's is among them."""
        return _sheets_quorum(self.sheet_count, self.members, self.form.council.quorum_fraction)

    @property
    def chair_missing(self) -> bool:
        """The form requires the chair's sheet and it is not in."""
        return self.form.council.chair_required and not self.chair_signed

    def describe(self, lang: str = "vi") -> list[str]:
        return describe(self.form, self.explanation, lang)


def _recognised(form: ScoringForm, stars: int | None) -> bool:
    return stars is not None and any(b.stars == stars and b.recognised for b in form.stars)


def band_for(form: ScoringForm, total: float) -> StarBand | None:
    value = round(total, _EPS_DIGITS)
    for band in form.stars:
        if value >= band.min and (band.below is None or value < band.below):
            return band
    return None


def _by_own_assessors(form: ScoringForm, criterion: Criterion) -> bool:
    return criterion.assessed_by is not None and criterion.assessed_by != form.default_assessor


def known_flags(form: ScoringForm) -> set[str]:
    ids = {f.id for f in form.rejection}
    for c in form.criteria():
        ids.update(k.id for k in c.knockouts)
        if c.gate is not None:
            ids.add(c.gate.id)
    return ids


def validate_sheet(form: ScoringForm, sheet: Sheet) -> dict[str, Message]:
    """Problems with a sheet, by criterion or flag id (empty when it fits the form)."""
    criteria = {c.id: c for c in form.criteria()}
    problems: dict[str, Message] = {}
    for cid, oid in sheet.answers.items():
        criterion = criteria.get(cid)
        if criterion is None:
            problems[cid] = say("scoring.criterion_unknown", criterion=cid)
        elif not any(o.id == oid for o in criterion.options):
            problems[cid] = say("scoring.option_unknown", criterion=cid, option=oid)
    for flag in sorted(sheet.flags - known_flags(form)):
        problems[flag] = say("scoring.flag_unknown", flag=flag)
    return problems


def lowest_answers(form: ScoringForm) -> dict[str, str]:
    """Every criterion answered with its least-valued option (a base for test cases)."""
    return {c.id: min(c.options, key=lambda o: o.points).id for c in form.criteria() if c.options}


@dataclass
class _Walk:
    """What walking the criteria in form order finds; built by `_walk` only."""

    answers: dict[str, str] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    knocked: list[str] = field(default_factory=list)
    from_assessors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stopped_at: str | None = None
    notes: list[Note] = field(default_factory=list)


def _walk(form: ScoringForm, sheet: Sheet, assessors_sheet: Sheet | None) -> _Walk:
    w = _Walk()
    for criterion in form.criteria():
        cid, source = criterion.id, sheet
        if assessors_sheet is not None and _by_own_assessors(form, criterion):
            source = assessors_sheet
            w.from_assessors.append(cid)
        w.points[cid] = 0.0
        if w.stopped_at is not None:
            w.skipped.append(cid)
            continue
        if criterion.gate is not None and criterion.gate.id in source.flags:
            w.stopped_at = cid
            w.notes.append(Note("gate", {"criterion": cid, "flag": criterion.gate.id}))
            continue
        for flag in criterion.knockouts:
            if flag.id in source.flags:
                w.knocked.append(flag.id)
                w.notes.append(Note("knockout_flag", {"criterion": cid, "flag": flag.id}))
        option = next((o for o in criterion.options if o.id == source.answers.get(cid)), None)
        if option is None:
            w.missing.append(cid)
            continue
        w.answers[cid] = option.id
        w.points[cid] = float(option.points)
        if option.knockout:
            w.knocked.append(cid)
            w.notes.append(Note("knockout_option", {"criterion": cid, "option": option.id}))
    return w


def score_sheet(form: ScoringForm, sheet: Sheet, assessors_sheet: Sheet | None = None) -> SheetResult:
    invalid = validate_sheet(form, sheet)
    if assessors_sheet is not None:
        invalid.update(validate_sheet(form, assessors_sheet))
    notes = [Note("invalid", {"id": key, "problem": problem}) for key, problem in invalid.items()]
    w = _walk(form, sheet, assessors_sheet)
    if w.from_assessors:
        notes.append(Note("assessors", {"criteria": w.from_assessors}))
    notes.extend(w.notes)
    if w.skipped:
        notes.append(Note("skipped", {"criteria": w.skipped}))
    flags = sheet.flags | (assessors_sheet.flags if assessors_sheet is not None else frozenset())
    rejected = [f.id for f in form.rejection if f.id in flags]
    notes.extend(Note("rejected", {"flag": f}) for f in rejected)
    if w.missing:
        notes.append(Note("missing", {"criteria": w.missing}))
    points, knocked, missing = w.points, w.knocked, w.missing
    groups = {g.id: sum(points[c.id] for c in g.criteria) for p in form.parts for g in p.groups}
    parts = {p.id: sum(groups[g.id] for g in p.groups) for p in form.parts}
    total = sum(parts.values())
    unmet = _unmet_floors(form, points)
    stars, band_stars, capped, star_notes = _stars(
        form, total, unmet, excluded=bool(knocked or rejected), got=points
    )
    notes.extend(star_notes)
    return SheetResult(
        form=form,
        answers=w.answers,
        points=points,
        parts=parts,
        groups=groups,
        total=total,
        missing=tuple(missing),
        band_stars=band_stars,
        stars=stars,
        capped_by=capped,
        unmet_floors=tuple(unmet),
        knocked_out=tuple(knocked),
        rejected=tuple(rejected),
        stopped_at=w.stopped_at,
        from_assessors=tuple(w.from_assessors),
        invalid=invalid,
        explanation=tuple(notes),
    )


def _floors(form: ScoringForm) -> list[tuple[Criterion, int, float, str]]:
    """(criterion, stars, points needed, option id) for every option that is a floor."""
    return [
        (c, o.floor, float(o.points), o.id) for c in form.criteria() for o in c.options if o.floor is not None
    ]


def _unmet_floors(form: ScoringForm, points: Mapping[str, float]) -> list[tuple[str, int]]:
    return [(c.id, stars) for c, stars, needed, _ in _floors(form) if points.get(c.id, 0.0) < needed]


def _stars(
    form: ScoringForm,
    total: float,
    unmet: Sequence[tuple[str, int]],
    *,
    excluded: bool,
    got: Mapping[str, float] | None = None,
) -> tuple[int | None, int | None, tuple[tuple[str, int], ...], list[Note]]:
    """Stars after bands, floors and exclusion: (stars, band stars, capped_by, notes)."""
    notes = [Note("total", {"total": total, "max": form.max_points})]
    band = band_for(form, total)
    if band is None:
        notes.append(Note("no_band", {"total": total}))
        return None, None, (), notes
    notes.append(Note("band", {"stars": band.stars, "min": band.min, "below": band.below, "total": total}))
    needed = {(c.id, s): (p, o) for c, s, p, o in _floors(form)}
    capped = tuple((cid, s) for cid, s in unmet if s <= band.stars)
    for cid, s in capped:
        points, option = needed[(cid, s)]
        params: dict[str, Any] = {"criterion": cid, "stars": s, "needed": points, "option": option}
        if got is not None:
            params["got"] = got[cid]
        notes.append(Note("floor", params))
    stars = min([band.stars, *(s - 1 for _, s in capped)])
    if stars != band.stars:
        notes.append(Note("capped", {"from": band.stars, "to": stars}))
    if excluded:
        notes.append(Note("excluded", {}))
        return None, band.stars, capped, notes
    notes.append(Note("stars", {"stars": stars}))
    return stars, band.stars, capped, notes


def _sheets_quorum(sheets: int, members: int, fraction: float) -> bool:
    return members > 0 and sheets / members >= fraction - 1e-9


def _combine(method: str, values: Sequence[float]) -> float:
    if method == "median":
        return float(statistics.median(values))
    if method == "trimmed_mean" and len(values) >= 3:
        values = sorted(values)[1:-1]
    return sum(values) / len(values)


def _carried(counts: Counter[str], n: int, code: str, notes: list[Note]) -> list[str]:
    """Ids ticked on more than half of n sheets; a minority tick is noted as a dissent."""
    carried = [k for k, c in counts.items() if c * 2 > n]
    notes.extend(
        Note("dissent", {"id": k, "sheets": c, "of": n}) for k, c in counts.items() if 0 < c * 2 <= n
    )
    notes.extend(Note(code, {"id": k, "sheets": counts[k], "of": n}) for k in carried)
    return carried


def council_result(
    form: ScoringForm, sheets: Mapping[str, SheetResult], *, members: int, chair_signed: bool
) -> CouncilResult:
    rule = form.council
    n = len(sheets)
    notes: list[Note] = []
    quorum_met = _sheets_quorum(n, members, rule.quorum_fraction)
    notes.append(
        Note(
            "quorum", {"present": n, "members": members, "fraction": rule.quorum_fraction, "met": quorum_met}
        )
    )
    if rule.chair_required and not chair_signed:
        quorum_met = False
        notes.append(Note("chair_missing", {}))
    totals = {member: s.total for member, s in sheets.items()}
    incomplete = tuple(m for m, s in sheets.items() if not s.complete)
    if incomplete:
        notes.append(Note("incomplete", {"members": list(incomplete)}))
    if n == 0:
        notes.append(Note("no_sheets", {}))
        return CouncilResult(
            form, rule.combine, members, {}, None, {}, 0.0, quorum_met, chair_signed, False, (), None, None, (),
            (), (), False, tuple(notes),
        )  # fmt: skip
    total = _combine(rule.combine, list(totals.values()))
    parts = {p.id: _combine(rule.combine, [s.parts[p.id] for s in sheets.values()]) for p in form.parts}
    spread = max(totals.values()) - min(totals.values())
    rescore = rule.max_spread is not None and round(spread, _EPS_DIGITS) > rule.max_spread
    notes.append(Note("combine", {"method": rule.combine, "sheets": n, "total": total}))
    notes.append(Note("spread", {"spread": spread, "max": rule.max_spread, "rescore": rescore}))
    floor_counts = Counter(key for s in sheets.values() for key in set(s.unmet_floors))
    unmet = [key for key, c in floor_counts.items() if (n - c) * 2 <= n]  # met by no majority
    knocked = _carried(
        Counter(k for s in sheets.values() for k in set(s.knocked_out)), n, "knockout_council", notes
    )
    rejected = _carried(
        Counter(r for s in sheets.values() for r in set(s.rejected)), n, "rejected_council", notes
    )
    order = {c.id: i for i, c in enumerate(form.criteria())}
    unmet.sort(key=lambda key: (order.get(key[0], 0), key[1]))
    stars, band_stars, capped, star_notes = _stars(form, total, unmet, excluded=bool(knocked or rejected))
    for note in star_notes:
        if note.code == "floor":
            key = (note.params["criterion"], note.params["stars"])
            note = Note("floor_council", {**note.params, "unmet": floor_counts[key], "of": n})
        notes.append(note)
    final = quorum_met and not rescore and not incomplete
    notes.append(Note("final" if final else "not_final", {}))
    return CouncilResult(
        form=form,
        method=rule.combine,
        members=members,
        totals=totals,
        total=total,
        parts=parts,
        spread=spread,
        quorum_met=quorum_met,
        chair_signed=chair_signed,
        rescore_required=rescore,
        incomplete=incomplete,
        band_stars=band_stars,
        stars=stars,
        capped_by=capped,
        knocked_out=tuple(knocked),
        rejected=tuple(rejected),
        final=final,
        explanation=tuple(notes),
    )


# --- explanations in words -----------------------------------------------------------
