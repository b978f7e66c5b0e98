"""The periodic report (engine/plan_report.py through service.plans.report and `ocopflow report`),
opened as a person would open it: openpyxl for the workbook, the csv module for the CSV. Data: the
hand-checked certificates of tests/unit/test_plans_service.py (Đức Phổ 2022 counts 1, 2, 3 and 7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from test_plans_service import INDICATOR, PLAN, seeded

from engine import plan_report
from engine.cli import main
from engine.errors import NotFound
from engine.permissions import Actor

__all__ = ["seeded"]
COMMUNES = ["21439", "21451", "21478", "21457", "21472"]


def _book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [
        r for r in sheet.iter_rows(min_row=plan_report.FIRST_ROW + 1, values_only=True) if r[0] is not None
    ]


def test_the_workbook_has_a_sheet_per_area_with_numbers_dates_and_vietnamese_headers(
    seeded: Any, make_actor: Callable[..., Actor]
) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    book = _book(plan_report.workbook(seeded.plans.report(officer, PLAN, None, "2022")))
    assert [s.title.split(" ", 1)[0] for s in book.worksheets] == ["51", *COMMUNES]
    first = book.worksheets[0]
    assert [c.value for c in first[plan_report.FIRST_ROW]] == list(plan_report.HEADERS)
    assert first["A8"].value == "STT" and first["D8"].value == "Mục tiêu" and first["E8"].value == "Thực hiện"
    assert (first["B5"].value, first["B6"].value) == (dt.datetime(2022, 1, 1), dt.datetime(2022, 12, 31))
    assert first["B5"].is_date and first["B7"].is_date and first["B4"].value == "2022"
    assert first.freeze_panes == "C9"
    assert first.auto_filter.ref == f"A8:G{8 + len(_rows(first))}"
    counted = next(r for r in _rows(first) if r[1].startswith("Sản phẩm được UBND tỉnh công nhận"))
    number, _label, unit, target, actual, share, note = counted
    assert (number, unit, target, actual) == (1, "sản phẩm", 3, 4)
    assert isinstance(actual, int | float) and isinstance(target, int | float)
    assert share == pytest.approx(4 / 3) and first.cell(row=9, column=6).number_format == "0.0%"
    assert note.startswith("Nguồn: 000_4e9d8022ea7856a1.txt dòng 39")
    # an indicator the data cannot count: an empty actual and a note saying so, not a zero
    uncounted = [r for r in _rows(first) if r[4] is None]
    assert uncounted and all(r[6].startswith("Không đếm được từ dữ liệu") for r in uncounted)


def test_every_figure_of_the_workbook_is_the_number_of_items_its_link_lists(
    seeded: Any, make_actor: Callable[..., Actor]
) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    for period in ("2022", "2022-Q3"):
        book = _book(plan_report.workbook(seeded.plans.report(officer, PLAN, None, period)))
        for sheet, code in zip(book.worksheets, ["51", *COMMUNES], strict=True):
            figure = _rows(sheet)[0][4]
            items = seeded.plans.items(officer, PLAN, INDICATOR, code, period)[1]
            assert figure == len(items), (period, code)
    q3 = _book(plan_report.workbook(seeded.plans.report(officer, PLAN, None, "2022-Q3")))
    assert [_rows(s)[0][4] for s in q3.worksheets] == [2, 1, 1, 0, 0, 0]


def test_a_period_without_data_is_a_report_of_zeros(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("tayninh", ["province_officer"], area="80")
    made = seeded.plans.report(officer, "tay-ninh-2025-2026", None, "2026-Q3")
    book = _book(plan_report.workbook(made))
    assert [r[4] for r in _rows(book.worksheets[0])] == [0, 0, 0]
    assert len(book.worksheets) == 1 + len(made.areas) and len(made.areas) > 1
    with pytest.raises(NotFound):
        seeded.plans.report(officer, PLAN)


def test_the_csv_has_a_line_per_area_and_indicator(seeded: Any, make_actor: Callable[..., Actor]) -> None:
    officer = make_actor("quangngai", ["province_officer"], area="51")
    text = plan_report.csv_text(seeded.plans.report(officer, PLAN, None, "2022"))
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0] == list(plan_report.CSV_HEADERS)
    per_area = len(seeded.plans.plan(officer, PLAN).indicators)
    assert len(lines) == 1 + 6 * per_area
    first = lines[1]
    assert first[:3] == ["51", first[1], "1"] and first[5:8] == ["3", "4", "133.3"]
    assert [line[6] for line in lines[1:] if line[2] == "1"] == ["4", "3", "1", "0", "0", "0"]


def test_the_command_writes_the_report_and_keeps_to_the_scope_it_is_given(
    seeded: Any, make_actor: Callable[..., Actor], database_url: str, tmp_path: Path, capsys: Any
) -> None:
    make_actor("ducpho", ["commune_officer"], area="21439")
    out = tmp_path / "bao-cao.xlsx"
    args = ["report", PLAN, "--period", "2022-Q3", "--area", "21439", "--database-url", database_url]
    assert main([*args, "--output", str(out)]) == 0
    assert f"{out}: " in capsys.readouterr().out
    assert _rows(_book(out.read_bytes()).worksheets[0])[0][4] == 1  # certificate 2, 1 July
    assert main([*args, "--format", "csv", "--output", str(tmp_path / "r.csv"), "--as", "ducpho"]) == 0
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[:3] == ["21439", (
        seeded.plans.area_names(["21439"])["21439"]), "1"]  # fmt: skip
    other = ["report", PLAN, "--area", "21451", "--as", "ducpho", "--database-url", database_url]
    assert main([*other, "--output", str(tmp_path / "x.xlsx")]) == 1
    assert "21451" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()
    assert main(["report", PLAN, "--period", "2023", "--database-url", database_url, "--output", "-"]) == 1
