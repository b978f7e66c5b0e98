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


@dataclass(frozen=True)
class Actor:
    id: str
    roles: frozenset[str]
    area: str | None = None  # commune or province code, by the role's scope
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


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    message: Text | None = None

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


def _deny(reason: str, vi: str, en: str) -> Decision:
    return Decision(False, reason, Text(vi, en))


def roles_of(actor: Actor, roleset: RoleSet) -> list[Role]:
    """The actor's roles that the roles file defines (unknown role names grant nothing)."""
    return [roleset.roles[r] for r in sorted(actor.roles) if r in roleset.roles]


def in_scope(actor: Actor, role: Role, dossier: DossierFacts) -> bool:
    scope = role.scope
    if scope in ("central", "system"):
        return True
    if scope == "own":
        return actor.organisation is not None and actor.organisation == dossier.producer_org
    if scope == "commune":
        return actor.area is not None and actor.area == dossier.commune_code
    if scope == "province":
        return actor.area is not None and actor.area == dossier.province_code
    return False  # public, and anything unknown


def visible(actor: Actor, roleset: RoleSet, dossier: DossierFacts) -> bool:
    return any(in_scope(actor, role, dossier) for role in roles_of(actor, roleset))


# The permissions a `not_member_of_producer` duty's `actions` can withhold: the ones checked here
# against a dossier with its workflow. view, chair, audit and administer never are (validate: E232).
MEMBER_DUTY_ACTIONS = ("edit_forms", "upload_evidence", "score", "fire")


def _member_duties(workflow: Workflow | None, action: str, transition: str | None = None) -> list[Duty]:
    if workflow is None:
        return []
    return [
        d
        for d in workflow.duties
        if d.rule == "not_member_of_producer"
        and (action in d.actions or (transition is not None and transition in d.transitions))
    ]


def _duty_denial(duty: Duty, vi: str, en: str) -> Decision:
    return Decision(False, f"duty:{duty.id}", duty.message or Text(vi, en))


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
        return _deny("role", "Bạn chưa được giao vai trò nào.", "You have no role.")
    if dossier is not None:
        roles = [r for r in roles if in_scope(actor, r, dossier)]
        if not roles:
            return _deny("scope", "Hồ sơ ngoài phạm vi của bạn.", "This dossier is outside your area.")
    if not any(permission in r.can for r in roles):
        return _deny(
            "permission",
            f"Vai trò của bạn không có quyền '{permission}'.",
            f"Your roles do not have the '{permission}' permission.",
        )
    duties = _member_duties(workflow, permission) if dossier and _is_producer_member(actor, dossier) else []
    if duties:
        return _duty_denial(
            duties[0],
            "Thành viên của chủ thể không được thực hiện việc này với hồ sơ của chủ thể.",
            "A member of the producer may not do this on the producer's dossier.",
        )
    return OK


def editable_in_state(workflow: Workflow, state: str, form: Form) -> Decision:
    """May `form` be edited while a dossier is in `state` (the workflow's `editable_forms`)?"""
    if form.id in workflow.editable_forms_in(state):
        return OK
    label = workflow.states[state].label if state in workflow.states else Text(state)
    where = [s.label for s in workflow.leaves() if form.id in workflow.editable_forms_in(s.id)]
    vi = f"Biểu mẫu '{form.title.vi}' không được sửa khi hồ sơ ở trạng thái '{label.vi}'."
    en = f"The form '{form.title.get('en')}' cannot be edited while the dossier is '{label.get('en')}'."
    if where:
        vi += " Biểu mẫu được sửa khi hồ sơ ở: " + ", ".join(t.vi for t in where) + "."
        en += " It can be edited while the dossier is: " + ", ".join(t.get("en") for t in where) + "."
    return _deny("form_state", vi, en)


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
        return _deny(
            "role",
            f"Vai trò của bạn không được sửa biểu mẫu '{form.title.vi}'.",
            f"Your roles may not edit the form '{form.title.get('en')}'.",
        )
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
            return _deny(
                "form_state",
                "Hồ sơ đã kết thúc; không tải thêm minh chứng được.",
                "The dossier is closed; no more evidence can be attached.",
            )
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
    vi = "Bạn không chấm điểm hồ sơ ở bước này."
    en = "You do not score the dossier at this step."
    if where:
        vi += " Hội đồng của bạn chấm khi hồ sơ ở: " + ", ".join(t.vi for t in where) + "."
        en += " Your council scores while the dossier is: " + ", ".join(t.get("en") for t in where) + "."
    return _deny("sitting", vi, en)


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
        return _deny("scope", "Hồ sơ ngoài phạm vi của bạn.", "This dossier is outside your area.")
    if dossier.state not in transition.sources:
        return _deny(
            "state",
            f"Không thể '{transition.label.vi}' khi hồ sơ ở trạng thái hiện tại.",
            f"'{transition.label.get('en')}' is not possible in the dossier's current state.",
        )
    roles = [r for r in roles if r.id in transition.roles]
    if not roles:
        return _deny(
            "role",
            f"Vai trò của bạn không được '{transition.label.vi}'.",
            f"Your roles may not '{transition.label.get('en')}'.",
        )
    if not any("fire" in r.can for r in roles):
        return _deny(
            "permission",
            "Vai trò của bạn không có quyền chuyển bước hồ sơ.",
            "Your roles may not move dossiers on.",
        )
    duty = _duty_check(actor, workflow, dossier, transition)
    if duty is not None:
        return duty
    missing = _requirements(transition, ctx)
    if missing is not None:
        return missing
    try:
        passed = truthy(transition.guard, ctx.guard_context)
    except ExpressionError as exc:
        return _deny(
            "guard",
            f"Không kiểm tra được điều kiện: {exc.message}",
            f"The condition could not be checked: {exc.message}",
        )
    if not passed:
        return Decision(
            False,
            "guard",
            transition.guard_message
            or Text(
                "Hồ sơ chưa đáp ứng điều kiện của bước này.",
                "The dossier does not meet this step's condition.",
            ),
        )
    return _comment_check(transition, ctx)


