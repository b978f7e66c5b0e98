"""A Problem: one thing wrong with a definition, located and explained."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    code: str  # stable: E1xx YAML/structure, E2xx references, E3xx expressions, E4xx scoring, W… warnings
    message: str  # already in the requested language
    hint: str = ""
    path: tuple[str | int, ...] = ()  # where inside the file's data
    line: int = 0  # 1-based; 0 when unknown
    column: int = 0  # 1-based; 0 when unknown
    severity: Severity = "error"
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def format(self) -> str:
        """`file:line:col: CODE message` — the one-line form."""
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": "/".join(str(p) for p in self.path),
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }
