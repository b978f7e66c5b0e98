"""Councils sit where the workflow says (`council:` on a state): who scores, who chairs, whose quorum.

Under 148/2023 a dossier is scored by the district, the provincial and the central
council in turn. The district and provincial roles share the scope `province`, so
only the declarations keep the councils apart.
"""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import PermissionDenied
from engine.permissions import Actor
from engine.service.scenario import answers_for_stars

FILED_UNDER_148 = dt.date(2025, 3, 3)


def _add(service, driver, people: dict[str, Actor], username: str, roles: list[str]) -> Actor:  # type: ignore[no-untyped-def]
    """A user of the province, in the driver's pool of people."""
    service.seed_user(people["admin"], username, "demo", roles, area="80")
    actor = service.actor_for_username(username)
    assert actor is not None
    driver.actors.append(actor)
    return actor


def _roles_in(service, actor: Actor, dossier_id: int, state: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["role"] for r in service.score_sheets(actor, dossier_id) if r["state"] == state}


def test_the_2023_district_provincial_and_central_councils_each_count_only_their_own_members(
    service, people, driver, open_dossier
):
    # The demo's council1-5 and chair sit on both the district and the provincial council.
    district_only = _add(service, driver, people, "huyen-only", ["district_council_member"])
    province_only = [_add(service, driver, people, f"tinh-only-{n}", ["council_member"]) for n in (1, 2)]
    dossier = open_dossier(filed_on=FILED_UNDER_148)
    assert dossier.workflow_id == "ocop-2023"
    viewer = people["province1"]

    at = driver.walk(dossier.id, ["district_council"], stars=5)
    assert at.state == "district_council"
    with pytest.raises(PermissionDenied) as refused:  # of the province, but not of this council
        service.save_score_sheet(
            province_only[0], dossier.id, answers_for_stars(driver_form(service, viewer, dossier.id), 5)[0]
        )
    assert refused.value.reason == "sitting"
    assert driver.score(dossier.id, 5) == 7  # council1-5, the chair, the district-only member
    district = service.council_result(viewer, dossier.id)
    assert (district.members, len(district.totals), district.final) == (7, 7, True)
    assert _roles_in(service, viewer, dossier.id, "district_council") == {
        "district_council_member",
        "district_council_chair",
    }

    at = driver.walk(dossier.id, ["council_scoring"], stars=5)
    before = service.council_result(viewer, dossier.id)  # the district's sheets do not count here
    assert (before.members, before.total, before.final) == (8, None, False)
    with pytest.raises(PermissionDenied) as refused:
        service.save_score_sheet(district_only, dossier.id, {})
    assert refused.value.reason == "sitting"
    assert driver.score(dossier.id, 5) == 8  # council1-5, the chair, two province-only members
    province = service.council_result(viewer, dossier.id)
    assert (province.members, len(province.totals), province.final) == (8, 8, True)
    assert _roles_in(service, viewer, dossier.id, "council_scoring") == {"council_member", "council_chair"}

    at = driver.walk(dossier.id, ["chair_decision"], stars=5)
    # No council sits at the chair's decision: the result is the last sitting's, the province's.
    assert service.council_result(viewer, dossier.id).members == 8

    at = driver.walk(dossier.id, ["central_council"], stars=5)
    assert service.council_result(viewer, dossier.id).members == 3  # council4, council5, central1
    assert driver.score(dossier.id, 5) == 3
    central = service.council_result(viewer, dossier.id)
    assert (central.members, central.chair_signed, central.final) == (3, True, True)
    # council4 also holds provincial and district member roles: here it sits as a central member.
    assert _roles_in(service, viewer, dossier.id, "central_council") == {
        "central_council_member",
        "central_council_chair",
    }

    at = driver.walk(dossier.id, ["certified"], stars=5)
    assert at.certificate is not None and at.certificate.stars == 5
    assert service.verify_audit().ok


def driver_form(service, viewer: Actor, dossier_id: int):  # type: ignore[no-untyped-def]
    form = service.definitions_for(viewer, dossier_id).scoring_form
    assert form is not None
    return form


def test_a_council_without_its_chair_is_not_final_when_the_form_requires_the_chair(
    service, people, driver, open_dossier
):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["council_scoring"], stars=4)
    answers, _ = answers_for_stars(driver_form(service, people["chair"], dossier.id), 4)
    for member in ("council1", "council2", "council3", "council4", "council5"):
        saved = service.save_score_sheet(people[member], dossier.id, answers, final=True)
        assert (saved["role"], saved["state"]) == ("council_member", "council_scoring")
    result = service.council_result(people["chair"], dossier.id)
    assert (result.members, result.quorum_met, result.chair_signed, result.final) == (6, False, False, False)
    signed = service.save_score_sheet(people["chair"], dossier.id, answers, final=True)
    assert signed["role"] == "council_chair"
    assert service.council_result(people["chair"], dossier.id).final


def test_the_commune_scores_its_own_criteria_but_not_in_the_council_and_not_after_it_forwarded(
    service, people, driver, open_dossier
):
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    commune = people["commune1"]
    driver.walk(dossier.id, ["province_intake"], stars=4)  # the driver had the commune score to forward
    sheets = service.score_sheets(commune, dossier.id)
    assert [(r["role"], r["state"], r["final"]) for r in sheets] == [
        ("commune_officer", "commune_check", True)
    ]
    with pytest.raises(PermissionDenied) as refused:
        service.save_score_sheet(commune, dossier.id, {}, final=True)
    assert refused.value.reason == "sitting"
    driver.walk(dossier.id, ["council_scoring"], stars=4)
    with pytest.raises(PermissionDenied) as refused:
        service.save_score_sheet(commune, dossier.id, {}, final=True)
    assert refused.value.reason == "sitting"
