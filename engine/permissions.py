"""Who may do what to which dossier. Pure and default-deny.

Everything is decided from data: the actor, the roles file (scope and
permissions per role), the workflow (transitions, duties) and a few facts
about the dossier the caller passes in. Nothing is allowed unless some rule
allows it, and every refusal says why with a stable reason code:

`ok`, `role`, `scope`, `permission`, `duty:<id>`, `state`, `guard`,
`form:<id>`, `evidence:<type>`, `sheet:<role>` (that assessor's sheet is not
final), `comment`, `scores`, `form_state` (the form may not be edited, or its
evidence uploaded, in the dossier's state) and `sitting` (the actor does not
sit on the council scoring in the dossier's state).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.model import Council, Duty, Form, Role, RoleSet, Text, Transition, Workflow
from engine.expressions import ExpressionError, truthy
from engine.limits import MAX_LENGTH, text_problem
from engine.messages import Localized, say


@dataclass(frozen=True)
class Actor:
    id: str
    roles: frozenset[str]
    area: str | None = None  # the code of a unit at the level of the role's scope
    organisation: str | None = None  # the producer organisation the actor belongs to
    display_name: str = ""


@dataclass(frozen=True)
class DossierFacts:
    id: str
    state: str
    province_code: str | None
    commune_code: str | None
    producer_org: str | None
    fired: Mapping[str, frozenset[str]] = field(default_factory=dict)  # transition id -> actor ids
    # Who saved a score sheet on the dossier: read only when a different_actor duty with
    # `actions: [score]` names the transition being fired ("whoever scored may not issue").
    scorers: frozenset[str] = frozenset()
    # Level -> code of the units that hold the dossier, read from the units file
    # (`UnitSet.areas_of(commune_code)`): the levels between the first and the last, such as a
    # district, are known only through it. Empty when the caller has no units file at hand.
    areas_by_level: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    message: Localized | None = None  # a catalog message (engine.messages) or the definition's own Text

    def __bool__(self) -> bool:
        return self.allowed


OK = Decision(True, "ok")


@dataclass(frozen=True)
class FireContext:
    """What `may_fire` needs to know beyond the definitions, gathered by the caller.

    `complete_forms`: ids of data forms whose required fields are all valid;
    `evidence`: evidence types attached; `scores_final`: the council result
    exists and is final; `guard_context`: the names of GUARD_NAMES for the guard;
    `comment`: the comment given with the fire. `check_comment=False` when only
    listing what an actor could do (the comment is typed afterwards).
    `final_sheets`: the assessor roles (of `requires.sheets`) whose final sheet
    answers every criterion the dossier's scoring form gives them.
    `labels` optionally names forms, evidence types and (keyed `sheet:<role>`)
    assessors in messages.
    """

    complete_forms: frozenset[str] = frozenset()
    evidence: frozenset[str] = frozenset()
    scores_final: bool = False
    final_sheets: frozenset[str] = frozenset()
    guard_context: Mapping[str, Any] = field(default_factory=dict)
    comment: str | None = None
    check_comment: bool = True
    labels: Mapping[str, Text] = field(default_factory=dict)


def _deny(reason: str, message: Localized) -> Decision:
    return Decision(False, reason, message)


def granted(grants: Iterable[str], roleset: RoleSet) -> list[Role]:
    """The roles of `roleset` that the grants name, sorted by id (unknown grants give nothing).

    A grant is `<roles file>:<role>` (`Role.qualified`: a shared role keeps the file that defines
    it, so one grant counts in every roles file that uses it), or an unqualified id stored before
    roles had namespaces: it names the role of that id in whichever roles file is consulted, as
    it always did (docs/definitions.md, "Roles of several regimes").
    """
    wanted = set(grants)
    return [role for rid, role in sorted(roleset.roles.items()) if rid in wanted or role.qualified in wanted]


def roles_of(actor: Actor, roleset: RoleSet) -> list[Role]:
    """The actor's roles that the roles file defines."""
    return granted(actor.roles, roleset)


def local_roles(grants: Iterable[str], roleset: RoleSet) -> frozenset[str]:
    """The ids the workflows of `roleset` use for the roles the grants name."""
    return frozenset(role.id for role in granted(grants, roleset))


