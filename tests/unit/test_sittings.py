"""Councils declared on states, assessors' sheets a transition waits for: the pure decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from engine.definitions import councils, loader
from engine.definitions.model import (
    Council,
    Requirements,
    Role,
    RoleSet,
    State,
    Text,
    Transition,
    Workflow,
)
from engine.permissions import Actor, DossierFacts, FireContext, may_fire, may_score, scoring_role

ROOT = Path(__file__).resolve().parents[2]

ROLES = RoleSet(
    "roles",
    {
        r.id: r
        for r in (
            Role(
                "commune_officer",
                Text("Cán bộ xã", "Commune officer"),
                "commune",
                frozenset({"view", "fire", "score"}),
            ),
            Role("district_member", Text("TV HĐ huyện"), "province", frozenset({"view", "score"})),
            Role(
                "district_chair",
                Text("CT HĐ huyện"),
                "province",
                frozenset({"view", "score", "chair", "fire"}),
            ),
            Role("member", Text("TV HĐ tỉnh"), "province", frozenset({"view", "score"})),
            Role("chair", Text("CT HĐ tỉnh"), "province", frozenset({"view", "score", "chair", "fire"})),
            Role("officer", Text("Cán bộ tỉnh"), "province", frozenset({"view", "fire"})),
        )
    },
)
T = Transition
TRANSITIONS = (
    T(
        "forward",
        Text("Chuyển", "Forward"),
        ("commune_check",),
        "district_council",
        ("commune_officer",),
        requires=Requirements(evidence=("samples",), sheets=("commune_officer",)),
    ),
    T(
        "d_propose",
        Text("Đề xuất"),
        ("district_council",),
        "council",
        ("district_chair",),
        requires=Requirements(scores=True),
    ),
    T("propose", Text("Đề xuất"), ("council",), "decision", ("chair",), requires=Requirements(scores=True)),
    T(
        "recognise",
        Text("Công nhận"),
        ("decision",),
        "done",
        ("officer",),
        requires=Requirements(scores=True),
    ),
)
SITTINGS = {
    "district_council": Council(("district_member",), "district_chair"),
    "council": Council(("member",), "chair"),
}
WORKFLOW = Workflow(
    id="wf", version="1", title=Text("Quy trình"), legal_basis=Text("—"), effective_from=dt.date(2026, 1, 1),
    effective_until=None, roles="roles", units=None, forms=(), scoring_regime=None, product_code="x",
    calendar="vn", certificate=None, clocks={}, initial="commune_check",
    states={
        s: State(s, Text(s), 5, terminal=s == "done", council=SITTINGS.get(s))
        for s in ("commune_check", "district_council", "council", "decision", "done")
    },
    transitions=TRANSITIONS, duties=(),
)  # fmt: skip
ASSESSORS = frozenset({"commune_officer"})


def facts(state: str) -> DossierFacts:
    return DossierFacts("d1", state, "80", "80001", "htx-a")


def actor(*roles: str, area: str = "80") -> Actor:
    return Actor("u1", frozenset(roles), area)


@pytest.mark.parametrize(
    ("roles", "area", "state", "allowed", "recorded"),
    [
        (("district_member",), "80", "district_council", True, "district_member"),
        (("member",), "80", "district_council", False, None),  # same scope, another council
        (("district_member",), "80", "council", False, None),
        (("member", "chair"), "80", "council", True, "chair"),  # the chair's role first: it signs
        (("member", "district_member"), "80", "council", True, "member"),
        (("member",), "81", "council", False, None),  # scope: permission first
        (("chair",), "80", "decision", False, None),  # no council sits at the decision
        (("commune_officer",), "80001", "commune_check", True, "commune_officer"),  # awaited here
        (("commune_officer",), "80001", "decision", False, None),  # not awaited here
        (("commune_officer",), "80001", "council", False, None),
        (("officer",), "80", "council", False, None),  # no score permission
    ],
)
def test_who_scores_where_is_the_sitting_of_the_dossiers_state(
    roles: tuple[str, ...], area: str, state: str, allowed: bool, recorded: str | None
) -> None:
    who = actor(*roles, area=area)
    decision = may_score(who, WORKFLOW, ROLES, facts(state), SITTINGS, ASSESSORS)
    assert decision.allowed is allowed
    assert scoring_role(who, WORKFLOW, ROLES, facts(state), SITTINGS, ASSESSORS) == recorded


def test_a_refused_member_is_told_where_its_council_sits() -> None:
    decision = may_score(actor("member"), WORKFLOW, ROLES, facts("district_council"), SITTINGS, ASSESSORS)
    assert decision.reason == "sitting" and decision.message is not None
    assert decision.message.get("en").endswith("Your council scores while the dossier is: council.")
    assert "Hội đồng của bạn chấm khi hồ sơ ở: council." in decision.message.vi


def test_an_assessor_no_transition_waits_for_scores_in_any_open_state_without_a_council() -> None:
    unawaited = dataclasses.replace(WORKFLOW, transitions=TRANSITIONS[1:])
    commune = actor("commune_officer", area="80001")
    assert may_score(commune, unawaited, ROLES, facts("decision"), SITTINGS, ASSESSORS)
    assert not may_score(commune, unawaited, ROLES, facts("done"), SITTINGS, ASSESSORS)
    assert not may_score(commune, unawaited, ROLES, facts("council"), SITTINGS, ASSESSORS)


def _forward(ctx: FireContext) -> tuple[str, Text | None]:
    decision = may_fire(actor("commune_officer", area="80001"), WORKFLOW, ROLES, facts("commune_check"),
                        TRANSITIONS[0], context=ctx)  # fmt: skip
    return decision.reason, decision.message


def test_a_transition_waits_for_the_assessors_final_sheet_after_evidence_and_before_scores() -> None:
    labels = {"sheet:commune_officer": ROLES.roles["commune_officer"].label}
    assert _forward(FireContext(labels=labels))[0] == "evidence:samples"
    reason, message = _forward(FireContext(evidence=frozenset({"samples"}), labels=labels))
    assert reason == "sheet:commune_officer"
    assert message is not None
    assert message.get("en") == "The score sheet of 'Commune officer' is missing, incomplete or not final."
    assert message.vi == "Phiếu chấm của 'Cán bộ xã' chưa có, chưa đủ tiêu chí hoặc chưa chính thức."
    done = FireContext(evidence=frozenset({"samples"}), final_sheets=frozenset({"commune_officer"}))
    assert _forward(done)[0] == "ok"


def test_a_sheet_is_named_by_its_role_id_when_no_label_is_given() -> None:
    reason, message = _forward(FireContext(evidence=frozenset({"samples"})))
    assert reason == "sheet:commune_officer"
    assert message is not None and "'commune_officer'" in message.get("en")


def test_declared_councils_are_read_from_the_states_and_not_inherited() -> None:
    assert councils.sittings(WORKFLOW, ROLES, ASSESSORS) == SITTINGS
    assert WORKFLOW.states["decision"].council is None
    assert SITTINGS["council"].roles == ("member", "chair")


def test_an_undeclared_workflow_gets_the_old_inference_which_merges_councils_of_one_scope() -> None:
    bare = dataclasses.replace(
        WORKFLOW, states={s: dataclasses.replace(v, council=None) for s, v in WORKFLOW.states.items()}
    )
    inferred = councils.sittings(bare, ROLES, ASSESSORS)
    assert set(inferred) == {"district_council", "council"}  # not "decision": its decider does not score
    both = ("chair", "district_chair", "district_member", "member")
    assert inferred["district_council"] == Council(both, "district_chair")
    assert inferred["council"] == Council(both, "chair")


def test_the_shipped_2023_pack_without_its_declarations_warns_with_what_it_infers(tmp_path: Path) -> None:
    text = (ROOT / "workflows" / "ocop-2023.yaml").read_text("utf-8")
    # without its councils; the notices to a council then go to its members' role (E257 otherwise)
    bare = "\n".join(line for line in text.splitlines() if "council: {members:" not in line).replace(
        "notify: {council: without_sheet,", "notify: {roles: [council_member],"
    )
    draft = tmp_path / "ocop-2023.yaml"
    draft.write_text(bare, "utf-8")
    shipped = loader.load_catalog(
        [ROOT / "workflows" / "roles", ROOT / "workflows" / "units", ROOT / "forms" / "ocop-2023"]
    )
    result = loader.load_catalog([draft], lang="en", context=shipped.catalog)
    assert result.ok
    (warning,) = [p for p in result.problems if p.code == "W012"]
    assert "district_council (members: council_chair council_member district_council_chair" in warning.hint
