"""Council scoring: members' sheets, assessors' sheets, and the council result.

Who sits where is the workflow's (`council:` on a state, engine.definitions.councils;
inferred for an older definition that declares none). A sheet is saved against
the dossier's current state under the role the actor sits there with
(`permissions.scoring_role`): a council's member or chair where a council sits,
elsewhere an assessor of criteria of its own (`assessed_by` in the scoring
form). The council result counts the final sheets of the
members of one sitting: the current state's if a council sits there, else the
last state in which a council scored — so district, provincial and central
councils scoring the same dossier never mix, and each quorum counts only its
own members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import scoring
from engine.definitions import councils
from engine.definitions.model import Council, RoleSet, ScoringForm, Workflow
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import (
    Actor,
    Decision,
    DossierFacts,
    in_scope,
    local_roles,
    may,
    may_score,
    roles_of,
    scoring_role,
)
from engine.service.base import Loaded
from engine.service.firing import FiringUseCases
from engine.storage.repository import Repository, Row


def council_roles(form: ScoringForm, roleset: RoleSet) -> set[str]:
    """Scoring roles that are not the form's own assessors: those that may sit on a council."""
    assessors = form.assessors()
    return {r.id for r in roleset.roles.values() if "score" in r.can and r.id not in assessors}


def _sittings(loaded: Loaded) -> dict[str, Council]:
    """The councils of the dossier's pinned workflow, by the state they sit in."""
    form = loaded.pinned.scoring_form
    assessors = form.assessors() if form is not None else frozenset()
    return councils.sittings(loaded.workflow, loaded.roleset, assessors)


@dataclass(frozen=True)
class SheetView:
    """What the score page shows one reader: where they sit, what they answer, what they saved."""

    form: ScoringForm
    decision: Decision  # may the reader save a sheet now (and if not, why)
    role: str | None  # the role they score under here; None when they may not score now
    chair: bool  # they chair the council sitting now: they may reopen final sheets
    criteria: frozenset[str]  # the criteria they answer (the rest come from elsewhere or nobody)
    fixed: Mapping[str, str]  # answers taken from the assessors' final sheet, shown read-only
    assessors_sheet: scoring.Sheet | None  # that sheet, merged into every total
    mine: Row | None  # their sheet in the current state
    result: scoring.SheetResult | None  # the engine's result of `mine`

    @property
    def final(self) -> bool:
        return bool(self.mine and self.mine["final"])


@dataclass(frozen=True)
class Seat:
    """One person who sits on the council now, and where their sheet stands."""

    member: str  # username
    name: str  # display name
    role: str
    chair: bool
    final: bool  # has a final sheet at this step
    total: float | None  # the total that counts (with the assessors' points); None: unseen or none
    own: float | None  # the points of the member's own criteria
    assessors: float | None  # the points taken from the assessors' final sheet


@dataclass(frozen=True)
class CouncilProgress:
    """The council sitting now (or last): its result, who has handed in a final sheet, who has not."""

    result: scoring.CouncilResult
    state: str | None  # the state it sits in; None before any council
    chair_role: str | None
    seats: tuple[Seat, ...]  # every member in scope, the chair first
    sheets_visible: bool  # the reader may see each member's sheet (`view_sheets`)

    @property
    def awaited(self) -> tuple[Seat, ...]:
        return tuple(s for s in self.seats if not s.final)

    @property
    def chair_awaited(self) -> bool:
        return any(s.chair and not s.final for s in self.seats) or (
            self.chair_role is not None and not any(s.chair for s in self.seats)
        )


def criteria_for(
    form: ScoringForm, role: str | None, assessors_sheet: scoring.Sheet | None
) -> frozenset[str]:
    """The criteria a sheet under `role` answers.

    An assessor (a role `assessed_by` names) answers its own criteria; anyone else
    (the council) answers the rest, and the assessors' criteria too while no final
    assessors' sheet exists (nobody else scored them).
    """
    if role is None:
        return frozenset()
    if role in form.assessors():
        return frozenset(c.id for c in form.assessed_by(role))
    own = {c.id for c in form.criteria() if not c.assessed_by or c.assessed_by == form.default_assessor}
    if assessors_sheet is None:
        own |= {c.id for c in form.criteria()}
    return frozenset(own)


def unanswered(result: scoring.SheetResult, criteria: Iterable[str]) -> list[str]:
    """The criteria of `criteria` the sheet leaves unscored, in form order (gated ones are not)."""
    wanted = set(criteria)
    return [cid for cid in result.missing if cid in wanted]


