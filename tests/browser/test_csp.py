"""The strict Content-Security-Policy holds in a real browser: Chromium loads the pages of the demo
(`ocopflow init-db` + `ocopflow demo`) as its people and logs no violation, while the pages' own
scripts (web/static/*.js) still run — the scoring sheet's live total moves when an option is picked."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from engine.cli import main
from tests.browser.conftest import SCREENSHOTS
from web import create_app
from web.config import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PORT = int(os.environ.get("OCOPFLOW_BROWSER_PORT", "0"))  # 0: any free port
# Reported in the page itself, for every violation whatever the console says about it.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
                + ' at ' + e.sourceFile + ':' + e.lineNumber));
"""
PAGES = {
    "producer1": ["/work", "/dossiers", "/dossiers/new", "{dossier}", "/c/"],
    "commune1": ["/work", "/dossiers", "{dossier}", "{score}"],
    "council1": ["/work", "{score}"],
    "chair": ["{council}"],
    "auditor": ["/admin/audit", "{dossier}"],
    "admin": ["/admin/definitions", "{definition}", "/admin/users"],
}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("csp")
    url = f"sqlite:///{folder / 'demo.db'}"
    previous = os.environ.get("OCOPFLOW_INSTANCE_DIR")
    os.environ["OCOPFLOW_INSTANCE_DIR"] = str(folder / "instance")
    try:
        assert main(["init-db", "--database-url", url]) == 0
        assert main(["demo", "--database-url", url]) == 0
    finally:
        if previous is None:
            os.environ.pop("OCOPFLOW_INSTANCE_DIR", None)
        else:
            os.environ["OCOPFLOW_INSTANCE_DIR"] = previous
    app = create_app(
        {
            "ENV": "test",
            "SECRET_KEY": "csp-test-secret",
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(folder / "instance"),
            "DEFINITIONS_PATHS": [str(PROJECT_ROOT / "workflows"), str(PROJECT_ROOT / "forms")],
        }
    )
    http = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)
        app.extensions["ocopflow"].database.engine.dispose()


class Window:
    def __init__(self, chromium: Any, base: str, username: str, width: int = 1280) -> None:
        self.context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.messages: list[str] = []
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.goto(base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo")
        self.page.click("[data-testid=login]")
        self.page.wait_for_load_state()

    def links(self, pattern: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        return [h for h in hrefs if re.fullmatch(pattern, h)]

    def violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "CSP violation" in m]


def _resolve(window: Window, path: str) -> str | None:
    """The first page of a kind the person's own lists offer ({dossier}, {score}, …)."""
    if not path.startswith("{"):
        return path
    if path == "{definition}":
        window.page.goto(window.base + "/admin/definitions")
        workflows = window.page.locator("tr:has(td:text-is('workflow')) a[href^='/admin/definitions/']")
        return workflows.first.get_attribute("href") if workflows.count() else None  # with its diagram
    window.page.goto(window.base + "/dossiers")
    dossiers = window.links(r"/dossiers/\d+")
    suffix = {"{dossier}": "", "{score}": "/score", "{council}": "/council"}[path]
    for dossier in dossiers[:12]:
        window.page.goto(window.base + dossier)
        if not suffix:
            return dossier
        if window.links(re.escape(dossier + suffix)):
            return dossier + suffix
    return None


@pytest.mark.parametrize("username", sorted(PAGES))
def test_no_page_of_the_demo_logs_a_csp_violation(chromium: Any, demo_server: str, username: str) -> None:
    window = Window(chromium, demo_server, username)
    seen = []
    try:
        for path in PAGES[username]:
            target = _resolve(window, path)
            assert target is not None, f"{username} is offered no {path}"
            response = window.page.goto(demo_server + target)
            assert response is not None and response.status == 200, target
            window.page.wait_for_load_state("networkidle")
            seen.append(target)
            name = re.sub(r"[^a-z0-9]+", "-", f"{username}{target}".lower()).strip("-")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            window.page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=False)
        assert window.violations() == [], seen
    finally:
        window.context.close()


def test_the_pages_scripts_still_run_under_the_policy(chromium: Any, demo_server: str) -> None:
    window = Window(chromium, demo_server, "council1", width=390)
    try:
        window.page.goto(demo_server + "/work")  # the dossiers awaiting council1's own sheet
        candidates = [d + "/score" for d in window.links(r"/dossiers/\d+")] + window.links(
            r"/dossiers/\d+/score"
        )
        editable = None
        for sheet in candidates[:12]:
            window.page.goto(demo_server + sheet)
            if window.page.locator("[data-testid=save-draft]").count():
                editable = sheet
                break
        assert editable is not None, "council1 has no score sheet to fill"
        before = window.page.inner_text("#live-answered")
        option = window.page.locator(
            ".criterion .options input[type=radio]:not(:checked):not(:disabled)"
        ).first
        option.check()
        window.page.wait_for_function(f"document.querySelector('#live-answered').textContent !== '{before}'")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.page.screenshot(path=str(SCREENSHOTS / "csp-scoring-phone.png"), full_page=False)
        assert window.violations() == []
    finally:
        window.context.close()
