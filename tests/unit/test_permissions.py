from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from engine.definitions.model import Duty, Requirements, Role, RoleSet, State, Text, Transition, Workflow
from engine.expressions import Namespace
from engine.permissions import Actor, DossierFacts, FireContext, may, may_fire, visible

ROLES = RoleSet(
    id="roles",
    roles={
        r.id: r
        for r in (
            Role(
                "producer",
                Text("Chủ thể"),
                "own",
                frozenset({"view", "edit_forms", "upload_evidence", "fire"}),
            ),
            Role("commune_officer", Text("Cán bộ xã"), "commune", frozenset({"view", "fire", "score"})),
            Role("province_officer", Text("Cán bộ tỉnh"), "province", frozenset({"view", "fire"})),
            Role("council_member", Text("Thành viên HĐ"), "province", frozenset({"view", "score"})),
            Role("chair", Text("Chủ tịch HĐ"), "province", frozenset({"view", "score", "chair", "fire"})),
            Role("observer", Text("Quan sát"), "province", frozenset({"view"})),
            Role("auditor", Text("Kiểm toán"), "central", frozenset({"view", "audit"})),
            Role("admin", Text("Quản trị"), "system", frozenset({"administer", "view"})),
            Role("citizen", Text("Người dân"), "public", frozenset({"view"})),
        )
    },
)

T = Transition
TRANSITIONS = (
    T(
        "submit",
        Text("Nộp hồ sơ", "Submit"),
        ("draft",),
        "commune_check",
        ("producer",),
        requires=Requirements(forms=("mau-01",), evidence=("food_safety",)),
    ),
    T(
        "commune_forward",
        Text("Chuyển tỉnh", "Forward"),
        ("commune_check",),
        "province_review",
        ("commune_officer",),
    ),
    T(
        "commune_return",
        Text("Trả lại", "Return"),
        ("commune_check",),
        "draft",
        ("commune_officer",),
        comment="required",
    ),
    T(
        "province_approve",
        Text("Duyệt", "Approve"),
        ("province_review",),
        "council",
        ("province_officer", "chair", "commune_officer", "council_member"),
        comment="none",
    ),
    T(
        "certify",
        Text("Công nhận", "Certify"),
        ("council",),
        "certified",
        ("chair",),
        guard="score.stars >= 3",
        guard_message=Text("Sản phẩm chưa đạt 3 sao.", "The product has fewer than 3 stars."),
        requires=Requirements(scores=True),
    ),
    T("broken", Text("Lỗi", "Broken"), ("council",), "certified", ("chair",), guard="score.stars.nope > 1"),
)

WORKFLOW = Workflow(
    id="wf",
    version="1",
    title=Text("Quy trình"),
    legal_basis=Text("—"),
    effective_from=dt.date(2026, 1, 1),
    effective_until=None,
    roles="roles",
    units=None,
    forms=("mau-01",),
    scoring_regime=None,
    product_code="x",
    calendar="vn",
    certificate=None,
    clocks={},
    initial="draft",
    states={
        s: State(s, Text(s), 5, terminal=s == "certified")
        for s in ("draft", "commune_check", "province_review", "council", "certified")
    },
    transitions=TRANSITIONS,
    duties=(
        Duty("checker-not-approver", "different_actor", transitions=("commune_forward", "province_approve")),
        Duty(
            "no-self-scoring",
            "not_member_of_producer",
            actions=("score",),
            transitions=("certify",),
            message=Text("Không tự chấm điểm sản phẩm của mình.", "No scoring of your own product."),
        ),
    ),
)

PROVINCE, COMMUNE, PRODUCER = "27", "27001", "htx-a"


def actor(roles: str, area: str | None = None, org: str | None = None, uid: str = "u1") -> Actor:
    return Actor(uid, frozenset(roles.split()) if roles else frozenset(), area, org)


def dossier(state: str = "draft", fired: dict[str, frozenset[str]] | None = None) -> DossierFacts:
    return DossierFacts(
        "d1",
        state,
        PROVINCE,
        COMMUNE,
        PRODUCER,
        fired or {},
        areas_by_level={"province": PROVINCE, "commune": COMMUNE},
    )


@pytest.mark.parametrize(
    ("roles", "area", "org", "expected"),
    [
        ("producer", None, PRODUCER, True),
        ("producer", None, "htx-b", False),
        ("producer", None, None, False),
        ("commune_officer", COMMUNE, None, True),
        ("commune_officer", "27002", None, False),
        ("commune_officer", PROVINCE, None, False),  # a commune role does not see by province code
        ("province_officer", PROVINCE, None, True),
        ("province_officer", "01", None, False),
        ("province_officer", None, None, False),
        ("auditor", None, None, True),
        ("admin", None, None, True),
        ("citizen", None, None, False),
        ("", PROVINCE, PRODUCER, False),
        ("ghost_role", PROVINCE, None, False),  # a role the roles file does not define grants nothing
        ("citizen producer", None, PRODUCER, True),
    ],
)
def test_who_sees_a_dossier_follows_role_scope(
    roles: str, area: str | None, org: str | None, expected: bool
) -> None:
    assert visible(actor(roles, area, org), ROLES, dossier()) is expected


