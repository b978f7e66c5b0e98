"""No inline script or style in the pages: a strict Content-Security-Policy (script-src and
style-src 'self') would refuse them, so the look and the behaviour live in web/static/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from web.config import PROJECT_ROOT

TEMPLATES = sorted((PROJECT_ROOT / "web" / "templates").rglob("*.html"))
# A <script> with code in it: one without src, unless it is a JSON data block (never executed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_template_holds_inline_script_style_or_event_handlers(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [m.group(0) for pattern in (INLINE_SCRIPT, INLINE_STYLE, HANDLER) for m in pattern.finditer(text)]
    assert found == []


def _stored_workflow(app: Flask) -> Any:
    return next(v for v in app.extensions["ocopflow"].service.definition_versions("workflow"))


def test_the_diagram_on_the_page_and_the_download_hold_no_style_or_script(as_user: Any, app: Flask) -> None:
    version = _stored_workflow(app)
    admin = as_user("admin")
    page = admin.get(f"/admin/definitions/{version.sha256}").get_data(as_text=True)
    assert 'data-testid="diagram"' in page
    assert not INLINE_STYLE.search(page)
    svg = admin.get(f"/admin/definitions/{version.sha256}/diagram.svg").get_data(as_text=True)
    # Graphviz draws with presentation attributes (fill, stroke): a file on its own needs no stylesheet
    assert "<svg" in svg and "<style" not in svg and "<script" not in svg and 'fill="' in svg
