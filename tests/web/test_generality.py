"""A workflow from another domain (craft-village recognition, examples/) runs through the same pages:
its own states, roles, form and scoring sheet, with no change of code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from engine.definitions.loader import load_catalog
from tests.web.client import PASSWORD, Browser
from tests.web.conftest import make_app
from tests.web.filling import PDF, answers_for_stars, evidence_types, form_post
from web.config import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "craft-village"
PEOPLE = {
    "admin": (["admin"], None, None),
    "village": (["village_representative"], "00583", "Làng gốm Bát Tràng"),
    "commune": (["commune_officer"], "00583", None),
    "department": (["department_officer"], "01", None),
    "member1": (["appraisal_member"], "01", None),
    "member2": (["appraisal_member"], "01", None),
    "member3": (["appraisal_member"], "01", None),
    "appraisal_chair": (["appraisal_chair"], "01", None),
    "governor": (["province_chair"], "01", None),
}


@pytest.fixture
def craft_app(tmp_path: Path, empty_database_url: str) -> Iterator[Flask]:
    result = load_catalog([EXAMPLE])
    assert result.ok, [p.format() for p in result.problems if p.severity == "error"]
    app = make_app(tmp_path, result.catalog, empty_database_url, DEFINITIONS_PATHS=[str(EXAMPLE)])
    service = app.extensions["ocopflow"].service
    admin = None
    for username, (roles, area, org) in PEOPLE.items():
        service.seed_user(admin, username, PASSWORD, roles, area=area, organisation=org)
        admin = admin or service.actor_for_username(username)
    yield app
    app.extensions["ocopflow"].database.engine.dispose()


def person(app: Flask, username: str) -> Browser:
    b = Browser(app.test_client())
    assert b.login(username).status_code == 302
    return b


def act(b: Browser, path: str, transition: str) -> None:
    response = b.post(f"{path}/actions/{transition}", {"comment": "Đồng ý"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def test_a_craft_village_is_recognised_through_the_same_pages(craft_app: Flask) -> None:
    catalog = craft_app.extensions["ocopflow"].catalog
    workflow = catalog.workflows["craft-village"]
    form = catalog.forms["craft-village-registration"]

    village = person(craft_app, "village")
    assert "Lập hồ sơ mới" in village.get("/work").get_data(as_text=True)
    response = village.post(
        "/dossiers/new",
        {"product_name": "Làng gốm Bát Tràng", "product_set": "lang-nghe", "commune_code": "00583"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    path = response.headers["Location"]
    page = village.get(path).get_data(as_text=True)
    assert workflow.states[workflow.initial].label.vi in page
    for document in evidence_types(form):
        response = village.post(
            f"{path}/evidence",
            {"document_type": document, "file": (__import__("io").BytesIO(PDF), f"{document}.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    units = {"commune": ["00583"], "province": ["01"]}
    body = form_post(
        form,
        units,
        {
            "households_total": "400",
            "households_in_trade_percent": "60",
            "years_of_stable_production": "5",
            "traditional": "no",
        },
    )
    response = village.post(f"{path}/forms/{form.id}", body)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    act(village, path, "submit")

    act(person(craft_app, "commune"), path, "commune_forward")
    act(person(craft_app, "department"), path, "department_accept")

    sheet = catalog.scoring_form_for("craft-village", "lang-nghe")
    answers = answers_for_stars(sheet, 2)
    for member in ("member1", "member2", "member3", "appraisal_chair"):
        b = person(craft_app, member)
        assert b.get(f"{path}/score").status_code == 200
        body = {f"c.{cid}": oid for cid, oid in answers.items()}
        body["final"] = "1"
        assert b.post(f"{path}/score", body).status_code == 302
        assert b.post(f"{path}/score/confirm", {}).status_code == 302

    chair = person(craft_app, "appraisal_chair")
    council = chair.get(f"{path}/council").get_data(as_text=True)
    assert "Kết quả chính thức" in council
    act(chair, path, "council_propose")
    governor = person(craft_app, "governor")
    act(governor, path, "recognise")
    page = governor.get(path).get_data(as_text=True)
    assert workflow.states["recognised"].label.vi in page
    assert "Làng nghề" in page or "làng nghề" in page.lower()
    english = person(craft_app, "village")
    english.post("/lang/en", {"next": path})
    assert workflow.states["recognised"].label.get("en") in english.get(path).get_data(as_text=True)
