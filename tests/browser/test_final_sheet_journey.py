"""In Chromium, at a desktop's width and a phone's (390 px): a producer types Vietnamese numbers and
a wrong phone; a council member finds the unscored criteria from the jump list, is stopped on the
check-your-answers page while some are missing, then submits a final sheet; the chair reads what
the council still needs. Screenshots go to tests/browser/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.service.scenario import Driver
from tests.web.filling import answers_for_stars

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _driver(app: Flask) -> Driver:
    from engine.commands.demo import load_people

    service = app.extensions["ocopflow"].service
    actors = [service.actor_for_username(user[0]) for user in load_people().users]
    return Driver(service, [a for a in actors if a is not None])


def _open(app: Flask, state: str, name: str) -> int:
    """A demo producer's dossier of set 21 under the 2026 workflow, driven to `state` by the service."""
    from engine.commands.demo import load_people

    service = app.extensions["ocopflow"].service
    people = load_people()
    dossier = service.open_dossier(
        service.actor_for_username("producer1"),
        product_name=name,
        product_set="21",
        producer_org=people.organisations["producer1"],
        commune_code=people.communes["producer1"],
        workflow_id="ocop-2026",
    )
    assert _driver(app).walk(dossier.id, [state]).state == state
    return int(dossier.id)


def _resize(p: Any, size: str) -> None:
    p.page.set_viewport_size(SIZES[size])


def _settle(p: Any) -> None:
    p.page.wait_for_load_state("networkidle")
    p.page.wait_for_function("() => !document.querySelector('form[aria-busy=true]')")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_numbers_typed_the_vietnamese_way_and_a_wrong_phone(
    person: Any, server: tuple[str, Flask], size: str
) -> None:
    _, app = server
    dossier_id = _open(app, "preparing", f"Mật ong rừng U Minh {size}")
    producer = person("producer1")
    _resize(producer, size)
    producer.go(f"/dossiers/{dossier_id}")
    form = producer.page.locator('[id="form-ocop-2026-mau-02"]')
    revenue = form.locator('[name="f.ocop-2026-mau-02.revenue"]')
    if not revenue.is_visible():  # the form is folded until opened
        form.locator("summary").first.click()
    revenue.fill("1,200")  # 1200 in English, 1,2 in Vietnamese: refused, not guessed
    form.locator('[name="f.ocop-2026-mau-02.phone"]').fill("abc")
    form.locator("button[type=submit]").last.click()
    producer.page.wait_for_load_state()
    form = producer.page.locator('[id="form-ocop-2026-mau-02"]')
    assert "«1,200» có thể là 1200 hoặc 1,2" in form.locator('[data-testid="error-revenue"]').inner_text()
    assert "0912 345 678" in form.locator('[data-testid="error-phone"]').inner_text()
    form.locator('[data-field="revenue"]').scroll_into_view_if_needed()
    producer.shot(f"{size}-number-refused-with-hint")

    form.locator('[name="f.ocop-2026-mau-02.revenue"]').fill("1.200,5")
    form.locator('[name="f.ocop-2026-mau-02.phone"]').fill("0912 345 678")
    form.locator("button[type=submit]").last.click()
    producer.page.wait_for_load_state()
    service = app.extensions["ocopflow"].service
    saved = service.form_answers(service.actor_for_username("producer1"), dossier_id)["ocop-2026-mau-02"]
    assert saved["answers"]["revenue"] == 1200.5
    producer.go(f"/dossiers/{dossier_id}#form-ocop-2026-mau-02")
    shown = producer.page.locator('[name="f.ocop-2026-mau-02.revenue"]')
    if not shown.is_visible():
        producer.page.locator('[id="form-ocop-2026-mau-02"] summary').first.click()
    assert shown.input_value() == "1.200,5"
    assert "triệu đồng" in producer.page.locator('[data-field="revenue"]').inner_text()
    producer.page.locator('[data-field="revenue"]').scroll_into_view_if_needed()
    producer.shot(f"{size}-number-saved-and-shown-back")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_council_member_is_stopped_until_every_criterion_is_scored_then_submits(
    person: Any, server: tuple[str, Flask], size: str
) -> None:
    _, app = server
    dossier_id = _open(app, "council_scoring", f"Bánh tráng {size}")
    form = app.extensions["ocopflow"].catalog.scoring_form_for("ocop-2026", "21")
    answers = answers_for_stars(form, 4)
    member = person("council1")
    _resize(member, size)
    path = f"/dossiers/{dossier_id}"
    member.go(path + "/score")
    _settle(member)
    todo = member.page.locator("#todo-list a")
    total = todo.count()
    assert total > 10
    member.shot(f"{size}-score-jump-list")
    first = todo.nth(3)
    target = first.get_attribute("href")
    first.click()
    assert member.page.url.endswith(target)
    criterion = target.removeprefix("#c-")
    member.page.locator(f'input[name="c.{criterion}"][value="{answers[criterion]}"]').check()
    _settle(member)
    assert member.page.locator("#todo-list a").count() == total - 1  # the engine's list, after one answer
    assert "/ 100" in member.page.locator("#live-total").inner_text()
    member.shot(f"{size}-score-one-answered")

    member.page.click("[data-testid=save-final]")  # check and submit with criteria missing
    member.page.wait_for_load_state()
    summary = member.page.locator("[data-testid=error-summary]")
    assert f"còn {total - 1} tiêu chí chưa chấm" in summary.inner_text()
    assert member.page.locator("[data-testid=confirm-final]").count() == 0
    member.shot(f"{size}-check-page-stops-incomplete-sheet")
    summary.locator("a").first.click()
    member.page.wait_for_load_state()
    assert "/score#c-" in member.page.url

    for cid, oid in answers.items():
        radio = member.page.locator(f'input[name="c.{cid}"][value="{oid}"]')
        if radio.is_enabled():
            radio.check()
    _settle(member)
    assert member.page.locator("#todo-list a").count() == 0
    assert "★★★★" in member.page.locator("#live-stars").inner_text()
    member.page.click("[data-testid=save-final]")
    member.page.wait_for_load_state()
    assert "Sau khi nộp, bạn không sửa được phiếu này nữa." in member.page.inner_text("main")
    member.shot(f"{size}-check-your-answers", full_page=size == "desktop")
    member.page.click("[data-testid=confirm-final]")
    member.page.wait_for_load_state()
    assert "Đã nộp chính thức" in member.page.locator("[data-testid=server-result]").inner_text()
    assert member.page.locator("[data-testid=save-final]").count() == 0
    member.shot(f"{size}-sheet-final")

    chair = person("chair")
    _resize(chair, size)
    chair.go(path + "/council")
    nxt = chair.page.locator("[data-testid=council-next]").inner_text()
    assert "bạn cũng phải nộp phiếu chấm chính thức của mình" in nxt
    chair.shot(f"{size}-chair-council-page", full_page=True)