@pytest.mark.parametrize(
    ("roles", "area", "org", "permission", "reason"),
    [
        ("producer", None, PRODUCER, "edit_forms", "ok"),
        ("producer", None, PRODUCER, "score", "permission"),
        ("producer", None, "htx-b", "edit_forms", "scope"),
        ("council_member", PROVINCE, None, "score", "ok"),
        ("council_member", "01", None, "score", "scope"),
        ("council_member", PROVINCE, PRODUCER, "score", "duty:no-self-scoring"),
        ("council_member", PROVINCE, PRODUCER, "view", "ok"),
        ("observer", PROVINCE, None, "score", "permission"),
        ("chair", PROVINCE, None, "chair", "ok"),
        ("council_member", PROVINCE, None, "chair", "permission"),
        ("auditor", None, None, "audit", "ok"),
        ("auditor", None, None, "administer", "permission"),
        ("admin", None, None, "administer", "ok"),
        ("citizen", None, None, "view", "scope"),
        ("", None, None, "view", "role"),
        # a permission counts only from a role whose scope covers the dossier
        ("producer council_member", "01", PRODUCER, "score", "permission"),
    ],
)
def test_may_use_a_permission_truth_table(
    roles: str, area: str | None, org: str | None, permission: str, reason: str
) -> None:
    decision = may(actor(roles, area, org), permission, ROLES, dossier("council"), workflow=WORKFLOW)
    assert (decision.allowed, decision.reason) == (reason == "ok", reason)
    assert bool(decision) is decision.allowed
    if not decision.allowed:
        assert decision.message is not None and decision.message.vi and decision.message.en


def test_without_a_dossier_only_role_and_permission_count() -> None:
    assert may(actor("admin"), "administer", ROLES, None).allowed
    assert may(actor("producer", org=PRODUCER), "administer", ROLES, None).reason == "permission"


def test_a_duty_message_from_the_workflow_is_what_the_actor_reads() -> None:
    decision = may(actor("council_member", PROVINCE, PRODUCER), "score", ROLES, dossier(), workflow=WORKFLOW)
    assert decision.message == Text(
        "Không tự chấm điểm sản phẩm của mình.", "No scoring of your own product."
    )


ALL_MET = FireContext(
    complete_forms=frozenset({"mau-01"}),
    evidence=frozenset({"food_safety"}),
    scores_final=True,
    guard_context={"score": Namespace({"stars": 4})},
    comment="Đồng ý",
)


def ctx(**changes: Any) -> FireContext:
    base = {k: getattr(ALL_MET, k) for k in ALL_MET.__dataclass_fields__}
    base.update(changes)
    return FireContext(**base)


COMMUNE_OFFICER = ("commune_officer", COMMUNE, None)
PROVINCE_OFFICER = ("province_officer", PROVINCE, None)
CHAIR = ("chair", PROVINCE, None)
FIRED_FORWARD = {"commune_forward": frozenset({"u1"})}


