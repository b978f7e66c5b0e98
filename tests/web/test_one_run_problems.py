"""A file with a structural problem in one part and semantic problems in others gets all of them
in one run, sorted by line, wherever it is checked: `ocopflow validate`, the admin upload (the
bundle check page) and start-up."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask

from engine.cli import main
from engine.definitions import loader
from tests.web.test_definition_governance import HOMESTAY, files, sign_in, upload
from web import create_app
from web.runtime import StartupError

# `certify` gets a wrong type (E112); `refuse` leads to a state that does not exist (E203), and a
# duty names a transition that does not exist (E215): semantic problems in other parts.
BROKEN = (
    (
        b'    roles: [inspection_lead]\n    guard: "not score',
        b'    roles: inspection_lead\n    guard: "not score',
    ),
    (b"to: refused", b"to: nowhere"),
)


def _broken(body: bytes) -> bytes:
    for old, new in BROKEN:
        assert old in body
        body = body.replace(old, new, 1)
    return body + b"duties:\n  - {id: two-people, rule: different_actor, transitions: [certify, refus]}\n"


def _lines(text: str, *needles: str) -> list[int]:
    lines = text.splitlines()
    return [next(i + 1 for i, line in enumerate(lines) if needle in line) for needle in needles]


@pytest.fixture
def broken_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "homestay"
    shutil.copytree(HOMESTAY, folder)
    path = folder / "homestay.yaml"
    path.write_bytes(_broken(path.read_bytes()))
    return folder


def _expected(folder: Path) -> list[tuple[int, str]]:
    text = (folder / "homestay.yaml").read_text("utf-8")
    refused, roles, nowhere, duty = _lines(
        text, "  refused:", "roles: inspection_lead", "to: nowhere", "transitions: [certify, refus]"
    )
    # E211: with `refuse` going nowhere, no step reaches `refused` (a true problem of the file)
    return [(refused, "E211"), (roles, "E112"), (nowhere, "E203"), (duty, "E215")]


def test_validate_reports_the_structural_and_the_semantic_problems_together(
    broken_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loader.clear_cache()
    status = main(["validate", str(broken_folder), "--lang", "en"])
    out = capsys.readouterr().out
    found = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"homestay\.yaml:(\d+):\d+: (E\d{3})", out)]
    assert status == 1 and found == _expected(broken_folder), out
    assert "Unknown state 'nowhere'" in out and "Unknown transition 'refus'" in out


def test_the_admin_upload_lists_them_all_at_their_lines(app: Flask, broken_folder: Path) -> None:
    chosen = [(n, _broken(b) if n == "homestay.yaml" else b) for n, b in files()]
    page = upload(sign_in(app, "admin"), chosen).get_data(as_text=True)
    shown = [
        (int(line), code)
        for line, code in re.findall(r'data-file="homestay.yaml" data-line="(\d+)">.*?(E\d{3})', page, re.S)
    ]
    assert shown == _expected(broken_folder)
    assert 'data-testid="activate"' not in page


def test_start_up_names_them_all(broken_folder: Path, tmp_path: Path, database_url: str) -> None:
    loader.clear_cache()
    with pytest.raises(StartupError) as refused:
        create_app({"ENV": "test", "SECRET_KEY": "k", "DATABASE_URL": database_url,
                    "INSTANCE_DIR": str(tmp_path / "instance"), "DEFINITIONS_PATHS": [str(broken_folder)]})  # fmt: skip
    message = str(refused.value)
    found = [
        (int(m.group(1)), m.group(2)) for m in re.finditer(r"homestay\.yaml:(\d+):\d+: (E\d{3})", message)
    ]
    assert found == _expected(broken_folder), message
