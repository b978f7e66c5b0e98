"""Evaluation rounds (đợt, docs/definitions.md "Evaluation rounds"): a dossier joins, in each round
series of its workflow, the round of its filing date when it is opened; a council whose state says
`council: {rounds: <series>}` sits per round, and a dossier entering that state is seated in its
own round's sitting (both written in the opening's or the fire's transaction, noted in its event).

`service.rounds` shows a dossier's rounds, lists the rounds for the work lists' filter, and seats
a dossier in a named sitting — refused when the sitting is of another round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.definitions.model import Text, Workflow
from engine.definitions.rounds import RoundOf, round_of, rounds_of
from engine.errors import NotFound, PermissionDenied, TransitionNotAllowed
from engine.messages import say
from engine.permissions import Actor, local_roles
from engine.storage.repository import Repository, Row

if TYPE_CHECKING:
    from engine.service import Service


@dataclass(frozen=True)
class DossierRound:
    """A round a dossier joined: its series, label, cut-off, and the sitting it sits in (if any)."""

    series: str
    series_label: Text
    id: str
    label: Text
    year: int
    cutoff: dt.date
    sits_by: dt.date | None
    sitting_id: int | None
    sitting_state: str | None

    @property
    def key(self) -> str:
        return f"{self.series}:{self.year}:{self.id}"

    def describe(self, lang: str = "vi") -> str:
        """ "Đợt 1 năm 2026" / "Round 1 of 2026"."""
        return f"{self.label.get(lang)} {'of' if lang == 'en' else 'năm'} {self.year}"

    def named(self, lang: str = "vi") -> str:
        """With its series, the round first (a narrow select shows the start): "Đợt 1 năm 2027 (Đợt
        đánh giá cấp tỉnh)"."""
        return f"{self.describe(lang)} ({self.series_label.get(lang)})"


@dataclass(frozen=True)
class RoundChoice:
    key: str
    label: str


def on_open(repo: Repository, workflow: Workflow, dossier_id: int, filed_on: dt.date,
            log: list[dict[str, Any]]) -> None:  # fmt: skip
    for found in rounds_of(workflow.rounds, filed_on):
        repo.join_round(dossier_id, found.series, found.year, found.id, found.cutoff)
        log.append({"effect": "join_round", "round": found.key})


def on_move(repo: Repository, workflow: Workflow, dossier: Row, target: str, now: dt.datetime,
            log: list[dict[str, Any]]) -> None:  # fmt: skip
    """Entering a council state that sits per round: the dossier takes its seat in its round's sitting."""
    state = workflow.states.get(target)
    series_id = state.council.rounds if state is not None and state.council is not None else None
    if series_id is None or series_id not in workflow.rounds:
        return
    joined = _joined(repo, workflow, dossier, series_id, log)
    if joined is None:
        log.append({"effect": "no_round", "series": series_id})
        return
    sitting = repo.sitting_for(workflow.id, target, series_id, joined.year, joined.id, now)
    repo.seat(dossier["id"], series_id, sitting)
    log.append({"effect": "seat", "sitting": sitting, "round": joined.key})


def _joined(repo: Repository, workflow: Workflow, dossier: Row, series_id: str,
            log: list[dict[str, Any]]) -> RoundOf | None:  # fmt: skip
    """The round the dossier joined in this series; joined now (by its filing date) if it never did
    (a dossier opened before its workflow declared rounds)."""
    series = workflow.rounds[series_id]
    for row in repo.rounds_for_dossiers([dossier["id"]]):
        if row["series"] == series_id:
            rd = next((r for r in series.rounds if r.id == row["round_id"]), None)
            label = rd.label if rd is not None else Text(row["round_id"])
            return RoundOf(series_id, row["round_id"], row["year"], row["cutoff"], None, label, series.label)
    found = round_of(series, dossier["filed_on"])
    if found is not None:
        repo.join_round(dossier["id"], series_id, found.year, found.id, found.cutoff)
        log.append({"effect": "join_round", "round": found.key})
    return found


def _shown(workflow: Workflow | None, row: Row) -> DossierRound:
    series = workflow.rounds.get(row["series"]) if workflow is not None else None
    rd = next((r for r in series.rounds if r.id == row["round_id"]), None) if series else None
    found = round_of(series, row["cutoff"]) if series is not None else None
    return DossierRound(
        series=row["series"],
        series_label=series.label if series is not None else Text(row["series"]),
        id=row["round_id"],
        label=rd.label if rd is not None else Text(row["round_id"]),
        year=row["year"],
        cutoff=row["cutoff"],
        sits_by=found.sits_by if found is not None and found.id == row["round_id"] else None,
        sitting_id=row.get("sitting_id"),
        sitting_state=row.get("sitting_state"),
    )


