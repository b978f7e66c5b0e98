"""A workflow from another domain — examples/craft-village, recognition of a craft village — runs
through the same JSON API and admin pages as OCOP with no code change: its own states, roles, form and
sheet. (tests/web/test_generality.py walks the same example through the dossier pages.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.definitions.loader import load_catalog
from tests.web._api_support import Api, assert_error_shape
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import make_app
from web.config import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "craft-village"
VILLAGE = "hoi-gom-bat-trang"
# username -> (roles, area, organisation); roles of examples/craft-village/roles.yaml
PEOPLE = {
    "admin": (["admin"], None, None),
    "lang1": (["village_representative"], "00583", VILLAGE),
    "xa1": (["commune_officer"], "00583", None),
    "so1": (["department_officer"], "01", None),
    "hd1": (["appraisal_member"], "01", None),
    "hd2": (["appraisal_member"], "01", None),
    "ct": (["appraisal_chair"], "01", None),
    "tinh": (["province_chair"], "01", None),
}
ANSWERS = {
    "village_name": "Làng gốm Bát Tràng",
    "commune": "00583",
    "trade": "gom_su",
    "households_total": 1200,
    "households_in_trade_percent": 10,
    "years_of_stable_production": 40,
    "traditional": False,
}


@pytest.fixture
def app(tmp_path: Path, empty_database_url: str) -> Any:
    """An app that knows only the example: nothing of OCOP is loaded."""
    result = load_catalog([EXAMPLE])
    assert result.ok, [p.format() for p in result.problems if p.severity == "error"]
    assert list(result.catalog.workflows) == ["craft-village"]
    application = make_app(tmp_path, result.catalog, empty_database_url)
    service = application.extensions["ocopflow"].service
    for username, (roles, area, organisation) in PEOPLE.items():
        service.seed_user(
            service.actor_for_username("admin"),
            username,
            PASSWORD,
            roles,
            area=area,
            organisation=organisation,
        )
    yield application
    application.extensions["ocopflow"].database.engine.dispose()


def _fire(api: Api, dossier_id: int, transition: str, user: str, comment: str | None = None) -> Any:
    return api.call(
        "POST", f"/dossiers/{dossier_id}/transitions/{transition}", user, json={"comment": comment}
    )


def test_a_craft_village_is_recognised_through_the_api(app: Flask) -> None:
    api = Api(app.test_client())
    opened = api.call(
        "POST",
        "/dossiers",
        "lang1",
        json={
            "product_name": "Làng gốm Bát Tràng",
            "product_set": "lang-nghe",
            "producer_org": VILLAGE,
            "commune_code": "00583",
            "workflow_id": "craft-village",
        },
    )
    assert opened.status_code == 201, opened.get_json()
    dossier = opened.get_json()
    ident = dossier["id"]
    assert (dossier["workflow_id"], dossier["state"], dossier["step"]) == ("craft-village", "application", 1)
    submit = {a["id"]: a for a in dossier["actions"]}["submit"]
    assert submit["allowed"] is False and submit["reason"]

    # the form of this domain, its own field names and checks
    bad = api.call(
        "PUT",
        f"/dossiers/{ident}/forms/craft-village-registration",
        "lang1",
        json={"answers": {**ANSWERS, "trade": "robots"}},
    )
    assert "trade" in assert_error_shape(bad, 422, "invalid_form")["details"]["problems"]
    service = app.extensions["ocopflow"].service
    village = service.actor_for_username("lang1")
    for document, name in (("household_list", "ho.pdf"), ("environment_papers", "moi-truong.pdf")):
        service.attach_evidence(village, ident, document, name, b"%PDF-1.4\n% example\n")
    saved = api.call(
        "PUT", f"/dossiers/{ident}/forms/craft-village-registration", "lang1", json={"answers": ANSWERS}
    )
    assert saved.status_code == 200, saved.get_json()

    # its own guard: at least 20% of households in the trade
    refused = _fire(api, ident, "submit", "lang1")
    error = assert_error_shape(refused, 422, "transition_not_allowed")
    assert error["details"]["reason"] == "guard" and "20%" in error["message"]
    api.call(
        "PUT",
        f"/dossiers/{ident}/forms/craft-village-registration",
        "lang1",
        json={"answers": {**ANSWERS, "households_in_trade_percent": 65}},
    )
    assert _fire(api, ident, "submit", "lang1").get_json()["state"] == "commune_review"

    # its own roles
    assert_error_shape(_fire(api, ident, "commune_forward", "so1"), 403, "permission_denied")
    assert _fire(api, ident, "commune_forward", "xa1").get_json()["state"] == "province_intake"
    assert _fire(api, ident, "department_accept", "so1").get_json()["state"] == "council_appraisal"

    # its own scoring sheet
    sheet = {"answers": {"households": "d", "stability": "d", "compliance": "c"}, "final": True}
    for member in ("hd1", "hd2", "ct"):
        scored = api.call("PUT", f"/dossiers/{ident}/scores/me", member, json=sheet)
        assert scored.status_code == 200, scored.get_json()
    assert_error_shape(api.call("PUT", f"/dossiers/{ident}/scores/me", "lang1", json=sheet), 403)
    proposed = _fire(api, ident, "council_propose", "ct")
    assert proposed.status_code == 200, proposed.get_json()
    assert proposed.get_json()["state"] == "chair_decision"
    done = _fire(api, ident, "recognise", "tinh")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["state"], done.get_json()["step"]) == ("recognised", 4)

    history = api.call("GET", f"/dossiers/{ident}/history", "xa1").get_json()["events"]
    fired = [e["to_state"] for e in history if e["action"] == "fire"]
    assert fired == ["commune_review", "province_intake", "council_appraisal", "chair_decision", "recognised"]


def test_the_craft_village_workflow_shows_on_the_pages(app: Flask) -> None:
    service = app.extensions["ocopflow"].service
    village = service.actor_for_username("lang1")
    dossier = service.open_dossier(
        village,
        product_name="Làng lụa",
        product_set="lang-nghe",
        producer_org=VILLAGE,
        commune_code="00583",
        workflow_id="craft-village",
    )
    officer = Browser(app.test_client())
    assert officer.login("xa1").status_code == 302
    page = officer.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Làng lụa" in page and "Lập hồ sơ đề nghị" in page  # the example's own state label

    admin = Browser(app.test_client())
    assert admin.login("admin").status_code == 302
    versions = service.definition_versions("workflow", "craft-village")
    diagram = admin.get(f"/admin/definitions/{versions[0].sha256}").get_data(as_text=True)
    for state in ("application", "commune_review", "council_appraisal", "recognised"):
        assert f'id="state.{state}"' in diagram
    assert 'id="t.withdraw_recognition.' in diagram
