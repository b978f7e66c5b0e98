"""Which forms may be edited in which state (`editable_forms`): the pure decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from engine.definitions.model import Field, Form, Role, RoleSet, Section, State, Text, Workflow
from engine.permissions import Actor, DossierFacts, editable_in_state, may_edit_form, may_upload

ROLES = RoleSet(
    "roles",
    {
        r.id: r
        for r in (
            Role(
                "producer",
                Text("Chủ thể"),
                "own",
                frozenset({"view", "edit_forms", "upload_evidence", "fire"}),
            ),
            Role("commune_officer", Text("Cán bộ xã"), "commune", frozenset({"view", "edit_forms", "fire"})),
            Role("advisor", Text("Tổ tư vấn"), "province", frozenset({"view", "upload_evidence"})),
            Role("observer", Text("Quan sát"), "province", frozenset({"view"})),
        )
    },
)


def _form(form_id: str, title: Text, editors: tuple[str, ...], document: str | None = None) -> Form:
    fields = [Field("name", "text", Text("Tên"))]
    if document:
        fields.append(Field(document, "evidence", Text("Minh chứng"), document=document))
    return Form(form_id, "1", title, editors, (Section("s", Text("Mục"), tuple(fields)),))


MAU_01 = _form("mau-01", Text("Mẫu 01", "Form 01"), ("producer",), document="licence")
MAU_03 = _form("mau-03", Text("Mẫu 03", "Form 03"), ("commune_officer",))
FORMS = (MAU_01, MAU_03)

S = State
STATES = {
    s.id: s
    for s in (
        S("draft", Text("Nháp", "Draft"), 3, editable_forms=("mau-01",)),
        S(
            "evaluation",
            Text("Đánh giá", "Evaluation"),
            5,
            children=("check", "returned", "council"),
            editable_forms=(),
        ),
        S("check", Text("Xã kiểm tra", "Commune check"), 5, parent="evaluation", editable_forms=("mau-03",)),
        S("returned", Text("Trả lại", "Returned"), 5, parent="evaluation", editable_forms=("mau-01",)),
        S("council", Text("Hội đồng", "Council"), 5, parent="evaluation"),  # inherits () from evaluation
        S("appeal", Text("Khiếu nại", "Appeal"), 5),  # no list, none inherited: nothing
        S("certified", Text("Đã công nhận", "Certified"), 6, terminal=True),
        S("archived", Text("Lưu trữ", "Archived"), 6, terminal=True, editable_forms=("mau-03",)),
    )
}
WORKFLOW = Workflow(
    id="wf", version="1", title=Text("Quy trình"), legal_basis=Text("—"), effective_from=dt.date(2026, 1, 1),
    effective_until=None, roles="roles", units=None, forms=("mau-01", "mau-03"), scoring_regime=None,
    product_code="x", calendar="vn", certificate=None, clocks={}, initial="draft", states=STATES,
    transitions=(), duties=(),
)  # fmt: skip
LEGACY = dataclasses.replace(
    WORKFLOW, states={sid: dataclasses.replace(s, editable_forms=None) for sid, s in STATES.items()}
)

PRODUCER = Actor("p1", frozenset({"producer"}), None, "htx-a")
OTHER_PRODUCER = Actor("p2", frozenset({"producer"}), None, "htx-b")
COMMUNE = Actor("c1", frozenset({"commune_officer"}), "27001")
ADVISOR = Actor("a1", frozenset({"advisor"}), "27")
OBSERVER = Actor("o1", frozenset({"observer"}), "27")


def facts(state: str) -> DossierFacts:
    return DossierFacts("d1", state, "27", "27001", "htx-a")


@pytest.mark.parametrize(
    ("state", "editable"),
    [
        ("draft", ("mau-01",)),
        ("check", ("mau-03",)),
        ("returned", ("mau-01",)),
        ("council", ()),  # the composite's empty list is inherited
        ("appeal", ()),  # the workflow says where forms are edited; not here
        ("certified", ()),  # terminal and silent: read-only
        ("archived", ("mau-03",)),  # terminal, but it says so itself
        ("no-such-state", ()),
    ],
)
def test_a_state_edits_its_own_list_else_the_nearest_enclosing_one_else_nothing(
    state: str, editable: tuple[str, ...]
) -> None:
    assert WORKFLOW.editable_forms_in(state) == editable


@pytest.mark.parametrize(
    ("state", "editable"),
    [("draft", ("mau-01", "mau-03")), ("council", ("mau-01", "mau-03")), ("certified", ())],
)
def test_a_workflow_that_never_says_edits_every_form_in_every_state_that_is_not_terminal(
    state: str, editable: tuple[str, ...]
) -> None:
    assert not LEGACY.declares_editing
    assert LEGACY.editable_forms_in(state) == editable


@pytest.mark.parametrize(
    ("who", "form", "state", "allowed", "reason"),
    [
        (PRODUCER, MAU_01, "draft", True, "ok"),
        (PRODUCER, MAU_01, "returned", True, "ok"),
        (PRODUCER, MAU_01, "check", False, "form_state"),
        (PRODUCER, MAU_01, "council", False, "form_state"),
        (PRODUCER, MAU_01, "certified", False, "form_state"),
        (PRODUCER, MAU_03, "check", False, "role"),  # not the producer's form, whatever the state
        (OTHER_PRODUCER, MAU_01, "draft", False, "scope"),
        (COMMUNE, MAU_03, "check", True, "ok"),
        (COMMUNE, MAU_03, "returned", False, "form_state"),
        (COMMUNE, MAU_03, "archived", True, "ok"),
        (COMMUNE, MAU_01, "draft", False, "role"),
        (OBSERVER, MAU_03, "check", False, "permission"),
        (ADVISOR, MAU_01, "draft", False, "permission"),
    ],
)
def test_may_edit_form_truth_table(who: Actor, form: Form, state: str, allowed: bool, reason: str) -> None:
    decision = may_edit_form(who, WORKFLOW, ROLES, facts(state), form)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_a_refusal_by_state_names_the_states_where_the_form_is_edited() -> None:
    decision = editable_in_state(WORKFLOW, "council", MAU_01)
    assert decision.reason == "form_state" and decision.message is not None
    assert decision.message.vi == (
        "Biểu mẫu 'Mẫu 01' không được sửa khi hồ sơ ở trạng thái 'Hội đồng'. "
        "Biểu mẫu được sửa khi hồ sơ ở: Nháp, Trả lại."
    )
    assert decision.message.get("en") == (
        "The form 'Form 01' cannot be edited while the dossier is 'Council'. "
        "It can be edited while the dossier is: Draft, Returned."
    )


@pytest.mark.parametrize(
    ("who", "document", "state", "allowed", "reason"),
    [
        (PRODUCER, "licence", "draft", True, "ok"),  # fills Mẫu 01, editable now
        (PRODUCER, "licence", "council", False, "form_state"),
        (PRODUCER, "licence", "certified", False, "form_state"),
        (ADVISOR, "licence", "draft", False, "role"),  # may upload, but Mẫu 01 is not the advisor's
        (PRODUCER, "visit_report", "council", True, "ok"),  # no form collects it: any open state
        (ADVISOR, "visit_report", "council", True, "ok"),
        (PRODUCER, "visit_report", "certified", False, "form_state"),
        (COMMUNE, "visit_report", "check", False, "permission"),
    ],
)
def test_may_upload_follows_the_forms_the_document_fills(
    who: Actor, document: str, state: str, allowed: bool, reason: str
) -> None:
    decision = may_upload(who, WORKFLOW, ROLES, facts(state), document, FORMS)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_an_upload_refused_for_several_forms_gives_the_state_reason_over_the_role() -> None:
    second = _form("mau-02", Text("Mẫu 02", "Form 02"), ("commune_officer",), document="licence")
    decision = may_upload(PRODUCER, WORKFLOW, ROLES, facts("check"), "licence", (second, MAU_01))
    assert decision.reason == "form_state"
    assert decision.message is not None and "Mẫu 01" in decision.message.vi
