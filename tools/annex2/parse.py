"""Read one form's table cells into a FormDraft.

Each row of the decision's table is a text cell followed by a points cell; rows
whose points cell is empty are annotations (requirements, notes). The parser
walks the cells once, keeping the part, group and criterion it is inside.
"""

from __future__ import annotations

import re

from tools.annex2.cells import Cell, FormText
from tools.annex2.corrections import CORRECTIONS, Correction, find
from tools.annex2.flags import annotate
from tools.annex2.header import read_header
from tools.annex2.model import Criterion, Finding, FormDraft, Group, Option, Part, SubGroup

NUMBER = r"\d+(?:[.,]\d+)?"
POINTS = re.compile(rf"^{NUMBER}$")
PART = re.compile(r"^(?:Phần|PHẦN) ([ABC])\b:?\s*(.*\((\d+) [Đđ]iểm\)|.*)$")
CRITERION = re.compile(r"^(\d+(?:\.\d+)+)(\.?)\s+(\S.*)$")
GROUP = re.compile(r"^(\d+)(\.?)\s+(\S.*)$")
OPTION = re.compile(r"^(?:□|o)\s*(.*)$")  # "o " is a transcription of the tick box in one form
STARS = re.compile(r"\s*((?:\*\s*){3,5})$")
CASE = re.compile(r"^[a-z]\. Trường hợp \d+:")
SKIP = ("Các tiêu chí", "Thang điểm")
END = ("Ghi chú: Dấu sao", "Ý kiến của người đánh giá")


