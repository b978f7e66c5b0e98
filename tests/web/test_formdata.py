"""Posted text -> typed answers, and typed answers -> the text shown again."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from engine.definitions.model import Field, Form, Option, Section, Text
from web.formdata import parse_form, shown_value

FIELDS = (
    Field("name", "text", Text("Tên")),
    Field("story", "long_text", Text("Câu chuyện")),
    Field("count", "number", Text("Số lượng"), integer=True),
    Field("ratio", "number", Text("Tỉ lệ")),
    Field("day", "date", Text("Ngày")),
    Field("kind", "choice", Text("Loại"), options=(Option("a", Text("A")), Option("b", Text("B")))),
    Field("many", "multi_choice", Text("Nhiều"), options=(Option("x", Text("X")), Option("y", Text("Y")))),
    Field("ok", "yes_no", Text("Đồng ý")),
    Field("commune", "admin_unit", Text("Xã"), level="commune"),
    Field("paper", "evidence", Text("Giấy tờ"), document="paper"),
)
FORM = Form("f1", "1", Text("Biểu mẫu"), ("producer",), (Section("s", Text("Mục"), FIELDS),))


def post(**values: Any) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict()
    for key, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            data.add(f"f.f1.{key}", v)
    return data


@pytest.mark.parametrize(
    ("field", "typed", "answer"),
    [
        ("name", "  Mật ong  ", "Mật ong"),
        ("name", "   ", None),
        ("count", "12", 12),
        ("count", "12,0", 12),
        ("count", "1.200", 1200),  # Vietnamese thousands
        ("count", "twelve", "twelve"),  # kept as typed: the service names the error, the page shows it
        ("ratio", "2,5", 2.5),
        ("ratio", "2.5", "2.5"),  # not Vietnamese: kept as typed, the service says how to write it
        ("ratio", "1.200,5", 1200.5),
        ("ratio", "nan", "nan"),
        ("day", "2026-06-01", "2026-06-01"),
        ("day", "01/06/2026", "01/06/2026"),
        ("kind", "a", "a"),
        ("ok", "yes", True),
        ("ok", "no", False),
        ("ok", "", None),
        ("commune", "27001", "27001"),
    ],
)
def test_each_field_type_is_read_from_its_text(field: str, typed: str, answer: Any) -> None:
    assert parse_form(FORM, post(**{field: typed}))[field] == answer


def test_multi_choice_keeps_every_ticked_box() -> None:
    assert parse_form(FORM, post(many=["x", "y"]))["many"] == ["x", "y"]


def test_evidence_fields_are_not_typed_answers() -> None:
    assert "paper" not in parse_form(FORM, post(paper="anything"))


def test_unknown_posted_names_are_ignored() -> None:
    data = post(name="A")
    data.add("f.f1.not_a_field", "x")
    data.add("f.other.name", "y")
    assert parse_form(FORM, data)["name"] == "A"
    assert "not_a_field" not in parse_form(FORM, data)


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("ok", True, "yes"),
        ("ok", False, "no"),
        ("count", 3.0, "3"),
        ("count", 1200, "1.200"),
        ("ratio", 1200.5, "1.200,5"),
        ("many", ["x"], ["x"]),
        ("name", None, ""),
    ],
)
def test_saved_answers_are_shown_as_the_inputs_expect(field: str, value: Any, shown: Any) -> None:
    f = next(f for f in FIELDS if f.id == field)
    assert shown_value(f, value) == shown


def test_numbers_are_read_and_shown_in_english_the_english_way() -> None:
    assert parse_form(FORM, post(ratio="1,200.5"), "en")["ratio"] == 1200.5
    assert parse_form(FORM, post(ratio="1.200,5"), "en")["ratio"] == "1.200,5"
    ratio = next(f for f in FIELDS if f.id == "ratio")
    assert shown_value(ratio, 1200.5, "en") == "1,200.5"


def test_a_year_field_without_grouping_is_shown_as_a_year() -> None:
    year = Field("year", "number", Text("Năm"), integer=True, grouping=False)
    assert shown_value(year, 2026, "vi") == "2026"
