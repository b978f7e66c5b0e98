"""`record_stars` on a knocked-out council result records the excluded result the scoring form
declares (no stars), never the stars the points alone would give nor an earlier rating; and no
certificate is issued on it. The homestay regime (tests/fixtures/homestay) with its `refuse` step
recording the result."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.errors import TransitionNotAllowed
from engine.storage import tables as t
from tests.integration.test_definition_store import bundle

REFUSE = ("    comment: required", "    comment: required\n    effects: [record_stars]")


@pytest.fixture
def people(service, admin, make_actor):  # type: ignore[no-untyped-def]
    files = bundle(**{"roles.yaml": ("four_eyes: true", "four_eyes: false"), "homestay.yaml": REFUSE})
    service.install_bundle(admin, files)
    return {
        "owner": make_actor("owner1", ["homestay-roles:owner"], area="00583", organisation="Nhà Gốm"),
        "desk": make_actor("desk1", ["homestay-roles:commune_officer"], area="00583"),
        "inspector": make_actor("insp1", ["homestay-roles:inspector"], area="01"),
        "lead": make_actor("lead1", ["homestay-roles:inspection_lead"], area="01"),
    }


def _scored(service, people, fire_safety: str) -> int:  # type: ignore[no-untyped-def]
    """A dossier in inspection with both final sheets: hygiene 'c' (50 points) each."""
    dossier = service.open_dossier(
        people["owner"], product_name="Nhà Gốm", product_set="homestay", producer_org="Nhà Gốm",
        commune_code="00583", workflow_id="homestay",
    )  # fmt: skip
    service.save_form(people["owner"], dossier.id, "homestay-application", {"name": "Nhà Gốm", "rooms": 4})
    service.fire(people["owner"], dossier.id, "submit")
    service.fire(people["desk"], dossier.id, "send_to_inspection")
    for who in ("inspector", "lead"):
        answers = {"fire_safety": fire_safety, "hygiene": "c"}
        service.save_score_sheet(people[who], dossier.id, answers, frozenset(), final=True)
    return int(dossier.id)


def test_a_knocked_out_result_is_recorded_with_no_stars(service, people, database) -> None:  # type: ignore[no-untyped-def]
    ident = _scored(service, people, "a")  # "Không có" fire safety: the knock-out option
    result = service.council_result(people["lead"], ident)
    assert result.knocked_out and result.stars is None and result.total == 50.0
    # an earlier rating on the dossier (a re-evaluation's) must not be taken for the result either
    with database.engine.begin() as conn:
        conn.execute(update(t.dossiers).where(t.dossiers.c.id == ident).values(stars=2))
    done = service.fire(people["lead"], ident, "refuse", comment="Không có phương tiện phòng cháy")
    assert done.state == "refused"
    assert done.stars is None
    event = service.history(people["lead"], ident)[-1]
    assert event.action == "fire" and event.to_state == "refused"
    with database.engine.connect() as conn:
        row = conn.execute(t.dossiers.select().where(t.dossiers.c.id == ident)).mappings().one()
    assert row["stars"] is None and row["score_total"] == 50.0


def test_a_result_that_is_not_excluded_still_records_its_stars(service, people) -> None:  # type: ignore[no-untyped-def]
    ident = _scored(service, people, "b")  # 30 + 50 = 80 points: 2 stars, the standard met
    done = service.fire(people["lead"], ident, "certify")
    assert done.state == "certified" and done.stars == 2


def test_no_certificate_is_issued_on_a_knocked_out_result(shipped_catalog) -> None:  # type: ignore[no-untyped-def]
    """Not even on the stars an earlier rating left on the dossier (as the fall-back once did)."""
    import datetime as dt

    from engine.service.effects import EffectContext, issue_certificate

    class Knocked:
        knocked_out, rejected, stars, total = True, False, None, 50.0

    now = dt.datetime(2026, 7, 1, 9, 0)
    ctx = EffectContext(
        None, shipped_catalog.workflows["ocop-2026"], {"id": 1, "stars": 4, "province_code": "01"}, {},  # type: ignore[arg-type]
        "chair", now.date(), now, lambda: Knocked(),
    )  # fmt: skip
    with pytest.raises(TransitionNotAllowed) as refused:
        issue_certificate(ctx, None)  # type: ignore[arg-type]
    assert "no certificate is issued" in str(refused.value) and refused.value.reason == "scores"