class RoundUseCases:
    """`service.rounds`: a dossier's rounds, the rounds the work lists filter by, seating."""

    def __init__(self, base: Service) -> None:
        self.base = base

    def of_dossier(self, actor: Actor, dossier_id: int) -> list[DossierRound]:
        with self.base._tx(write=False) as repo:
            loaded = self.base._load(repo, actor, dossier_id)
            return [_shown(loaded.workflow, r) for r in repo.rounds_for_dossiers([dossier_id])]

    def of_dossiers(self, dossiers: list[Any]) -> dict[int, list[DossierRound]]:
        """The rounds of dossiers the caller has already listed for its reader (snapshots)."""
        ids = [d.id for d in dossiers]
        if not ids:
            return {}
        hashes = {d.id: d.definition_hash for d in dossiers}
        out: dict[int, list[DossierRound]] = {}
        with self.base._tx(write=False) as repo:
            for row in repo.rounds_for_dossiers(ids):
                workflow = self.base.registry.workflow(repo, hashes[row["dossier_id"]])
                out.setdefault(row["dossier_id"], []).append(_shown(workflow, row))
        return out

    def choices(self, lang: str = "vi") -> list[RoundChoice]:
        """The rounds some dossier joined, labelled from the running catalog: the filter's options."""
        with self.base._tx(write=False) as repo:
            used = repo.rounds_in_use()
        out = []
        for row in used:
            workflow = next(
                (w for w in self.base.catalog.workflows.values() if row["series"] in w.rounds), None
            )
            shown = _shown(workflow, {**row, "cutoff": dt.date(row["year"], 1, 1)})
            out.append(RoundChoice(f"{row['series']}:{row['year']}:{row['round_id']}", shown.named(lang)))
        return out

    def seat(self, actor: Actor, dossier_id: int, sitting_id: int) -> DossierRound:
        """Put the dossier in a council's sitting: only its chair, only a dossier of that round."""
        now = self.base.now()
        with self.base._tx() as repo:
            loaded = self.base._load(repo, actor, dossier_id)
            sitting = repo.sitting(sitting_id)
            if sitting is None or sitting["workflow_id"] != loaded.workflow.id:
                raise NotFound(say("round.not_sitting", sitting=sitting_id))
            state = loaded.workflow.states.get(sitting["state"])
            council = state.council if state is not None else None
            if (
                council is None
                or council.chair is None
                or council.chair not in local_roles(actor.roles, loaded.roleset)
            ):
                raise PermissionDenied(say("round.chair_only", sitting=sitting_id), reason="role")
            series = loaded.workflow.rounds.get(sitting["series"])
            label = (
                next((r.label for r in series.rounds if r.id == sitting["round_id"]), None)
                if series
                else None
            )
            sitting_round = _named(label, sitting["round_id"], sitting["year"])
            joined = _joined(repo, loaded.workflow, loaded.row, sitting["series"], [])
            if joined is None:
                raise TransitionNotAllowed(
                    say("round.no_round", dossier_id=dossier_id, series=sitting["series"]), reason="round"
                )
            if (joined.year, joined.id) != (sitting["year"], sitting["round_id"]):
                mine = _named(joined.label, joined.id, joined.year)
                message = say("round.other_sitting", dossier_id=dossier_id, round=mine, sitting=sitting_id,
                              sitting_round=sitting_round)  # fmt: skip
                raise TransitionNotAllowed(message, reason="round")
            repo.seat(dossier_id, sitting["series"], sitting_id)
            repo.append_event(at=now, actor=actor.id, action="seat", dossier_id=dossier_id,
                              definition_hash=loaded.row["definition_hash"],
                              payload={"sitting": sitting_id, "round": joined.key})  # fmt: skip
            rows = repo.rounds_for_dossiers([dossier_id])
            return next(_shown(loaded.workflow, r) for r in rows if r["series"] == sitting["series"])


def _named(label: Text | None, round_id: str, year: int) -> Text:
    """A round's name in both languages, for a message: "Đợt 1 năm 2026" / "Round 1 of 2026"."""
    base = label or Text(round_id)
    return Text(f"{base.get('vi')} năm {year}", f"{base.get('en')} of {year}")
