"""What the parser reads out of one scoring form, before it becomes YAML.

Mutable drafts: the parser builds them cell by cell, the checks read them, the
emitter turns them into the `scoring_form` mapping of docs/definitions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FindingKind = Literal["discrepancy", "artefact", "representation"]


@dataclass
class Flag:
    id: str
    label: str


@dataclass
class Option:
    label: str
    points: float
    line: int
    floor: int | None = None
    case: str | None = None  # "a. Trường hợp 1: …" heading the option sits under


@dataclass
class Criterion:
    id: str
    label: str
    line: int
    max: float | None = None
    options: list[Option] = field(default_factory=list)
    requirement: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    knockouts: list[Flag] = field(default_factory=list)
    gate: Flag | None = None
    assessed_by: str | None = None
    implicit: bool = False  # a group scored directly, without numbered criteria
    heading: str | None = None  # the sub-group ("6.1. Ngoại hình") it belongs to


@dataclass
class SubGroup:
    id: str
    label: str
    line: int
    max: float | None
    criteria: list[Criterion] = field(default_factory=list)


@dataclass
class Group:
    number: str
    label: str
    line: int
    max: float | None = None
    criteria: list[Criterion] = field(default_factory=list)
    subgroups: list[SubGroup] = field(default_factory=list)


@dataclass
class Part:
    letter: str
    label: str
    line: int
    max: float | None = None
    label_max: float | None = None  # the "(40 Điểm)" written in the label
    groups: list[Group] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.letter


@dataclass
class Finding:
    """Something a reader of the YAML must know: the text disagrees with itself or was repaired."""

    kind: FindingKind
    line: int
    path: str  # parts/C/groups/C6 style, "" for the whole form
    vi: str
    en: str
    code: str | None = None  # E401–E404 for discrepancies the validator would report


@dataclass
class FormDraft:
    number: int
    title: str
    classification: str  # "(Sản phẩm: … Nhóm: …)"
    first_line: int
    rejection: list[Flag] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    total: float | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"{self.number:02d}"

    def criteria(self) -> list[Criterion]:
        return [c for p in self.parts for g in p.groups for c in g.criteria]