class ScoringUseCases(FiringUseCases):
    def _scoring_form(self, loaded: Loaded) -> ScoringForm:
        form = loaded.pinned.scoring_form
        if form is None:
            raise NotFound(say("scoring.no_form", product_set=loaded.row["product_set"]))
        return form

    def save_score_sheet(
        self,
        actor: Actor,
        dossier_id: int,
        answers: Mapping[str, str],
        flags: Iterable[str] = (),
        *,
        final: bool = False,
    ) -> dict[str, Any]:
        """Save (or replace) this member's sheet for the dossier's current state.

        A final sheet answers every criterion its role assesses and is final from
        then on: saving over it is refused until the chair reopens it.
        """
        now = self.now()
        with self._tx() as repo:
            loaded = self._load(repo, actor, dossier_id)
            sittings = _sittings(loaded)
            args = _seat_args(actor, loaded, sittings)
            decision = may_score(*args)
            role = scoring_role(*args)  # never None once allowed
            if not decision or role is None:
                raise PermissionDenied(decision.message or decision.reason, reason=decision.reason)
            form = self._scoring_form(loaded)
            row = loaded.row
            rows = repo.score_sheets(row["id"])
            if any(r["member"] == actor.id and r["state"] == row["state"] and r["final"] for r in rows):
                raise PermissionDenied(say("scoring.sheet_final"), reason="sheet_final")
            council = sittings.get(row["state"])
            chair = council is not None and role == council.chair
            sheet = scoring.Sheet(answers=dict(answers), flags=frozenset(flags))
            problems = scoring.validate_sheet(form, sheet)
            if problems:
                raise InvalidForm(
                    say("form.answers_do_not_fit", count=len(problems), form=form.title), problems
                )
            result = scoring.score_sheet(form, sheet)
            if final:
                assessors_sheet = None if role in form.assessors() else _latest_final(rows, form.assessors())
                merged = scoring.score_sheet(form, sheet, assessors_sheet)
                missing = unanswered(merged, criteria_for(form, role, assessors_sheet))
                if missing:
                    raise InvalidForm(
                        say("scoring.sheet_incomplete", count=len(missing), criteria=missing),
                        {cid: say("field.required") for cid in missing},
                    )
            repo.update_dossier(row["id"], row["version"], updated_at=now)
            values = {
                "role": role,
                "chair": chair,
                "answers": dict(answers),
                "flags": sorted(sheet.flags),
                "final": bool(final),
                "total": result.total,
                "saved_at": now,
            }
            repo.save_score_sheet(row["id"], actor.id, row["state"], **values)
            payload = {k: values[k] for k in ("role", "answers", "flags", "final", "total")}
            self.record_in_place(repo, actor, row, "score", {**payload, "form": form.id}, now)
            return {"member": actor.id, "state": row["state"], **payload, "stars": result.stars}

    def reopen_score_sheet(self, actor: Actor, dossier_id: int, member: str, reason: str) -> None:
        """The chair of the council sitting now makes a member's final sheet a draft again, saying why."""
        now = self.now()
        with self._tx() as repo:
            loaded = self._load(repo, actor, dossier_id)
            sittings = _sittings(loaded)
            args = _seat_args(actor, loaded, sittings)
            council = sittings.get(loaded.row["state"])
            if council is None or not may_score(*args) or scoring_role(*args) != council.chair:
                raise PermissionDenied(say("scoring.reopen_chair_only"), reason="chair")
            why = (reason or "").strip()
            if not why:
                raise InvalidForm(say("scoring.reopen_reason"), {"reason": say("field.required")})
            row = loaded.row
            sheet = next(
                (
                    r
                    for r in repo.score_sheets(row["id"])
                    if r["member"] == member and r["state"] == row["state"]
                ),
                None,
            )
            if sheet is None or not sheet["final"]:
                raise InvalidForm(say("scoring.reopen_not_final", member=member), {})
            repo.update_dossier(row["id"], row["version"], updated_at=now)
            repo.save_score_sheet(row["id"], member, row["state"], final=False)
            payload = {"member": member, "role": sheet["role"], "reason": why[:4000]}
            self.record_in_place(repo, actor, row, "reopen_sheet", payload, now)

    def sheet_view(self, actor: Actor, dossier_id: int) -> SheetView:
        """The reader's seat, criteria and saved sheet in the dossier's current state (the score page)."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            form = self._scoring_form(loaded)
            sittings = _sittings(loaded)
            args = _seat_args(actor, loaded, sittings)
            decision = may_score(*args)
            role = scoring_role(*args) if decision else None
            council = sittings.get(loaded.row["state"])
            rows = repo.score_sheets(loaded.row["id"])
            assessors_sheet = None if role in form.assessors() else _latest_final(rows, form.assessors())
            criteria = criteria_for(form, role, assessors_sheet)
            fixed = {} if assessors_sheet is None else {
                k: v for k, v in assessors_sheet.answers.items() if k not in criteria
            }  # fmt: skip
            state = loaded.row["state"]
            mine = next((r for r in reversed(rows) if r["member"] == actor.id and r["state"] == state), None)
            result = None if mine is None else scoring.score_sheet(form, _sheet(mine), assessors_sheet)
            chair = council is not None and role == council.chair
            return SheetView(form, decision, role, chair, criteria, fixed, assessors_sheet, mine, result)

    def preview_sheet(
        self, actor: Actor, dossier_id: int, answers: Mapping[str, str], flags: Iterable[str] = ()
    ) -> tuple[scoring.SheetResult, list[str]]:
        """What a sheet with these answers would score (nothing saved): the result and the
        reader's criteria still unscored. Answers to criteria the reader does not assess are
        ignored; the assessors' final sheet counts as on the saved sheet."""
        view = self.sheet_view(actor, dossier_id)
        own = {k: v for k, v in answers.items() if k in view.criteria}
        sheet = scoring.Sheet(answers=own, flags=frozenset(flags) & scoring.known_flags(view.form))
        result = scoring.score_sheet(view.form, sheet, view.assessors_sheet)
        return result, unanswered(result, view.criteria)

    def score_decision(self, actor: Actor, dossier_id: int) -> Decision:
        """Whether `save_score_sheet` would let the actor save a sheet now, and if not why."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return may_score(*_seat_args(actor, loaded, _sittings(loaded)))

    def _sheet_awaited(self, repo: Repository, actor: Actor, loaded: Loaded) -> bool:
        """The actor may score this dossier now and has no final sheet in its current state."""
        if not may_score(*_seat_args(actor, loaded, _sittings(loaded))):
            return False
        state = loaded.row["state"]
        return not any(
            r["member"] == actor.id and r["state"] == state and r["final"]
            for r in repo.score_sheets(loaded.row["id"])
        )

    def _assessor_roles(self, regime: str) -> frozenset[str]:
        """Roles any scoring form of the regime gives criteria of their own (its own assessors)."""
        return frozenset(
            role
            for form in self.catalog.scoring_forms.values()
            if form.regime == regime
            for role in form.assessors()
        )

    def council_result(self, actor: Actor, dossier_id: int) -> scoring.CouncilResult:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            result = self.council_for(repo, loaded)
            if result is None:
                raise NotFound(say("scoring.no_form", product_set=loaded.row["product_set"]))
            return result if may(actor, "view_sheets", loaded.roleset, loaded.facts) else result.redacted()

    def council_progress(self, actor: Actor, dossier_id: int) -> CouncilProgress:
        """The council result with its people: who sits, who has handed in a final sheet, and
        each total split into the member's own points and the assessors' (shown only with
        `view_sheets`, and always one's own)."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            form = self._scoring_form(loaded)
            result = self.council_for(repo, loaded)
            assert result is not None
            sittings = _sittings(loaded)
            rows = repo.score_sheets(loaded.row["id"])
            state = _council_state(loaded, sittings, rows)
            council = sittings.get(state) if state else None
            visible = bool(may(actor, "view_sheets", loaded.roleset, loaded.facts))
            assessors_sheet = _latest_final(rows, form.assessors())
            finals = {r["member"]: r for r in rows if r["state"] == state and r["final"]}
            seats = []
            for user in self._council_users(repo, loaded, set(council.roles)) if council else []:
                assert council is not None
                username = user["username"]
                row = finals.get(username)
                held = local_roles(user["roles"], loaded.roleset)
                chair = council.chair in held
                shown = row is not None and (visible or username == actor.id)
                total = own = points = None
                if shown and row is not None:
                    sheet = scoring.score_sheet(form, _sheet(row), assessors_sheet)
                    points = sum(sheet.points[c] for c in sheet.from_assessors)
                    total, own = sheet.total, sheet.total - points
                role = str(council.chair) if chair else next(r for r in council.roles if r in held)
                seats.append(
                    Seat(
                        username,
                        user["display_name"] or username,
                        role,
                        chair,
                        row is not None,
                        total,
                        own,
                        points,
                    )
                )
            seats.sort(key=lambda s: (not s.chair, s.name))
            if not visible:
                result = result.redacted()
            return CouncilProgress(result, state, council.chair if council else None, tuple(seats), visible)

    def score_sheets(self, actor: Actor, dossier_id: int) -> list[Row]:
        """Every sheet of the dossier for a role with `view_sheets` (roles file); else the reader's own."""
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            rows = repo.score_sheets(loaded.row["id"])
            if may(actor, "view_sheets", loaded.roleset, loaded.facts):
                return rows
            return [r for r in rows if r["member"] == actor.id]

    def council_for(self, repo: Repository, loaded: Loaded) -> scoring.CouncilResult | None:
        form = loaded.pinned.scoring_form
        if form is None:
            return None
        rows = repo.score_sheets(loaded.row["id"])
        assessors_sheet = _latest_final(rows, form.assessors())
        sittings = _sittings(loaded)
        council_rows = [r for r in rows if r["state"] in sittings and r["role"] in sittings[r["state"]].roles]
        state = _council_state(loaded, sittings, rows) or loaded.row["state"]
        council = sittings.get(state)
        final_rows = [r for r in council_rows if r["state"] == state and r["final"]]
        sheets = {r["member"]: scoring.score_sheet(form, _sheet(r), assessors_sheet) for r in final_rows}
        return scoring.council_result(
            form,
            sheets,
            members=self._council_size(repo, loaded, set(council.roles)) if council else 0,
            chair_signed=any(r["chair"] for r in final_rows),
        )

    def final_sheets(self, repo: Repository, loaded: Loaded, roles: Iterable[str]) -> frozenset[str]:
        """Which of these assessor roles have a final sheet answering every criterion they assess.

        A role the dossier's scoring form gives no criteria has nothing to assess: its
        sheet is never missing.
        """
        form = loaded.pinned.scoring_form
        wanted = set(roles)
        if form is None:
            return frozenset(wanted)
        rows = repo.score_sheets(loaded.row["id"])
        done: set[str] = set()
        for role in wanted:
            criteria = {c.id for c in form.assessed_by(role)}
            row = _latest_final(rows, {role})
            if not criteria or (row is not None and criteria <= set(row.answers)):
                done.add(role)
        return frozenset(done)

    def _council_size(self, repo: Repository, loaded: Loaded, roles: set[str]) -> int:
        """Active users holding a council role whose scope covers the dossier."""
        return len(self._council_users(repo, loaded, roles))

    def _council_users(self, repo: Repository, loaded: Loaded, roles: set[str]) -> list[Row]:
        """The active users holding one of these roles with a scope that covers the dossier."""
        found = []
        for user in repo.users():
            if not user["active"]:
                continue
            actor = Actor(user["username"], frozenset(user["roles"]), user["area"], user["organisation"])
            if any(
                r.id in roles and in_scope(actor, r, loaded.facts) for r in roles_of(actor, loaded.roleset)
            ):
                found.append(user)
        return found


def _seat_args(
    actor: Actor, loaded: Loaded, sittings: dict[str, Council]
) -> tuple[Actor, Workflow, RoleSet, DossierFacts, dict[str, Council], frozenset[str]]:
    """The arguments of permissions.may_score / scoring_role for this dossier."""
    form = loaded.pinned.scoring_form
    assessors = form.assessors() if form is not None else frozenset()
    return actor, loaded.workflow, loaded.roleset, loaded.facts, sittings, assessors


def _council_state(loaded: Loaded, sittings: Mapping[str, Council], rows: list[Row]) -> str | None:
    """The state whose council counts: the current one if a council sits there, else the last that scored."""
    state = loaded.row["state"]
    if state in sittings:
        return str(state)
    council_rows = [r for r in rows if r["state"] in sittings and r["role"] in sittings[r["state"]].roles]
    if not council_rows:
        return None
    return str(max(council_rows, key=lambda r: (r["saved_at"], r["id"]))["state"])


def _latest_final(rows: list[Row], roles: Iterable[str]) -> scoring.Sheet | None:
    """The last final sheet saved under one of these roles (sheets come oldest first)."""
    wanted = set(roles)
    final = [r for r in rows if r["role"] in wanted and r["final"]]
    return _sheet(max(final, key=lambda r: (r["saved_at"], r["id"]))) if final else None


def _sheet(row: Row) -> scoring.Sheet:
    return scoring.Sheet(answers=dict(row["answers"]), flags=frozenset(row["flags"]))
