"""Whole lifecycles through the service, on the shipped definitions of both regimes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from engine.definitions.model import Duty
from engine.errors import InvalidForm, PermissionDenied, TransitionNotAllowed
from engine.service.base import Loaded
from engine.service.scenario import answers_for_stars

# Filing dates inside each regime's effective period: 148/2023, 1489/2025 (from 6 July 2025), 26/2026.
REGIMES = {
    "ocop-2023": dt.date(2025, 3, 3),
    "ocop-2025": dt.date(2025, 9, 1),
    "ocop-2026": dt.date(2026, 7, 1),
}


def test_a_2026_dossier_goes_from_idea_to_a_certificate_step_by_step(
    service, people, driver, open_dossier, clock
):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    assert (dossier.workflow_id, dossier.state) == ("ocop-2026", "idea")
    producer, commune = people["producer1"], people["commune1"]

    def fire(actor: str, transition: str, comment: str | None = None):  # type: ignore[no-untyped-def]
        clock.advance(1)
        return service.fire(people[actor], dossier.id, transition, comment=comment)

    fire("producer1", "submit_plan")
    fire("commune1", "accept_plan")
    assert fire("producer1", "product_ready").state == "preparing"
    driver.fill_form(dossier.id, "ocop-2026-mau-01")
    driver.fill_form(dossier.id, "ocop-2026-mau-02")
    submitted = fire("producer1", "submit")
    assert submitted.state == "commune_check"
    assert submitted.product_code == "80-25708-001-2026"
    assert [c.name for c in submitted.clocks] == ["commune_review"]
    driver.fill_form(dossier.id, "ocop-2026-mau-03")
    # Art. 7.2a–b: the commune assesses its criteria before it forwards (requires.sheets).
    with pytest.raises(TransitionNotAllowed) as refused:
        fire("commune1", "commune_forward")
    assert refused.value.reason == "sheet:commune_officer"
    assert "Commune officer" in refused.value.message
    form = service.definitions_for(commune, dossier.id).scoring_form
    assert form is not None
    own = {c.id: c.options[-1].id for c in form.assessed_by("commune_officer")}
    first = sorted(own)[0]
    with pytest.raises(InvalidForm) as incomplete:  # a final sheet answers every criterion of its role
        service.save_score_sheet(commune, dossier.id, {first: own[first]}, final=True)
    assert set(incomplete.value.problems) == set(own) - {first}
    service.save_score_sheet(commune, dossier.id, own, final=False)  # every criterion, not final
    with pytest.raises(TransitionNotAllowed):
        fire("commune1", "commune_forward")
    saved = service.save_score_sheet(commune, dossier.id, own, final=True)
    assert (saved["role"], saved["state"]) == ("commune_officer", "commune_check")
    assert fire("commune1", "commune_forward").state == "province_intake"
    fire("province1", "province_accept")
    fire("advisory1", "advisory_forward")
    with pytest.raises(TransitionNotAllowed) as refused:
        fire("chair", "council_propose")
    assert refused.value.reason == "scores"
    assert driver.score(dossier.id, 4) == 6  # five members and the chair
    result = service.council_result(commune, dossier.id)
    assert (result.stars, result.final) == (4, True)
    assert fire("chair", "council_propose").stars == 4
    with pytest.raises(TransitionNotAllowed) as unnumbered:
        fire("province_chair", "province_recognise")
    assert unnumbered.value.reason == "form:ocop-2026-quyet-dinh"  # the decision needs its number and date
    decision = {"decision_number": "1234/QĐ-UBND", "decision_date": "2026-09-01"}
    service.save_form(people["province_chair"], dossier.id, "ocop-2026-quyet-dinh", decision)
    certified = fire("province_chair", "province_recognise")

    assert certified.state == "certified"
    certificate = certified.certificate
    assert certificate is not None
    assert (certificate.stars, certificate.status) == (4, "valid")
    assert certificate.expires_on == dt.date(
        certificate.issued_on.year + 3, certificate.issued_on.month, certificate.issued_on.day
    )
    assert certificate.reevaluation_opens == certificate.expires_on - dt.timedelta(days=180)
    assert service.certificate_by_number(certificate.number).product_code == "80-25708-001-2026"
    assert service.history(producer, dossier.id)[-1].to_state == "certified"
    assert service.verify_audit().ok


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_each_regime_runs_a_first_registration_to_a_certificate(service, driver, open_dossier, workflow_id):
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    assert dossier.workflow_id == workflow_id
    done = driver.walk(dossier.id, ["certified"], stars=4)
    assert done.state == "certified"
    assert done.certificate is not None and done.certificate.stars == 4
    assert service.verify_audit().ok


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_a_dossier_returned_for_supplementation_is_resubmitted_and_certified(
    service, people, driver, open_dossier, workflow_id
):
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    returned = driver.walk(dossier.id, ["returned"])
    assert returned.state == "returned"
    assert all(c.paused_on is not None for c in returned.clocks)
    done = driver.walk(dossier.id, ["commune_check", "certified"], stars=3)
    assert done.state == "certified" and done.stars == 3
    transitions = [e.action for e in service.history(people["producer1"], dossier.id)]
    assert transitions.count("fire") >= 10


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_an_excluded_product_is_rejected_and_gets_no_certificate(service, driver, open_dossier, workflow_id):
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    scoring_state = "district_council" if workflow_id == "ocop-2023" else "council_scoring"
    driver.walk(dossier.id, [scoring_state])
    done = driver.walk(dossier.id, ["rejected"], excluded=True)
    assert done.state == "rejected" and done.terminal
    assert done.certificate is None


@pytest.mark.parametrize("workflow_id", sorted(REGIMES))
def test_a_certificate_is_revoked_and_the_public_lookup_says_so(service, driver, open_dossier, workflow_id):
    dossier = open_dossier(filed_on=REGIMES[workflow_id])
    number = driver.walk(dossier.id, ["certified"], stars=3).certificate.number
    done = driver.walk(dossier.id, ["revoked"], stars=3)
    assert done.state == "revoked"
    public = service.certificate_by_number(number)
    assert public.status == "revoked"
    assert public.revoked_on is not None


def test_a_re_evaluation_filed_in_its_window_replaces_the_old_certificate(
    service, people, driver, open_dossier, clock
):
    first = open_dossier(filed_on=dt.date(2026, 6, 1))
    old = driver.walk(first.id, ["certified"], stars=4).certificate
    assert old is not None and old.reevaluation_opens is not None
    filed = old.reevaluation_opens + dt.timedelta(days=10)
    again = open_dossier(filed_on=filed, kind="reevaluation", renews_certificate=old.number)
    assert again.stars == 4  # carried from the certificate it renews
    done = driver.walk(again.id, ["certified"], stars=5)
    assert done.certificate is not None and done.certificate.number != old.number
    assert service.certificate_by_number(old.number).status == "superseded"
    assert service.certificate_by_number(done.certificate.number).status == "valid"


def test_a_re_evaluation_outside_its_window_is_refused(service, driver, open_dossier):
    first = open_dossier(filed_on=dt.date(2026, 6, 1))
    old = driver.walk(first.id, ["certified"], stars=4).certificate
    from engine.errors import InvalidForm

    with pytest.raises(InvalidForm) as refused:
        open_dossier(
            filed_on=old.issued_on + dt.timedelta(days=30), kind="reevaluation", renews_certificate=old.number
        )
    assert "filed_on" in refused.value.problems


def test_the_producer_cannot_recognise_its_own_product(service, people, driver, open_dossier):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["chair_decision"], stars=4)
    with pytest.raises(PermissionDenied) as refused:
        service.fire(people["producer1"], dossier.id, "province_recognise")
    assert refused.value.reason == "role"


def test_whoever_proposed_the_recognition_may_not_decide_it(service, people, driver, open_dossier):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    service.seed_user(people["admin"], "both", "demo", ["council_chair", "province_chair"], area="80")
    both = service.actor_for_username("both")
    driver.walk(dossier.id, ["council_scoring"], stars=4)
    driver.score(dossier.id, 4)
    service.fire(both, dossier.id, "council_propose")
    with pytest.raises(PermissionDenied) as refused:
        service.fire(both, dossier.id, "province_recognise")
    assert refused.value.reason == "duty:proposer-not-recogniser"


def test_whoever_saved_a_score_sheet_may_not_fire_a_sheet_duty_transition(
    service, people, driver, open_dossier, monkeypatch
):
    """A different_actor duty with `actions: [score]` reads the dossier's score sheets when fired."""
    duty = Duty(
        "scorer-not-proposer", "different_actor", transitions=("council_propose",), actions=("score",)
    )
    pinned_workflow = Loaded.workflow.fget
    assert pinned_workflow is not None
    monkeypatch.setattr(
        Loaded, "workflow",
        property(lambda self: dataclasses.replace(pinned_workflow(self), duties=(duty,))),
    )  # fmt: skip
    for username in ("scorer", "other"):
        service.seed_user(people["admin"], username, "demo", ["council_chair"], area="80")
    scorer, other = service.actor_for_username("scorer"), service.actor_for_username("other")
    dossiers = [open_dossier(filed_on=dt.date(2026, 7, 1)) for _ in range(2)]
    for dossier in dossiers:
        driver.walk(dossier.id, ["council_scoring"], stars=4)
        driver.score(dossier.id, 4)
    form = service.definitions_for(scorer, dossiers[0].id).scoring_form
    answers, flags = answers_for_stars(form, 4)
    service.save_score_sheet(scorer, dossiers[0].id, answers, flags, final=True)
    with pytest.raises(PermissionDenied) as refused:
        service.fire(scorer, dossiers[0].id, "council_propose")
    assert refused.value.reason == "duty:scorer-not-proposer"
    assert service.fire(other, dossiers[0].id, "council_propose").state != "council_scoring"
    assert (
        service.fire(scorer, dossiers[1].id, "council_propose").state != "council_scoring"
    )  # no sheet there


def test_a_regime_without_a_re_evaluation_window_does_not_bind_the_filing_date(service, driver, open_dossier):
    first = open_dossier(filed_on=REGIMES["ocop-2025"])
    old = driver.walk(first.id, ["certified"], stars=4).certificate
    assert old is not None and old.reevaluation_opens is None
    again = open_dossier(
        filed_on=old.issued_on + dt.timedelta(days=30), kind="reevaluation", renews_certificate=old.number
    )
    assert (again.workflow_id, again.stars) == ("ocop-2025", 4)
