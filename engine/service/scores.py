"""Council scoring: members' sheets, the commune's sheet, and the council result.

Which sheets form "the council" is read from the definitions, not named here:
a council role is a role with the `score` permission that is not the assessor
of commune criteria (`assessed_by` in the scoring form); a council sits in the
state its sheets were saved in, so a provincial and a central council scoring
the same dossier in different states never mix. The result is computed from
the final sheets saved in the most recent scoring state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine import scoring
from engine.definitions.model import RoleSet, ScoringForm, Workflow
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import say
from engine.permissions import Actor, in_scope, may, roles_of
from engine.service.base import Loaded
from engine.service.firing import FiringUseCases
from engine.storage.repository import Repository, Row


def commune_roles(form: ScoringForm) -> set[str]:
    return {
        c.assessed_by for c in form.criteria() if c.assessed_by and c.assessed_by != form.default_assessor
    }


def council_roles(form: ScoringForm, roleset: RoleSet) -> set[str]:
    communal = commune_roles(form)
    return {r.id for r in roleset.roles.values() if "score" in r.can and r.id not in communal}


def is_scoring_state(workflow: Workflow, roleset: RoleSet, state: str) -> bool:
    """A council sits here: a transition leaving it needs final scores and is fired by a scoring role."""
    return any(
        t.requires.scores and any(r in roleset.roles and "score" in roleset.roles[r].can for r in t.roles)
        for t in workflow.transitions
        if state in t.sources
    )


def sitting_roles(workflow: Workflow, roleset: RoleSet, form: ScoringForm, state: str) -> set[str]:
    """The council roles of the sitting in `state`: those of the same scope as the roles deciding there."""
    deciders = {r for t in workflow.transitions if state in t.sources and t.requires.scores for r in t.roles}
    scopes = {roleset.roles[r].scope for r in deciders if r in roleset.roles}
    return {r for r in council_roles(form, roleset) if roleset.roles[r].scope in scopes}


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
            decision = may(actor, "score", loaded.roleset, loaded.facts, workflow=loaded.workflow)
            if not decision:
                raise PermissionDenied(decision.message or decision.reason, reason=decision.reason)
            form = self._scoring_form(loaded)
            role, chair = self._scoring_role(actor, loaded, form)
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

    def _scoring_role(self, actor: Actor, loaded: Loaded, form: ScoringForm) -> tuple[str, bool]:
        roles = [
            r
            for r in roles_of(actor, loaded.roleset)
            if "score" in r.can and in_scope(actor, r, loaded.facts)
        ]
        council = council_roles(form, loaded.roleset)
        roles.sort(key=lambda r: (r.id not in council, "chair" not in r.can, r.id))
        chair = any(
            "chair" in r.can for r in roles_of(actor, loaded.roleset) if in_scope(actor, r, loaded.facts)
        )
        return roles[0].id, chair

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
        communal = commune_roles(form)
        commune_rows = [r for r in rows if r["role"] in communal and r["final"]]
        commune_sheet = _sheet(commune_rows[-1]) if commune_rows else None
        council = council_roles(form, loaded.roleset)
        council_rows = [r for r in rows if r["role"] in council]
        sitting = self._sitting(loaded, council_rows)
        members = sitting_roles(loaded.workflow, loaded.roleset, form, sitting)
        final_rows = [r for r in council_rows if r["state"] == sitting and r["final"]]
        sheets = {r["member"]: scoring.score_sheet(form, _sheet(r), commune_sheet) for r in final_rows}
        return scoring.council_result(
            form,
            sheets,
            members=self._council_size(repo, loaded, members),
            chair_signed=any(r["chair"] for r in final_rows),
        )

    @staticmethod
    def _sitting(loaded: Loaded, council_rows: list[Row]) -> str:
        """The state whose council counts: the current one if the council decides here, else the last that scored."""
        state = loaded.row["state"]
        if is_scoring_state(loaded.workflow, loaded.roleset, state) or not council_rows:
            return str(state)
        return str(max(council_rows, key=lambda r: (r["saved_at"], r["id"]))["state"])

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


def _sheet(row: Row) -> scoring.Sheet:
    return scoring.Sheet(answers=dict(row["answers"]), flags=frozenset(row["flags"]))