def _duty_check(
    actor: Actor, workflow: Workflow, dossier: DossierFacts, transition: Transition
) -> Decision | None:
    for duty in workflow.duties:
        if duty.rule == "different_actor" and transition.id in duty.transitions:
            for other in duty.transitions:
                if other != transition.id and actor.id in dossier.fired.get(other, frozenset()):
                    return _duty_denial(
                        duty,
                        f"Bạn đã thực hiện bước '{other}' trên hồ sơ này; bước này phải do người khác làm.",
                        f"You already did '{other}' on this dossier; someone else must do this step.",
                    )
    duties = _member_duties(workflow, "fire", transition.id) if _is_producer_member(actor, dossier) else []
    if duties:
        return _duty_denial(
            duties[0],
            "Thành viên của chủ thể không được thực hiện bước này với hồ sơ của chủ thể.",
            "A member of the producer may not do this step on the producer's dossier.",
        )
    return None


def _label(ctx: FireContext, key: str, lang: str) -> str:
    text = ctx.labels.get(key)
    return text.get(lang) if text is not None else key


def _sheet_label(ctx: FireContext, role: str, lang: str) -> str:
    text = ctx.labels.get(f"sheet:{role}")
    return text.get(lang) if text is not None else role


def _requirements(transition: Transition, ctx: FireContext) -> Decision | None:
    needs = transition.requires
    for form_id in needs.forms:
        if form_id not in ctx.complete_forms:
            return _deny(
                f"form:{form_id}",
                f"Biểu mẫu '{_label(ctx, form_id, 'vi')}' chưa được điền đầy đủ.",
                f"The form '{_label(ctx, form_id, 'en')}' is not complete.",
            )
    for doc in needs.evidence:
        if doc not in ctx.evidence:
            return _deny(
                f"evidence:{doc}",
                f"Thiếu tài liệu minh chứng '{_label(ctx, doc, 'vi')}'.",
                f"The evidence '{_label(ctx, doc, 'en')}' is missing.",
            )
    for role in needs.sheets:
        if role not in ctx.final_sheets:
            return _deny(
                f"sheet:{role}",
                f"Phiếu chấm của '{_sheet_label(ctx, role, 'vi')}' chưa có, chưa đủ tiêu chí hoặc chưa chính thức.",
                f"The score sheet of '{_sheet_label(ctx, role, 'en')}' is missing, incomplete or not final.",
            )
    if needs.scores and not ctx.scores_final:
        return _deny(
            "scores",
            "Kết quả chấm điểm của Hội đồng chưa có hoặc chưa chính thức.",
            "The council's scoring result is missing or not final.",
        )
    return None


def _comment_check(transition: Transition, ctx: FireContext) -> Decision:
    if not ctx.check_comment:
        return OK
    given = bool(ctx.comment and ctx.comment.strip())
    if transition.comment == "required" and not given:
        return _deny("comment", "Bước này cần ghi ý kiến.", "This step needs a comment.")
    if transition.comment == "none" and given:
        return _deny("comment", "Bước này không nhận ý kiến.", "This step takes no comment.")
    return OK