def in_scope(actor: Actor, role: Role, dossier: DossierFacts) -> bool:
    scope = role.scope
    if scope in ("central", "system"):
        return True
    if scope == "own":
        return actor.organisation is not None and actor.organisation == dossier.producer_org
    if scope == "public":
        return False
    # Any other scope is a level the units file declares (validate: E122): the person's area is
    # the dossier's unit at that level. Without the units file, the dossier's first-level or
    # last-level unit (unit codes are unique across levels: E124).
    if actor.area is None:
        return False
    if dossier.areas_by_level:
        return dossier.areas_by_level.get(scope) == actor.area
    return actor.area in (dossier.province_code, dossier.commune_code)


def visible(actor: Actor, roleset: RoleSet, dossier: DossierFacts) -> bool:
    return any(in_scope(actor, role, dossier) for role in roles_of(actor, roleset))


# The permissions a `not_member_of_producer` duty's `actions` can withhold: the ones checked here
# against a dossier with its workflow. view, chair, audit and administer never are (validate: E232).
MEMBER_DUTY_ACTIONS = ("edit_forms", "upload_evidence", "score", "fire")
# The actions a `different_actor` duty's `actions` can name: `score` puts the score sheets beside
# the fires, so whoever saved a sheet on a dossier may not fire the duty's transitions on it.
SHEET_DUTY_ACTIONS = ("score",)


def _member_duties(workflow: Workflow | None, action: str, transition: str | None = None) -> list[Duty]:
    if workflow is None:
        return []
    return [
        d
        for d in workflow.duties
        if d.rule == "not_member_of_producer"
        and (action in d.actions or (transition is not None and transition in d.transitions))
    ]


def _duty_denial(duty: Duty, fallback: Localized) -> Decision:
    return Decision(False, f"duty:{duty.id}", duty.message or fallback)


def may(
    actor: Actor,
    permission: str,
    roleset: RoleSet,
    dossier: DossierFacts | None,
    *,
    workflow: Workflow | None = None,
) -> Decision:
    """May the actor use `permission` (view, edit_forms, score, …) on this dossier?

    The permission must come from a role whose scope covers the dossier. With
    no dossier (creating one, administering) only role and permission count.
    With a workflow, its `not_member_of_producer` duties naming this action apply.
    """
    roles = roles_of(actor, roleset)
    if not roles:
        return _deny("role", say("refusal.no_role"))
    if dossier is not None:
        roles = [r for r in roles if in_scope(actor, r, dossier)]
        if not roles:
            return _deny("scope", say("refusal.scope"))
    if not any(permission in r.can for r in roles):
        return _deny("permission", say("refusal.permission", permission=permission))
    duties = _member_duties(workflow, permission) if dossier and _is_producer_member(actor, dossier) else []
    if duties:
        return _duty_denial(duties[0], say("refusal.member"))
    return OK


def editable_in_state(workflow: Workflow, state: str, form: Form) -> Decision:
    """May `form` be edited while a dossier is in `state` (the workflow's `editable_forms`)?"""
    if form.id in workflow.editable_forms_in(state):
        return OK
    label = workflow.states[state].label if state in workflow.states else Text(state)
    where = [s.label for s in workflow.leaves() if form.id in workflow.editable_forms_in(s.id)]
    if where:
        return _deny(
            "form_state", say("refusal.form_state_where", form=form.title, state=label, states=where)
        )
    return _deny("form_state", say("refusal.form_state", form=form.title, state=label))


def may_edit_form(
    actor: Actor, workflow: Workflow, roleset: RoleSet, dossier: DossierFacts, form: Form
) -> Decision:
    """May the actor save `form` on this dossier now?

    Checked in this order: the `edit_forms` permission in scope (and duties),
    a role in scope that the form's `editable_by` names, then the state.
    """
    decision = may(actor, "edit_forms", roleset, dossier, workflow=workflow)
    if not decision:
        return decision
    return _form_in_reach(actor, workflow, roleset, dossier, form)


