"""Council scoring: members' sheets, assessors' sheets, and the council result.

Who sits where is the workflow's (`council:` on a state, engine.definitions.councils;
inferred for an older definition that declares none). A sheet is saved against
the dossier's current state under the role the actor sits there with
(`permissions.scoring_role`): a council's member or chair where a council sits,
elsewhere an assessor of criteria of its own (`assessed_by` in the scoring
form, e.g. the commune). The council result counts the final sheets of the
members of one sitting: the current state's if a council sits there, else the
last state in which a council scored — so district, provincial and central
councils scoring the same dossier never mix, and each quorum counts only its
own members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine import scoring
from engine.definitions import councils
from engine.definitions.model import Council, RoleSet, ScoringForm, Workflow
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import Actor, Decision, DossierFacts, in_scope, may_score, roles_of, scoring_role
from engine.service.base import Loaded
from engine.service.firing import FiringUseCases
from engine.storage.repository import Repository, Row


def commune_roles(form: ScoringForm) -> set[str]:
    """Roles the scoring form gives criteria of their own (`assessed_by`), e.g. the commune."""
    return set(form.assessors())


def council_roles(form: ScoringForm, roleset: RoleSet) -> set[str]:
    """Scoring roles that are not the form's own assessors: those that may sit on a council."""
    communal = form.assessors()
    return {r.id for r in roleset.roles.values() if "score" in r.can and r.id not in communal}


def _sittings(loaded: Loaded) -> dict[str, Council]:
    """The councils of the dossier's pinned workflow, by the state they sit in."""
    form = loaded.pinned.scoring_form
    assessors = form.assessors() if form is not None else frozenset()
    return councils.sittings(loaded.workflow, loaded.roleset, assessors)


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
        """Save (or replace) this member's sheet for the dossier's current state."""
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
            council = sittings.get(loaded.row["state"])
            chair = council is not None and role == council.chair
            sheet = scoring.Sheet(answers=dict(answers), flags=frozenset(flags))
            problems = scoring.validate_sheet(form, sheet)
            if problems:
                raise InvalidForm(
                    say("form.answers_do_not_fit", count=len(problems), form=form.title), problems
                )
            result = scoring.score_sheet(form, sheet)
            row = loaded.row
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
        """Roles any scoring form of the regime gives criteria of their own (the commune's)."""
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
            return result

    def score_sheets(self, actor: Actor, dossier_id: int) -> list[Row]:
        with self._tx(write=False) as repo:
            loaded = self._load(repo, actor, dossier_id)
            return repo.score_sheets(loaded.row["id"])

    def council_for(self, repo: Repository, loaded: Loaded) -> scoring.CouncilResult | None:
        form = loaded.pinned.scoring_form
        if form is None:
            return None
        rows = repo.score_sheets(loaded.row["id"])
        commune_sheet = _latest_final(rows, form.assessors())
        sittings = _sittings(loaded)
        council_rows = [r for r in rows if r["state"] in sittings and r["role"] in sittings[r["state"]].roles]
        state = loaded.row["state"]
        if state not in sittings and council_rows:
            state = max(council_rows, key=lambda r: (r["saved_at"], r["id"]))["state"]
        council = sittings.get(state)
        final_rows = [r for r in council_rows if r["state"] == state and r["final"]]
        sheets = {r["member"]: scoring.score_sheet(form, _sheet(r), commune_sheet) for r in final_rows}
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
        count = 0
        for user in repo.users():
            if not user["active"]:
                continue
            actor = Actor(user["username"], frozenset(user["roles"]), user["area"], user["organisation"])
            if any(
                r.id in roles and in_scope(actor, r, loaded.facts) for r in roles_of(actor, loaded.roleset)
            ):
                count += 1
        return count


def _seat_args(
    actor: Actor, loaded: Loaded, sittings: dict[str, Council]
) -> tuple[Actor, Workflow, RoleSet, DossierFacts, dict[str, Council], frozenset[str]]:
    """The arguments of permissions.may_score / scoring_role for this dossier."""
    form = loaded.pinned.scoring_form
    assessors = form.assessors() if form is not None else frozenset()
    return actor, loaded.workflow, loaded.roleset, loaded.facts, sittings, assessors


def _latest_final(rows: list[Row], roles: Iterable[str]) -> scoring.Sheet | None:
    """The last final sheet saved under one of these roles (sheets come oldest first)."""
    wanted = set(roles)
    final = [r for r in rows if r["role"] in wanted and r["final"]]
    return _sheet(max(final, key=lambda r: (r["saved_at"], r["id"]))) if final else None


def _sheet(row: Row) -> scoring.Sheet:
    return scoring.Sheet(answers=dict(row["answers"]), flags=frozenset(row["flags"]))
