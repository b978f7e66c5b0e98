"""A real installation from the command line: the first administrator, a second one, a regime
installed from a zip and approved under four eyes, users onboarded and deactivated, a migration
previewed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from engine.cli import main

HOMESTAY = Path(__file__).resolve().parents[1] / "fixtures" / "homestay"


def run(database_url: str, *args: str, password: str | None = None, monkeypatch=None) -> int:  # type: ignore[no-untyped-def]
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main([*args, "--database-url", database_url])


def zipped(tmp_path: Path) -> Path:
    target = tmp_path / "homestay.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for f in sorted(HOMESTAY.iterdir()):
            archive.write(f, f"homestay/{f.name}")
    return target


def test_a_new_installation_is_set_up_from_the_command_line(database_url, tmp_path, capsys, monkeypatch):
    url = database_url
    assert (
        run(
            url,
            "users",
            "create",
            "boss",
            "--roles",
            "admin",
            "--password-stdin",
            password="s3cret-passphrase",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    # Once a user exists, creating another needs an administrator named by --as.
    assert (
        run(
            url,
            "users",
            "create",
            "boss2",
            "--roles",
            "admin",
            "--password-stdin",
            password="x1234-passphrase",
            monkeypatch=monkeypatch,
        )
        == 1
    )
    assert "--as USERNAME" in capsys.readouterr().err
    assert (
        run(
            url,
            "users",
            "create",
            "boss2",
            "--roles",
            "admin",
            "--password-stdin",
            "--as",
            "boss",
            password="x1234-passphrase",
            monkeypatch=monkeypatch,
        )
        == 0
    )

    assert run(url, "definitions", "install", str(zipped(tmp_path)), "--as", "boss") == 0
    out = capsys.readouterr().out
    bundle = out.split("proposed as bundle ")[1].split(":")[0]
    assert "proposed  workflow homestay 1" in out
    assert run(url, "definitions", "approve", bundle[:12], "--as", "boss") == 1
    assert "four eyes" in capsys.readouterr().err
    assert run(url, "definitions", "approve", bundle[:12], "--as", "boss2") == 0
    assert "approved by boss2" in capsys.readouterr().out

    # The regime's roles are known to the next process at once.
    assert (
        run(
            url,
            "users",
            "create",
            "owner1",
            "--roles",
            "owner",
            "--area",
            "00583",
            "--password-stdin",
            "--as",
            "boss",
            password="pw1234-passphrase",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert run(url, "users", "set-roles", "owner1", "--roles", "owner,commune_officer", "--as", "boss") == 0
    assert run(url, "users", "deactivate", "owner1", "--as", "boss") == 0
    capsys.readouterr()
    assert run(url, "users", "list", "--as", "boss") == 0
    assert "owner1  commune_officer, owner · 00583  (deactivated)" in capsys.readouterr().out

    plan = tmp_path / "plan.yaml"
    plan.write_text(
        'workflow: homestay\nfrom: "1"\nto: "1"\nstates:\n  application: nowhere\n', encoding="utf-8"
    )
    assert run(url, "migrate", str(plan), "--preview", "--as", "boss") == 1
    assert "plan.yaml:5:16: E703" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["definitions", "install", "nowhere.zip"], ["users", "list"]])
def test_commands_that_act_need_an_administrator(database_url, argv, capsys):
    assert main([*argv, "--database-url", database_url]) == 1