def _form_in_reach(
    actor: Actor, workflow: Workflow, roleset: RoleSet, dossier: DossierFacts, form: Form
) -> Decision:
    editors = [
        r for r in roles_of(actor, roleset) if r.id in form.editable_by and in_scope(actor, r, dossier)
    ]
    if not editors:
        return _deny("role", say("refusal.form_role", form=form.title))
    return editable_in_state(workflow, dossier.state, form)


def may_upload(
    actor: Actor,
    workflow: Workflow,
    roleset: RoleSet,
    dossier: DossierFacts,
    document_type: str,
    forms: Iterable[Form],
) -> Decision:
    """May the actor attach a document of this type to the dossier now?

    Uploading fills an evidence field, so it is editing the forms that collect
    the type: besides `upload_evidence`, one of those forms must be the actor's
    to edit (`editable_by`) and editable in the dossier's state. A type that no
    form collects (only a transition requires it) can be attached in any state
    that is not terminal.
    """
    decision = may(actor, "upload_evidence", roleset, dossier, workflow=workflow)
    if not decision:
        return decision
    slots = [
        f for f in forms if any(x.type == "evidence" and x.document == document_type for x in f.fields())
    ]
    if not slots:
        if workflow.is_terminal(dossier.state):
            return _deny("form_state", say("refusal.closed"))
        return OK
    decisions = [_form_in_reach(actor, workflow, roleset, dossier, form) for form in slots]
    if any(decisions):
        return OK
    # The most useful refusal: a form the actor edits, but not in this state.
    return next((d for d in decisions if d.reason == "form_state"), decisions[0])


def scoring_role(
    actor: Actor,
    workflow: Workflow,
    roleset: RoleSet,
    dossier: DossierFacts,
    sittings: Mapping[str, Council],
    assessors: frozenset[str],
) -> str | None:
    """The role the actor's sheet is recorded under in the dossier's state, if any.

    Where a council sits (`sittings`: leaf state -> council), one of its roles the
    actor holds in scope with `score` — the chair's first, so a chair who also
    holds a member role signs; in any other state that is not terminal, a role
    the scoring form gives criteria of its own (`assessors`), in a state that a
    transition requiring its sheet (`requires.sheets`) leaves — or anywhere, when
    no transition waits for it.
    """
    roles = [r.id for r in roles_of(actor, roleset) if "score" in r.can and in_scope(actor, r, dossier)]
    council = sittings.get(dossier.state)
    if council is not None:
        return next((r for r in (council.chair, *council.members) if r in roles), None)
    if workflow.is_terminal(dossier.state):
        return None
    return next((r for r in roles if r in assessors and _awaited_here(workflow, r, dossier.state)), None)


def _awaited_here(workflow: Workflow, role: str, state: str) -> bool:
    """An assessor scores where a transition waits for its sheet; never waited for, anywhere."""
    waiting = [t for t in workflow.transitions if role in t.requires.sheets]
    return not waiting or any(state in t.sources for t in waiting)


def may_score(
    actor: Actor,
    workflow: Workflow,
    roleset: RoleSet,
    dossier: DossierFacts,
    sittings: Mapping[str, Council],
    assessors: frozenset[str],
) -> Decision:
    """May the actor save a score sheet on this dossier now?

    The `score` permission in scope (and duties) first, then the sitting
    (`scoring_role`): refused with `sitting`, naming where the actor's council sits.
    """
    decision = may(actor, "score", roleset, dossier, workflow=workflow)
    if not decision:
        return decision
    if scoring_role(actor, workflow, roleset, dossier, sittings, assessors) is not None:
        return OK
    mine = {r.id for r in roles_of(actor, roleset) if in_scope(actor, r, dossier)}
    where = [
        workflow.states[sid].label
        for sid, council in sittings.items()
        if sid in workflow.states and mine & set(council.roles)
    ]
    if where:
        return _deny("sitting", say("refusal.sitting_where", states=where))
    return _deny("sitting", say("refusal.sitting"))


def _is_producer_member(actor: Actor, dossier: DossierFacts) -> bool:
    return actor.organisation is not None and actor.organisation == dossier.producer_org