@pytest.mark.parametrize(
    ("who", "state", "transition", "fired", "context", "reason"),
    [
        # scope comes first: an actor who cannot see the dossier learns nothing else
        (("producer", None, "htx-b"), "draft", "submit", {}, ALL_MET, "scope"),
        (("province_officer", "01", None), "commune_check", "submit", {}, ALL_MET, "scope"),
        # state
        (("producer", None, PRODUCER), "draft", "submit", {}, ALL_MET, "ok"),
        (("producer", None, PRODUCER), "council", "submit", {}, ALL_MET, "state"),
        (COMMUNE_OFFICER, "draft", "commune_forward", {}, ALL_MET, "state"),
        # role
        (("producer", None, PRODUCER), "commune_check", "commune_forward", {}, ALL_MET, "role"),
        (("council_member", PROVINCE, None), "council", "certify", {}, ALL_MET, "role"),
        (PROVINCE_OFFICER, "council", "certify", {}, ALL_MET, "role"),
        # permission: a role listed on a transition but without `fire` is refused
        (
            ("council_member", PROVINCE, None),
            "province_review",
            "province_approve",
            {},
            ALL_MET,
            "permission",
        ),
        (CHAIR, "province_review", "province_approve", {}, ctx(comment=None), "ok"),
        # separation of duties: different actor
        (
            COMMUNE_OFFICER,
            "commune_check",
            "commune_forward",
            FIRED_FORWARD,
            ALL_MET,
            "ok",
        ),  # same step again
        (
            ("commune_officer", COMMUNE, None),
            "province_review",
            "province_approve",
            FIRED_FORWARD,
            ctx(comment=None),
            "duty:checker-not-approver",
        ),
        (
            PROVINCE_OFFICER,
            "province_review",
            "province_approve",
            {"commune_forward": frozenset({"u9"})},
            ctx(comment=None),
            "ok",
        ),
        # not member of producer, by transition
        (("chair", PROVINCE, PRODUCER), "council", "certify", {}, ALL_MET, "duty:no-self-scoring"),
        # requirements
        (("producer", None, PRODUCER), "draft", "submit", {}, ctx(complete_forms=frozenset()), "form:mau-01"),
        (
            ("producer", None, PRODUCER),
            "draft",
            "submit",
            {},
            ctx(evidence=frozenset()),
            "evidence:food_safety",
        ),
        (CHAIR, "council", "certify", {}, ctx(scores_final=False), "scores"),
        # guard
        (CHAIR, "council", "certify", {}, ctx(guard_context={"score": Namespace({"stars": 2})}), "guard"),
        (CHAIR, "council", "broken", {}, ALL_MET, "guard"),
        (
            CHAIR,
            "council",
            "certify",
            {},
            ctx(guard_context={}),
            "guard",
        ),  # undefined name: refused, not raised
        # comment
        (COMMUNE_OFFICER, "commune_check", "commune_return", {}, ctx(comment="  "), "comment"),
        (
            COMMUNE_OFFICER,
            "commune_check",
            "commune_return",
            {},
            ctx(comment=None, check_comment=False),
            "ok",
        ),
        (COMMUNE_OFFICER, "commune_check", "commune_return", {}, ALL_MET, "ok"),
        (PROVINCE_OFFICER, "province_review", "province_approve", {}, ALL_MET, "comment"),  # comment: none
    ],
)
def test_may_fire_truth_table(
    who: tuple[str, str | None, str | None],
    state: str,
    transition: str,
    fired: dict[str, frozenset[str]],
    context: FireContext,
    reason: str,
) -> None:
    t = WORKFLOW.transition(transition)
    assert t is not None
    decision = may_fire(actor(*who), WORKFLOW, ROLES, dossier(state, fired), t, context=context)
    assert (decision.allowed, decision.reason) == (reason == "ok", reason)
    if not decision.allowed:
        assert decision.message is not None and decision.message.vi and decision.message.en


def test_whoever_saved_a_score_sheet_may_not_fire_a_sheet_duty_transition() -> None:
    """A different_actor duty with `actions: [score]`: the sheets count beside the fires."""
    duty = Duty("scorer-does-not-issue", "different_actor", transitions=("certify",), actions=("score",))
    workflow = dataclasses.replace(WORKFLOW, duties=(*WORKFLOW.duties, duty))
    t = workflow.transition("certify")
    assert t is not None
    chair = actor(*CHAIR)

    def fire(scorers: frozenset[str], wf: Workflow = workflow) -> tuple[bool, str]:
        facts = dataclasses.replace(dossier("council"), scorers=scorers)
        decision = may_fire(chair, wf, ROLES, facts, t, context=ALL_MET)
        return decision.allowed, decision.reason

    assert fire(frozenset({"u1"})) == (False, "duty:scorer-does-not-issue")
    assert fire(frozenset({"u2", "u3"})) == (True, "ok")
    assert fire(frozenset({"u1"}), WORKFLOW) == (True, "ok")  # without the duty a scorer may certify


def test_a_false_guard_shows_the_transitions_guard_message() -> None:
    t = WORKFLOW.transition("certify")
    assert t is not None
    low = ctx(guard_context={"score": Namespace({"stars": 2})})
    decision = may_fire(actor(*CHAIR), WORKFLOW, ROLES, dossier("council"), t, context=low)
    assert decision.message == t.guard_message


def test_a_guard_that_cannot_be_evaluated_says_why() -> None:
    t = WORKFLOW.transition("broken")
    assert t is not None
    decision = may_fire(actor(*CHAIR), WORKFLOW, ROLES, dossier("council"), t, context=ALL_MET)
    assert decision.message is not None and "nope" in decision.message.get("en")


def test_missing_requirements_are_named_with_their_labels() -> None:
    t = WORKFLOW.transition("submit")
    assert t is not None
    context = ctx(evidence=frozenset(), labels={"food_safety": Text("Giấy ATTP", "Food-safety certificate")})
    decision = may_fire(actor("producer", None, PRODUCER), WORKFLOW, ROLES, dossier(), t, context=context)
    assert decision.message is not None
    assert "Giấy ATTP" in decision.message.vi and "Food-safety certificate" in decision.message.get("en")


def test_without_a_context_nothing_that_needs_one_is_allowed() -> None:
    t = WORKFLOW.transition("submit")
    assert t is not None
    decision = may_fire(actor("producer", None, PRODUCER), WORKFLOW, ROLES, dossier(), t)
    assert decision.reason == "form:mau-01"
