"""Cut the decision's text into the 26 scoring forms and each form's table into cells.

The transcription renders every table cell as its text followed by a line holding
only "|"; long cell texts wrap over several lines. A cell keeps the line number
where it starts so every later message can point back into the decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORM_START = re.compile(r"^1\. Bộ sản phẩm: ")
FORM_END = "(Ký và ghi rõ họ tên)"
TABLE_START = "Các tiêu chí"
EXPECTED_FORMS = 26


class SourceError(Exception):
    """The text is not a transcription of the decision this converter understands."""


@dataclass(frozen=True)
class Cell:
    line: int  # 1-based line in the decision's text where the cell starts
    text: str  # whitespace-normalised


@dataclass(frozen=True)
class FormText:
    number: int  # 1..26, in order of appearance
    first_line: int  # 1-based
    header: list[str]  # the lines above the table (title, classification, rejection rule …)
    header_first_line: int
    cells: list[Cell]  # the table, from "Các tiêu chí" to the end of the form


def normalise(text: str) -> str:
    """Join wrapped lines: every run of whitespace becomes one space."""
    return " ".join(text.split())


def split_forms(text: str, expected: int | None = EXPECTED_FORMS) -> list[FormText]:
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if FORM_START.match(line)), None)
    if start is None:
        raise SourceError('no line starting with "1. Bộ sản phẩm: " — is this Annex II of Decision 26/2026?')
    forms: list[FormText] = []
    begin = start
    for i in range(start, len(lines)):
        if lines[i].strip() != FORM_END:
            continue
        forms.append(_form(lines, len(forms) + 1, begin, i))
        begin = i + 1
        if expected is not None and len(forms) == expected:
            break
    if expected is not None and len(forms) != expected:
        raise SourceError(f"found {len(forms)} scoring forms, expected {expected}")
    return forms


def _form(lines: list[str], number: int, begin: int, end: int) -> FormText:
    while begin < end and lines[begin].strip() in ("", "|"):
        begin += 1
    table = next((i for i in range(begin, end) if lines[i].strip() == TABLE_START), None)
    if table is None:
        raise SourceError(f'form {number} (line {begin + 1}): no "{TABLE_START}" table heading')
    return FormText(
        number=number,
        first_line=begin + 1,
        header=lines[begin:table],
        header_first_line=begin + 1,
        cells=_cells(lines, table, end),
    )


def _cells(lines: list[str], begin: int, end: int) -> list[Cell]:
    cells: list[Cell] = []
    buffer: list[str] = []
    first = begin
    for i in range(begin, end):
        if lines[i].strip() == "|":
            cells.append(Cell(first + 1, normalise(" ".join(buffer))))
            buffer = []
            first = i + 1
        else:
            buffer.append(lines[i])
    cells.append(Cell(first + 1, normalise(" ".join(buffer))))
    return cells
