"""The service's message catalog: every code speaks both languages, and every raise site supplies
exactly the parameters its template uses (read from the source, so a site no test reaches counts too)."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.definitions.model import Text
from engine.errors import InvalidForm, NotFound, PermissionDenied
from engine.messages import CATALOG, Message, placeholders, say

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def say_calls() -> Iterator[tuple[str, int, ast.Call]]:
    """Every `say(...)` call in the engine: (file, line, call)."""
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say":
                yield f"{path.relative_to(ENGINE.parent)}", node.lineno, node


SITES = list(say_calls())


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_code_has_a_vietnamese_and_an_english_text_with_the_same_parameters(code: str) -> None:
    vi, en = CATALOG[code]
    assert vi.strip() and en.strip()
    assert vi != en, "the Vietnamese is a translation, not a copy"
    assert placeholders(vi) == placeholders(en)


def test_the_engine_raises_messages_from_the_catalog() -> None:
    assert len(SITES) > 60  # the scan sees the raise sites (forms, dossiers, accounts, registry, ...)


@pytest.mark.parametrize(("where", "line", "call"), SITES, ids=[f"{w}:{n}" for w, n, _ in SITES])
def test_every_raise_site_names_a_known_code_and_supplies_exactly_its_parameters(
    where: str, line: int, call: ast.Call
) -> None:
    assert call.args and isinstance(call.args[0], ast.Constant), "the code is a literal"
    code = call.args[0].value
    assert code in CATALOG, f"{where}:{line}: unknown code {code!r}"
    assert all(k.arg is not None for k in call.keywords), f"{where}:{line}: no **params"
    given = {k.arg for k in call.keywords}
    assert given == placeholders(CATALOG[code][0]), f"{where}:{line}: {code}"


def test_every_code_is_raised_somewhere() -> None:
    used = {call.args[0].value for _where, _line, call in SITES if call.args}
    assert set(CATALOG) - used == set()


@pytest.mark.parametrize(
    ("message", "vi", "en"),
    [
        (say("field.at_least", min=2026), "Phải từ 2026 trở lên.", "Must be at least 2026."),
        (say("field.at_most", max=2.5), "Phải không quá 2.5.", "Must be at most 2.5."),
        (
            say("field.on_or_after", day=dt.date(2026, 1, 1)),
            "Phải từ ngày 2026-01-01 trở đi.",
            "Must be on or after 2026-01-01.",
        ),
        (say("field.one_of", values=("a", "b")), "Phải là một trong: a, b.", "Must be one of: a, b."),
        (
            say("form.answers_do_not_fit", count=2, form=Text("Mẫu 01", "Form 01")),
            "2 câu trả lời không hợp với biểu mẫu Mẫu 01.",
            "2 answers do not fit the form Form 01.",
        ),
    ],
)
def test_parameters_are_shown_in_the_readers_language(message: Message, vi: str, en: str) -> None:
    assert (message.get("vi"), message.get("en")) == (vi, en)
    assert str(message) == en  # logs read English


def test_an_unknown_code_or_a_missing_parameter_fails_where_it_is_raised() -> None:
    with pytest.raises(KeyError, match="no message"):
        say("field.no_such_code")
    with pytest.raises(KeyError, match="needs min"):
        say("field.at_least")


def test_an_error_carries_both_languages_and_keeps_english_for_its_message() -> None:
    exc = NotFound(say("certificate.not_found", number="80-2026-0001"), number="80-2026-0001")
    assert exc.message == str(exc) == "Certificate '80-2026-0001' not found."
    assert exc.text.get("vi") == "Không có giấy chứng nhận số 80-2026-0001."
    assert exc.message_code == "certificate.not_found"
    assert exc.details == {"number": "80-2026-0001"}


def test_field_problems_are_codes_with_parameters() -> None:
    exc = InvalidForm(say("dossier.not_opened"), {"kind": say("field.one_of", values=["first"])})
    assert exc.problems["kind"].code == "field.one_of"
    assert exc.problems["kind"].get("vi") == "Phải là một trong: first."


def test_a_refusal_from_the_definitions_keeps_their_two_texts() -> None:
    exc = PermissionDenied(Text("Chỉ chủ hồ sơ", "Only the owner"), reason="role")
    assert exc.message == "Only the owner" and exc.text.get("vi") == "Chỉ chủ hồ sơ"
    assert exc.message_code is None
    legacy = PermissionDenied("Only the owner", reason="role", message_vi="Chỉ chủ hồ sơ")
    assert legacy.text.get("vi") == "Chỉ chủ hồ sơ" and "message_vi" not in legacy.details
