"""The English of the 2026 scoring forms: every text a person reads has one, from the converter's
reviewed glossary (tools/annex2/glossary.yaml), rendering its terms the same way throughout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tools.annex2 import english

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "forms" / "ocop-2026" / "scoring").glob("set-*.yaml"))


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every {vi, en?} text of a definition, with where it is."""
    if isinstance(node, dict):
        if "vi" in node and set(node) <= {"vi", "en"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, f"{path}[{index}]")


def _shipped() -> list[tuple[str, str, dict[str, str]]]:
    yaml = YAML(typ="safe")
    return [
        (f.name, where, t) for f in FORMS for where, t in _texts(yaml.load(f.read_text(encoding="utf-8")))
    ]


def test_the_26_forms_are_there() -> None:
    assert len(FORMS) == 26


def test_every_text_of_the_2026_scoring_forms_reads_in_english() -> None:
    missing = [f"{name}: {where}: {t['vi'][:60]}" for name, where, t in _shipped() if not t.get("en")]
    assert missing == []


def test_every_glossary_label_is_used_by_a_shipped_form() -> None:
    used = {t["vi"] for _name, _where, t in _shipped()}
    assert sorted(set(english.glossary()) - used) == []


def test_the_glossary_lists_each_vietnamese_text_once() -> None:
    data = YAML(typ="safe").load(english.GLOSSARY.read_text(encoding="utf-8"))
    texts = [entry["vi"] for entry in data["labels"]]
    assert len(texts) == len(set(texts))
    assert all(entry["en"].strip() and entry["en"] != entry["vi"] for entry in data["labels"])


def _plain(text: str) -> str:
    return text.casefold().replace("-", " ")


@pytest.mark.parametrize("term", sorted(english.terms()))
def test_a_term_reads_the_same_in_every_label_that_holds_it(term: str) -> None:
    forms = english.terms()[term]
    off = [
        (vi, en)
        for vi, en in english.glossary().items()
        if _plain(term) in _plain(vi) and not any(_plain(f) in _plain(en) for f in forms)
    ]
    assert off == []


def test_the_converter_takes_a_missing_english_from_the_glossary() -> None:
    from tools.annex2.emit import text

    assert text("Bộ sản phẩm: Hoa")["en"] == "Product set: Flowers"
    assert "en" not in text("Một câu chưa có trong bảng thuật ngữ")
