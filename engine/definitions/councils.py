"""Where councils sit: the states a workflow seats a council in, and who sits there.

A workflow declares its sittings (`council: {members, chair}` on a leaf state).
A workflow written before the key existed declares none; for it the sittings
are inferred as the engine always did, and `validate` warns (W012) with what
to add: a council sits in a state when a transition leaving it requires the
scores and is fired by a role with `score`; its members are the scoring roles
(other than the scoring forms' own assessors) of the same scope as the roles
deciding there. Two councils of one scope merge under that rule, which is why
the declaration exists.
"""

from __future__ import annotations

from engine.definitions.model import Council, RoleSet, Workflow


def sittings(
    workflow: Workflow, roleset: RoleSet, assessors: frozenset[str] = frozenset()
) -> dict[str, Council]:
    """Leaf state id -> the council sitting there: declared, or inferred for an older definition."""
    if workflow.declares_councils:
        return {sid: s.council for sid, s in workflow.states.items() if s.council is not None}
    return inferred(workflow, roleset, assessors)


def inferred(
    workflow: Workflow, roleset: RoleSet, assessors: frozenset[str] = frozenset()
) -> dict[str, Council]:
    """The sittings an undeclared workflow gets (see the module's docstring)."""
    roles = roleset.roles
    scorers = sorted(r.id for r in roles.values() if "score" in r.can and r.id not in assessors)
    out: dict[str, Council] = {}
    for state in workflow.leaves():
        deciders = sorted(
            {r for t in workflow.transitions if state.id in t.sources and t.requires.scores for r in t.roles}
            & set(roles)
        )
        if not any("score" in roles[r].can for r in deciders):
            continue
        scopes = {roles[r].scope for r in deciders}
        members = tuple(r for r in scorers if roles[r].scope in scopes)
        chairs = [r for r in deciders if "chair" in roles[r].can] or [
            r for r in members if "chair" in roles[r].can
        ]
        out[state.id] = Council(members, chairs[0] if chairs else None)
    return out
