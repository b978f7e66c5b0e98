"""Browser tests: Debian's Chromium driven by Playwright against the app served in a thread.

Chromium is installed with apt when /usr/bin/chromium is missing; the tests are
skipped (with the reason) only when that is impossible. The app runs on a fresh
SQLite database with the demo people (`ocopflow demo`'s users, password `demo`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from web import create_app
from web.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SCREENSHOT_ATTEMPTS = 4
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _install_chromium() -> str | None:
    """None when Chromium is there (installed now if needed), else why it cannot be."""
    if Path(CHROMIUM).exists():
        return None
    apt = shutil.which("apt-get")
    if apt is None:
        return "apt-get is not available to install Debian's chromium"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "installing chromium with apt needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[-500:]}"
    return None if Path(CHROMIUM).exists() else "apt installed chromium but /usr/bin/chromium is missing"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    reason = _install_chromium()
    if reason:
        pytest.skip(f"no Chromium: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The app on 127.0.0.1 at a free port, a fresh database and the demo people."""
    from engine.commands.demo import seed_users

    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "ENV": "test",
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'browser.db'}",
            "INSTANCE_DIR": str(folder / "instance"),
            "DEFINITIONS_PATHS": [str(PROJECT_ROOT / "workflows"), str(PROJECT_ROOT / "forms")],
        }
    )
    seed_users(app.extensions["ocopflow"].service)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", app
    finally:
        http.shutdown()
        thread.join(timeout=10)
        app.extensions["ocopflow"].database.engine.dispose()


class Person:
    """One person at one browser window: signs in, clicks, and leaves screenshots behind."""

    def __init__(self, browser: Any, base: str, username: str, shots: list[str]) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.username = username
        self.shots = shots

    def sign_in(self, password: str = "demo") -> Person:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", self.username)
        self.page.fill("#password", password)
        self.page.click("[data-testid=login]")
        return self

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def shot(self, name: str, *, full_page: bool = False) -> None:
        """Leave a picture of the page for a person to look at.

        Headless Chromium now and then answers `Page.captureScreenshot` with
        "Unable to capture screenshot" when no frame has been composited yet (seen
        on the first launch after apt installed it, while fonts were cached). The
        picture is retried after two animation frames; if Chromium still cannot
        draw one, the journey goes on — the screenshots are for people, the
        assertions are what the test checks — and the gap is reported as a warning.
        """
        from playwright.sync_api import Error as PlaywrightError

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        filename = f"{len(self.shots) + 1:02d}-{name}.png"
        self.shots.append(filename)
        last: PlaywrightError | None = None
        for attempt in range(SCREENSHOT_ATTEMPTS):
            try:
                self.page.screenshot(path=str(SCREENSHOTS / filename), full_page=full_page)
                return
            except PlaywrightError as error:
                if "capture screenshot" not in str(error):
                    raise
                last = error
                self.page.evaluate(NEXT_FRAMES)
                self.page.wait_for_timeout(250 * (attempt + 1))
        warnings.warn(f"screenshot {filename} not taken: {last}", stacklevel=2)

    def act(self, transition: str, comment: str | None = None) -> None:
        action = self.page.locator(f"[data-testid=action-{transition}]")
        button = action.locator("button")
        if button.is_disabled():
            reason = action.locator(".reason").all_inner_texts()
            raise AssertionError(f"{self.username} may not {transition}: {reason}")
        if comment is not None:
            action.locator("textarea").fill(comment)
        action.locator("button").click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def shots() -> list[str]:
    return []


@pytest.fixture
def person(chromium: Any, server: tuple[str, Flask], shots: list[str]) -> Iterator[Any]:
    opened: list[Person] = []

    def open_as(username: str) -> Person:
        p = Person(chromium, server[0], username, shots).sign_in()
        opened.append(p)
        return p

    yield open_as
    for p in opened:
        p.close()
