"""My work: what waits for the actor — a transition to fire, or a score sheet to hand in."""

from __future__ import annotations

import datetime as dt

from engine import scoring


def ids(snapshots) -> set[int]:  # type: ignore[no-untyped-def]
    return {s.id for s in snapshots}


def test_a_council_member_finds_the_dossiers_awaiting_their_sheet_until_it_is_final(
    service, people, driver, open_dossier
):  # type: ignore[no-untyped-def]
    member = people["council1"]
    waiting = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(waiting.id, ["council_scoring"])
    earlier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(earlier.id, ["advisory_review"])  # the council does not sit yet

    work = ids(service.my_work(member))
    assert waiting.id in work and earlier.id not in work

    form = service.definitions_for(member, waiting.id).scoring_form
    answers = scoring.lowest_answers(form)
    service.save_score_sheet(member, waiting.id, answers, final=False)
    assert waiting.id in ids(service.my_work(member))  # a draft is not handed in
    service.save_score_sheet(member, waiting.id, answers, final=True)
    assert waiting.id not in ids(service.my_work(member))


def test_the_commune_finds_a_dossier_awaiting_its_own_criteria(service, people, driver, open_dossier):  # type: ignore[no-untyped-def]
    commune = people["commune1"]
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    driver.walk(dossier.id, ["commune_check"])
    assert dossier.id in ids(service.my_work(commune))
    assert dossier.id not in ids(service.my_work(people["council1"]))


def test_a_certified_dossier_rests_off_the_provinces_work_list_though_revocation_stays_open(
    service, people, driver, open_dossier
):  # type: ignore[no-untyped-def]
    office = people["province1"]
    certified = open_dossier(filed_on=dt.date(2024, 3, 1))  # under 148/2023: no form to open a revocation
    driver.walk(certified.id, ["certified"])
    waiting = open_dossier(filed_on=dt.date(2024, 3, 1))
    driver.walk(waiting.id, ["province_intake"])
    actions = {a.id: a for a in service.available_actions(office, certified.id)}
    assert actions["open_revocation"].allowed  # still possible on the dossier page
    work = ids(service.my_work(office))
    assert waiting.id in work and certified.id not in work
