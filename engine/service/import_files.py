"""A spreadsheet (.xlsx or .csv) read into rows of cells, bounded, its content checked first.

`read_table(filename, data) -> Table`: the header row (the first row with a value), then every
other row that has one, each with its line number as the person sees it in their spreadsheet.
Problems of the file as a whole (wrong content, too large, too many rows, merged cells) are
raised as `TableProblem` with a message; cells are left as the file holds them (text, numbers,
dates), for the importer to read against the register's fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from engine import filetypes
from engine.limits import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from engine.messages import Message, say

Cell = str | int | float | bool | dt.date | dt.datetime | None


class TableProblem(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (line number, cells)


KINDS = {"xlsx": filetypes.XLSX, "csv": filetypes.CSV}


def kind_of(filename: str) -> str | None:
    """`xlsx` or `csv` from the file's name; None for any other."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    return ext if ext in KINDS else None


def read_table(filename: str, data: bytes) -> Table:
    kind = kind_of(filename)
    if kind is None:
        raise TableProblem(say("import.file_type", types=sorted(KINDS)))
    if len(data) > IMPORT_MAX_BYTES:
        raise TableProblem(say("import.file_too_large", mb=IMPORT_MAX_BYTES // (1024 * 1024)))
    if not filetypes.check(KINDS[kind], data).ok:
        raise TableProblem(say("import.file_content", type=kind))
    lines = _xlsx(data) if kind == "xlsx" else _csv(data)
    filled = [(n, cells) for n, cells in lines if any(not _blank(c) for c in cells)]
    if not filled:
        raise TableProblem(say("import.file_empty"))
    if len(filled) - 1 > IMPORT_MAX_ROWS:
        raise TableProblem(say("import.too_many_rows", max=IMPORT_MAX_ROWS))
    (header_line, header), rows = filled[0], filled[1:]
    names = tuple("" if _blank(c) else str(c).strip() for c in header)
    return Table(names, header_line, tuple((n, tuple(cells)) for n, cells in rows))


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv(data: bytes) -> list[tuple[int, Sequence[Cell]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableProblem(say("import.file_encoding")) from exc
    first = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale writes ';' between cells (',' is its decimal mark).
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, Sequence[Cell]]] = []
    for row in reader:
        out.append((reader.line_num, row))
        if len(out) > IMPORT_MAX_ROWS + 50:
            break  # counted as too many by the caller, never read to the end
    return out


def _xlsx(data: bytes) -> list[tuple[int, Sequence[Cell]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableProblem(say("import.file_content", type="xlsx")) from exc
    sheet = book.worksheets[0]
    merged = [str(r) for r in sheet.merged_cells.ranges]
    if merged:
        raise TableProblem(say("import.merged_cells", cells=merged[:10]))
    if sheet.max_row > IMPORT_MAX_ROWS + 50:
        raise TableProblem(say("import.too_many_rows", max=IMPORT_MAX_ROWS))
    return [(n, row) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