def may_fire(
    actor: Actor,
    workflow: Workflow,
    roleset: RoleSet,
    dossier: DossierFacts,
    transition: Transition,
    *,
    context: FireContext | None = None,
) -> Decision:
    """May the actor fire `transition` on this dossier now?

    Checked in this order, the first failure decides: scope, state, role, the
    `fire` permission, separation of duties, required forms / evidence /
    assessors' sheets / final scores, the guard, then the comment.
    """
    ctx = context or FireContext()
    roles = [r for r in roles_of(actor, roleset) if in_scope(actor, r, dossier)]
    if not roles:
        return _deny("scope", say("refusal.scope"))
    if dossier.state not in transition.sources:
        return _deny("state", say("refusal.state", action=transition.label))
    roles = [r for r in roles if r.id in transition.roles]
    if not roles:
        return _deny("role", say("refusal.role", action=transition.label))
    if not any("fire" in r.can for r in roles):
        return _deny("permission", say("refusal.fire"))
    duty = _duty_check(actor, workflow, dossier, transition)
    if duty is not None:
        return duty
    missing = _requirements(transition, ctx)
    if missing is not None:
        return missing
    try:
        passed = truthy(transition.guard, ctx.guard_context)
    except ExpressionError as exc:
        return _deny("guard", say("refusal.guard_error", problem=exc.message))
    if not passed:
        return Decision(False, "guard", transition.guard_message or say("refusal.guard"))
    return _comment_check(transition, ctx)


def _duty_check(
    actor: Actor, workflow: Workflow, dossier: DossierFacts, transition: Transition
) -> Decision | None:
    for duty in workflow.duties:
        if duty.rule == "different_actor" and transition.id in duty.transitions:
            for other in duty.transitions:
                if other != transition.id and actor.id in dossier.fired.get(other, frozenset()):
                    return _duty_denial(duty, say("refusal.duty_done", other=other))
            if "score" in duty.actions and actor.id in dossier.scorers:
                return _duty_denial(duty, say("refusal.duty_scored"))
    duties = _member_duties(workflow, "fire", transition.id) if _is_producer_member(actor, dossier) else []
    if duties:
        return _duty_denial(duties[0], say("refusal.member_step"))
    return None


def _label(ctx: FireContext, key: str, fallback: str | None = None) -> Text:
    return ctx.labels.get(key) or Text(fallback or key)


def unmet_requirements(transition: Transition, ctx: FireContext) -> tuple[Decision, ...]:
    """Every requirement of `transition` the dossier does not meet yet, each a refusal with its reason.

    `may_fire` refuses with the first; a checklist lists them all (forms, evidence, the
    assessors' sheets, the council's final result, in that order).
    """
    needs = transition.requires
    out = [
        _deny(f"form:{form_id}", say("refusal.form", form=_label(ctx, form_id)))
        for form_id in needs.forms
        if form_id not in ctx.complete_forms
    ]
    out += [
        _deny(f"evidence:{doc}", say("refusal.evidence", document=_label(ctx, doc)))
        for doc in needs.evidence
        if doc not in ctx.evidence
    ]
    out += [
        _deny(f"sheet:{role}", say("refusal.sheet", role=_label(ctx, f"sheet:{role}", role)))
        for role in needs.sheets
        if role not in ctx.final_sheets
    ]
    if needs.scores and not ctx.scores_final:
        out.append(_deny("scores", say("refusal.scores")))
    return tuple(out)


def _requirements(transition: Transition, ctx: FireContext) -> Decision | None:
    unmet = unmet_requirements(transition, ctx)
    return unmet[0] if unmet else None


def _comment_check(transition: Transition, ctx: FireContext) -> Decision:
    if not ctx.check_comment:
        return OK
    problem = text_problem(ctx.comment, MAX_LENGTH["comment"])
    if problem is not None:  # a comment enters the audit chain for good: it is capped before
        return _deny("comment_text", problem)
    given = bool(ctx.comment and ctx.comment.strip())
    if transition.comment == "required" and not given:
        return _deny("comment", say("refusal.comment_required"))
    if transition.comment == "none" and given:
        return _deny("comment", say("refusal.comment_none"))
    return OK
