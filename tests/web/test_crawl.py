"""The newcomer's `make run`, crawled: the demo database (`ocopflow init-db` + `ocopflow demo`), then
every demo user follows every same-site link, static file and GET form the pages offer, in Vietnamese
(every page) and in English (a sample of each kind of page). No page may fail, no offered link may be
refused, every page has a title and every form posts to a route that takes its method."""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from engine.cli import main
from engine.commands.demo import load_people
from tests.web.client import CSRF_RE
from tests.web.conftest import make_app

PAGES_PER_USER = 400
# Requested a few times per user, not for every row that offers one: the files are the same kind.
SAMPLED = {"/evidence/": 2, "/admin/audit?": 6}


class Page(HTMLParser):
    """The links, static files and forms of one page, and its title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.forms: list[tuple[str, str]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and a.get("href"):
            self.assets.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "form":
            self.forms.append(((a.get("method") or "get").upper(), a.get("action") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def local(base: str, href: str) -> str | None:
    """The path (and query) of a same-site link, or None for another site, a fragment or a scheme."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin("http://localhost" + base, href))
    if parts.netloc != "localhost":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def demo_app(tmp_path: Path, empty_database_url: str, catalog: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """What `make run` serves: a fresh database, migrated, filled by `ocopflow demo`."""
    monkeypatch.setenv("OCOPFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    assert main(["init-db", "--database-url", empty_database_url]) == 0
    assert main(["demo", "--database-url", empty_database_url]) == 0
    # One test client follows every link from one address, far faster than a person scans stamps:
    # the public trace page's flood limit (tests/web/test_stamps.py) would answer it 429.
    app = make_app(tmp_path, catalog, empty_database_url, SCAN_MAX_PER_MINUTE=1_000_000)
    yield app
    app.extensions["ocopflow"].database.engine.dispose()


def sign_in(app: Flask, username: str, password: str, lang: str) -> FlaskClient:
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True))
    assert token, "no CSRF token on /login"
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token[1]}
    )
    assert response.status_code == 302, f"{username} cannot sign in"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    token = CSRF_RE.search(home)
    assert token, "no CSRF token on the home page"
    switched = client.post(f"/lang/{lang}", data={"csrf_token": token[1], "next": "/"})
    assert switched.status_code == 302
    return client


def has_route(app: Flask, path: str, method: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(path).path, method=method)
    except HTTPException:  # NotFound, MethodNotAllowed
        return False
    return True


def crawl(
    app: Flask, client: FlaskClient, who: str, per_kind: int | None = None, visited: set[str] | None = None
) -> tuple[int, list[str]]:
    """Breadth-first from the home page; returns the number of requests and the problems seen.

    With `per_kind`, at most that many pages of each kind (the path with its numbers blanked:
    /dossiers/N, /dossiers/N/score, ...) are requested."""
    problems: list[str] = []
    kinds: Counter[str] = Counter()
    queue: deque[str] = deque(["/"])
    came_from = {"/": "(home)"}
    assets: set[str] = set()
    sampled = dict.fromkeys(SAMPLED, 0)
    requests = 0
    while queue and requests < PAGES_PER_USER:
        url = queue.popleft()
        kind = next((k for k in SAMPLED if k in url), None)
        if kind is not None:
            sampled[kind] += 1
            if sampled[kind] > SAMPLED[kind]:
                continue
        if per_kind is not None:
            page_kind = re.sub(r"\d+", "N", urlsplit(url).path)
            kinds[page_kind] += 1
            if kinds[page_kind] > per_kind:
                continue
        requests += 1
        if visited is not None:
            visited.add(url)
        with client.get(url) as response:
            body = response.get_data(as_text=True) if response.content_type.startswith("text/html") else ""
        where = f"{who}: {url} (linked from {came_from[url]})"
        if response.status_code >= 400:
            problems.append(f"{where} answers {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = local(url, response.headers["Location"])
            if target and urlsplit(target).path == "/login":
                problems.append(f"{where} sends a signed-in user to the sign-in page")
            elif target and target not in came_from:
                came_from[target] = url
                queue.append(target)
            continue
        if not response.content_type.startswith("text/html"):
            continue
        page = Page()
        page.feed(body)
        if not page.title.strip():
            problems.append(f"{where} has no <title>")
        for src in page.assets:
            asset = local(url, src)
            if asset and asset not in assets:
                assets.add(asset)
                with client.get(asset) as answer:
                    status = answer.status_code
                if status != 200:
                    problems.append(f"{where}: its static file {asset} answers {status}")
        found = [local(url, href) for href in page.links]
        for method, action in page.forms:
            target = local(url, action or url)
            if target is None:
                continue
            if not has_route(app, target, method):
                problems.append(f"{where}: a form {method}s to {target}, which has no such route")
            elif method == "GET":
                found.append(target)
        for target in found:
            if target and not target.startswith("/logout") and target not in came_from:
                came_from[target] = url
                queue.append(target)
    return requests, problems


@pytest.mark.slow
def test_every_demo_user_can_follow_every_link_they_are_offered_in_both_languages(demo_app: Flask) -> None:
    people = load_people()
    seen: dict[tuple[Any, ...], str] = {}
    problems: list[str] = []
    crawled: dict[str, int] = {}
    visited: set[str] = set()
    for username, roles, area, organisation, _name in people.users:
        # Users with the same roles, area and organisation see the same pages (council1..3, council4..5).
        signature = (tuple(sorted(roles)), area, organisation)
        if signature in seen:
            continue
        seen[signature] = username
        for lang in demo_app.config["LANGUAGES"]:
            client = sign_in(demo_app, username, people.password, lang)
            # Every page in the default language; in the others a sample of each kind of page
            # (the links do not depend on the language, the texts do).
            per_kind = None if lang == demo_app.config["DEFAULT_LANGUAGE"] else 8
            requests, found = crawl(demo_app, client, f"{username}/{lang}", per_kind, visited)
            crawled[f"{username}/{lang}"] = requests
            problems.extend(found)
            page = client.get("/work").get_data(as_text=True)
            assert f'<html lang="{lang}">' in page, f"{username} switched to {lang} but the page is not"
    assert not problems, "\n".join(problems)
    # Every user reached more than the header: at least one dossier or an administration page.
    assert all(n > 5 for n in crawled.values()), crawled
    # The pages that ask before a destructive step and the orders of the work list were reached too.
    paths = {urlsplit(u).path for u in visited}
    for step in ("withdraw", "commune_reject", "province_reject"):
        assert any(p.endswith(f"/actions/{step}/confirm") for p in paths), step
    assert any(u.startswith("/work?sort=") for u in visited)
