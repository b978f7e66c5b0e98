"""The periodic report of a plan, in the shape provinces send upward (issue 13): one row per
indicator with its target, actual, share and notes, a sheet for the area asked about and one for
each area under it; as an Excel workbook (openpyxl) and as CSV.

Pure: the figures come in a `PlanReport` the service counted (engine/service/plan_reports.py);
this module only lays them out. Numbers are numbers, dates are dates, headers are Vietnamese.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HEADERS = ("STT", "Chỉ tiêu", "Đơn vị tính", "Mục tiêu", "Thực hiện", "Tỷ lệ so với mục tiêu", "Ghi chú")
CSV_HEADERS = ("Mã địa bàn", "Địa bàn", *HEADERS[:5], "Tỷ lệ so với mục tiêu (%)", HEADERS[6])
WIDTHS = (6, 60, 14, 12, 12, 14, 60)
DATE_FORMAT = "DD/MM/YYYY"
NUMBER_FORMAT = "#,##0.##"
SHARE_FORMAT = "0.0%"
FIRST_ROW = 8  # the table's header row; above it, what the report is about
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


@dataclass(frozen=True)
class ReportRow:
    number: int  # the indicator's place in the plan, from 1
    label: str
    unit: str
    target: float | None
    actual: float | None  # None: not countable from the data the software holds
    share: float | None  # actual / target
    note: str


@dataclass(frozen=True)
class AreaReport:
    code: str
    name: str
    rows: tuple[ReportRow, ...]


@dataclass(frozen=True)
class PlanReport:
    plan_id: str
    title: str
    legal_basis: str
    period: str  # as asked ("2026-Q3"); empty: the plan's whole period
    start: dt.date
    end: dt.date
    made_on: dt.date
    area: AreaReport  # the area asked about
    areas: tuple[AreaReport, ...]  # the areas under it


def workbook(report: PlanReport) -> bytes:
    """The report as an .xlsx file: a sheet for the area asked about, then one per area under it."""
    book = Workbook()
    first = book.active
    assert first is not None
    names: set[str] = set()
    for index, area in enumerate((report.area, *report.areas)):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = _sheet_name(area, names)
        _fill(sheet, report, area)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(report: PlanReport) -> str:
    """The report as CSV (UTF-8 with a byte-order mark, so spreadsheets read the Vietnamese): one
    line per area and indicator, the area asked about first; the share in percent."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for area in (report.area, *report.areas):
        for row in area.rows:
            share = round(row.share * 100, 1) if row.share is not None else None
            writer.writerow(
                [_safe(area.code), _safe(area.name), row.number, _safe(row.label), _safe(row.unit),
                 _blank(row.target), _blank(row.actual), _blank(share), _safe(row.note)]
            )  # fmt: skip
    return out.getvalue()


def _fill(sheet: Worksheet, report: PlanReport, area: AreaReport) -> None:
    bold = Font(bold=True)
    sheet["A1"] = _safe(report.title)
    sheet["A1"].font = Font(bold=True, size=13)
    facts: tuple[tuple[str, object], ...] = (
        ("Căn cứ", _safe(report.legal_basis)),
        ("Địa bàn", f"{_safe(area.name)} ({area.code})"),
        ("Kỳ báo cáo", report.period or f"{report.start.year}–{report.end.year}"),
        ("Từ ngày", report.start),
        ("Đến ngày", report.end),
        ("Ngày lập", report.made_on),
    )
    for offset, (label, value) in enumerate(facts, start=2):
        sheet.cell(row=offset, column=1, value=label).font = bold
        cell = sheet.cell(row=offset, column=2, value=value)
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")
    for column, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=FIRST_ROW, column=column, value=header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[column - 1]
    for line, row in enumerate(area.rows, start=FIRST_ROW + 1):
        values = (
            row.number,
            _safe(row.label),
            _safe(row.unit),
            row.target,
            row.actual,
            row.share,
            _safe(row.note),
        )
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=column, value=value)
            if column in (4, 5):
                cell.number_format = NUMBER_FORMAT
            elif column == 6:
                cell.number_format = SHARE_FORMAT
            elif column in (2, 7):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = FIRST_ROW + max(len(area.rows), 1)
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW + 1, column=3)
    sheet.auto_filter.ref = f"A{FIRST_ROW}:{get_column_letter(len(HEADERS))}{last}"


def _sheet_name(area: AreaReport, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", f"{area.code} {area.name}").strip()[:SHEET_MAX].strip()
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: SHEET_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _safe(text: str) -> str:
    """Text as text: a cell starting like a formula is kept from running as one."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _blank(value: float | None) -> float | int | str:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value