class ParseError(Exception):
    """A cell the parser cannot place; says where it is in the decision."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def to_points(text: str) -> float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


class FormParser:
    def __init__(self, form: FormText) -> None:
        self.form = form
        self.draft = read_header(form)
        self.part: Part | None = None
        self.group: Group | None = None
        self.criterion: Criterion | None = None
        self.subgroup: SubGroup | None = None
        self.case: str | None = None
        self.awaiting: Part | Group | Criterion | Option | SubGroup | str | None = None
        self.expected = {c for c in CORRECTIONS if c.form == form.number}
        self.used: set[Correction] = set()

    # --- driving ---------------------------------------------------------------------

    def parse(self) -> FormDraft:
        for cell in self.form.cells:
            if any(cell.text.startswith(end) for end in END):
                break
            self.read(cell)
        self.finish_group()
        if self.draft.total is None:
            raise ParseError(self.form.first_line, f"form {self.form.number}: no TỔNG CỘNG row")
        for unused in set(self.expected) - self.used:
            raise ParseError(
                self.form.first_line,
                f"form {self.form.number}: correction for {unused.where} ({unused.raw!r}) no longer matches the text",
            )
        return self.draft

    def context(self) -> str:
        if self.criterion is not None:
            return self.criterion.id
        return self.group.number if self.group is not None else ""

    def read(self, cell: Cell) -> None:
        text = cell.text
        if not text:
            if isinstance(self.awaiting, Option):
                self.blank_points(cell, self.awaiting)
            elif self.awaiting is not None:
                raise ParseError(cell.line, "the points cell of the row above is empty")
            self.awaiting = None
            return
        if self.awaiting is not None and self.points(cell):
            return
        if self.awaiting is not None:
            raise ParseError(cell.line, f"expected the points of the row above, found {text[:60]!r}")
        if text in SKIP:
            return
        if POINTS.match(text):
            raise ParseError(cell.line, f"points {text!r} without a row they belong to")
        self.awaiting = self.row(cell)

    def points(self, cell: Cell) -> bool:
        text = cell.text
        correction = find(self.form.number, self.context(), text)
        if correction is not None:
            self.corrected(cell.line, correction)
            text = str(correction.value)
        elif not POINTS.match(text):
            return False
        target = self.awaiting
        value = to_points(text)
        if target == "total":
            self.draft.total = value
        elif isinstance(target, Option):
            target.points = value
        elif isinstance(target, Part | Group | Criterion | SubGroup):
            target.max = value
        else:
            return False
        self.awaiting = None
        return True

    # --- rows ------------------------------------------------------------------------

    def row(self, cell: Cell) -> Part | Group | Criterion | Option | SubGroup | str | None:
        text = cell.text
        if text == "TỔNG CỘNG":
            self.finish_group()
            return "total"
        if m := PART.match(text):
            return self.start_part(cell, m)
        if m := CRITERION.match(text):
            return self.start_criterion(cell, m.group(1), m.group(2), m.group(3))
        if m := GROUP.match(text):
            return self.start_group(cell, m.group(1), m.group(2), m.group(3))
        if m := OPTION.match(text):
            return self.add_option(cell, m.group(1))
        if CASE.match(text):
            self.case = text
            return None
        self.annotation(cell, text)
        return None

    def start_part(self, cell: Cell, m: re.Match[str]) -> Part:
        self.finish_group()
        part = Part(letter=m.group(1), label=m.group(2).strip(), line=cell.line)
        if m.group(3):
            part.label_max = to_points(m.group(3))
        self.draft.parts.append(part)
        self.part, self.group, self.criterion, self.subgroup = part, None, None, None
        return part

    def start_group(self, cell: Cell, number: str, dot: str, label: str) -> Group:
        if self.part is None:
            raise ParseError(cell.line, f"group {number} before any part")
        self.finish_group()
        group = Group(number=number, label=label, line=cell.line)
        self.part.groups.append(group)
        self.group, self.criterion, self.subgroup, self.case = group, None, None, None
        if not dot:
            self.numbering(cell.line, number)
        return group

    def start_criterion(self, cell: Cell, cid: str, dot: str, label: str) -> Criterion | SubGroup:
        group = self.group
        if group is None or cid.split(".")[0] != group.number:
            raise ParseError(cell.line, f"criterion {cid} outside group {group.number if group else '-'}")
        self.case = None
        if cid.count(".") == 1 and self.subgroup is not None:
            self.subgroup = None
        if (
            self.criterion is not None
            and cid.startswith(self.criterion.id + ".")
            and not self.criterion.options
        ):
            self.subgroup = self.promote(self.criterion)
        label, requirement = split_requirement(label)
        criterion = Criterion(id=cid, label=label, line=cell.line, requirement=requirement)
        if self.subgroup is not None and cid.startswith(self.subgroup.id + "."):
            criterion.heading = f"{self.subgroup.id}. {self.subgroup.label}"
            self.subgroup.criteria.append(criterion)
        group.criteria.append(criterion)
        self.criterion = criterion
        if not dot:
            self.numbering(cell.line, cid)
        return criterion

    def promote(self, criterion: Criterion) -> SubGroup:
        """A numbered row followed by deeper numbers ("6.1" then "6.1.1") heads a sub-group."""
        assert self.group is not None
        self.group.criteria.remove(criterion)
        sub = SubGroup(id=criterion.id, label=criterion.label, line=criterion.line, max=criterion.max)
        self.group.subgroups.append(sub)
        return sub

    def add_option(self, cell: Cell, text: str) -> Option:
        if cell.text.startswith("o "):
            self.artefact(
                cell.line,
                'Ô chọn được chép thành chữ "o"; đọc là "□".',
                'The tick box was transcribed as the letter "o"; read as "□".',
            )
        criterion = self.criterion
        if criterion is None:
            criterion = self.implicit_criterion(cell)
        text, note = split_note(text)
        floor = None
        if m := STARS.search(text):
            floor = m.group(1).count("*")
            if " " in m.group(1).strip():
                self.artefact(
                    cell.line,
                    f"Dấu sao được chép cách nhau (“{m.group(1).strip()}”); đọc là {'*' * floor}.",
                    f"The star marks are transcribed with spaces (“{m.group(1).strip()}”); read as {'*' * floor}.",
                )
            text = text[: m.start()].rstrip()
        option = Option(label=text, points=-1, line=cell.line, floor=floor, case=self.case)
        criterion.options.append(option)
        if note:
            annotate(self.draft, criterion, note, cell.line)
        return option

    def blank_points(self, cell: Cell, option: Option) -> None:
        """An empty points cell reads as 0 only for a criterion's first (lowest) option."""
        criterion = self.criterion
        if criterion is None or criterion.options[0] is not option:
            raise ParseError(cell.line, f"option {option.label[:60]!r} has no points")
        option.points = 0
        self.artefact(
            cell.line,
            f"Ô điểm của phương án thấp nhất “{option.label}” để trống; đọc là 0.",
            f"The points cell of the lowest option “{option.label}” is empty; read as 0.",
        )

    def implicit_criterion(self, cell: Cell) -> Criterion:
        """Groups such as "7. DINH DƯỠNG" carry their options directly: one criterion, the group itself."""
        group = self.group
        if group is None or group.criteria:
            raise ParseError(cell.line, "an option outside any criterion")
        label, requirement = split_requirement(group.label)
        criterion = Criterion(
            id=group.number,
            label=label,
            line=group.line,
            max=group.max,
            requirement=requirement,
            implicit=True,
        )
        group.criteria.append(criterion)
        self.criterion = criterion
        return criterion

    def annotation(self, cell: Cell, text: str) -> None:
        target = self.criterion
        if target is None and self.group is not None and text.startswith("("):
            self.group.label = f"{self.group.label} {text}"
            self.continuation(cell.line)
            return
        if target is None and self.group is not None:
            target = self.implicit_criterion(cell)
        if target is None:
            raise ParseError(cell.line, f"text outside any criterion: {text[:60]!r}")
        if text.startswith("(") and not target.options:
            target.label = f"{target.label} {text}"
            self.continuation(cell.line)
            return
        annotate(self.draft, target, text, cell.line)

    def finish_group(self) -> None:
        group = self.group
        if group is not None and len(group.criteria) == 1 and group.criteria[0].implicit:
            group.criteria[0].max = group.max
        self.criterion, self.subgroup, self.case = None, None, None

    # --- findings --------------------------------------------------------------------

    def where(self) -> str:
        if self.part is None:
            return ""
        path = f"parts/{self.part.letter}"
        if self.group is not None:
            path += f"/groups/{self.part.letter}{self.group.number}"
        if self.criterion is not None:
            path += f"/criteria/{self.criterion.id}"
        return path

    def artefact(self, line: int, vi: str, en: str) -> None:
        self.draft.findings.append(Finding("artefact", line, self.where(), vi, en))

    def corrected(self, line: int, correction: Correction) -> None:
        self.used.add(correction)
        self.draft.findings.append(Finding("artefact", line, self.where(), correction.vi, correction.en))

    def numbering(self, line: int, number: str) -> None:
        self.artefact(
            line,
            f'Số thứ tự "{number}" thiếu dấu chấm cuối; đọc là "{number}.".',
            f'The number "{number}" lacks its final full stop; read as "{number}.".',
        )

    def continuation(self, line: int) -> None:
        self.artefact(
            line,
            "Phần giải thích trong ngoặc nằm ở ô riêng; nối vào tên tiêu chí/nhóm ở trên.",
            "The parenthesised explanation sits in a cell of its own; joined to the label above.",
        )


REQUIREMENT_IN_LABEL = re.compile(r"\s+(Yêu cầu:.*)$")
NOTE_IN_OPTION = re.compile(r"\s+(Ghi chú:.*)$")


def split_requirement(label: str) -> tuple[str, list[str]]:
    if m := REQUIREMENT_IN_LABEL.search(label):
        return label[: m.start()], [m.group(1)]
    return label, []


def split_note(text: str) -> tuple[str, str | None]:
    if m := NOTE_IN_OPTION.search(text):
        return text[: m.start()], m.group(1)
    return text, None


def parse_form(form: FormText) -> FormDraft:
    return FormParser(form).parse()
