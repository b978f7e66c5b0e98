"""Fast, guarded YAML reading: libyaml's C event stream -> plain JSON-like data.

Why not `yaml.load` or ruamel: PyYAML's composer builds a node tree, resolves
every scalar through regular expressions, silently keeps the last of duplicate
keys and recurses in C (a deeply nested file crashes the process); ruamel's
pure-Python round-trip loader is ten times slower. Building the data straight
from the event stream is faster than either and lets us enforce the guards
that matter for files administrators upload:

- duplicate keys are findings (with the line of the second key);
- nesting deeper than MAX_DEPTH, more than MAX_NODES nodes (counting alias
  expansions: the "billion laughs"), and explicit tags are findings;
- scalars follow the YAML 1.2 core schema (`no` is a string, `1:20` is a
  string), dates stay ISO strings, and mapping keys are always strings.

Line and column for a data path are resolved only when a problem is reported
(`engine.definitions.locate`), by replaying the event stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's C parser; the pure-Python one gives the same events, slower
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.loader import SafeLoader as _Parser  # type: ignore[assignment]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 500_000

Path = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL = {
    "null": None, "Null": None, "NULL": None, "~": None, "": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    ".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan"),
}  # fmt: skip
_NUMBER_START = frozenset("0123456789-+.")
_ALLOWED_TAGS = frozenset(
    {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
)


@dataclass(frozen=True)
class Finding:
    """A problem before it is put into words: code, data path, parameters."""

    code: str
    path: Path = ()
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    line: int = 0  # known already (parser errors); else resolved from path later
    column: int = 0
    at_key: bool = False  # point at the key rather than the value
    severity: str = "error"


@dataclass
class Parsed:
    data: Any
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def resolve_plain(value: str) -> Any:
    """YAML 1.2 core schema for plain scalars; anything else is a string."""
    if value in _SPECIAL:
        return _SPECIAL[value]
    if value[0] in _NUMBER_START:
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        if _HEX.match(value):
            return int(value, 16)
        if _OCT.match(value):
            return int(value[2:], 8)
    return value


def new_parser(text: str) -> Any:
    """libyaml's event parser for `text` (the pure-Python one if PyYAML was built without it)."""
    return _Parser(text)


class _Abort(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding


class _Frame:
    __slots__ = (
        "anchor",
        "container",
        "has_key",
        "is_map",
        "key",
        "key_event",
        "key_in_parent",
        "merges",
        "nodes",
    )

    def __init__(self, container: Any, anchor: str | None, key_in_parent: str | int | None) -> None:
        self.container = container
        self.is_map = isinstance(container, dict)
        self.anchor = anchor
        self.key_in_parent = key_in_parent
        self.nodes = 1
        self.key: Any = None
        self.has_key = False
        self.key_event: Any = None
        self.merges: list[Any] = []


_NO_VALUE = object()
_DROP = object()  # the key of an entry dropped after an E119


def parse(text: str | bytes) -> Parsed:
    """Read one YAML document into plain data; never raises on bad input."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_BYTES:
        return Parsed(None, [Finding("E103", params={"size": size, "limit": MAX_BYTES})])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return Parsed(None, [Finding("E100", params={"reason": f"not UTF-8 ({exc.reason})"})])
    findings: list[Finding] = []
    try:
        data = _Builder(text, findings).run()
    except _Abort as abort:
        findings.append(abort.finding)
        return Parsed(None, findings)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(x for x in (exc.context, exc.problem) if x) or "syntax error"
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return Parsed(None, [*findings, _syntax_finding(reason, line, col)])
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        return Parsed(None, [*findings, _syntax_finding(str(exc).splitlines()[0], 0, 0)])
    return Parsed(data, findings)


def _syntax_finding(reason: str, line: int, column: int) -> Finding:
    """E101 for a syntax error; E104 when libyaml itself refused the nesting.

    libyaml 0.2.6 (PyYAML >= 6.0.3 wheels) stops at its own depth limit before our
    event walk sees the levels, and says so only in words.
    """
    if "maximum nesting depth" in reason:
        return Finding("E104", params={"limit": MAX_DEPTH}, line=line, column=column)
    return Finding("E101", params={"reason": reason}, line=line, column=column)


class _Builder:
    """Builds plain data from parser events with an explicit stack (no recursion)."""

    def __init__(self, text: str, findings: list[Finding]) -> None:
        self.parser = _Parser(text)
        self.findings = findings
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.nodes = 0  # every scalar, mapping and sequence once, and each alias as what it repeats
        self.aliased = False
        self.documents = 0
        self.root: Any = _NO_VALUE

    def run(self) -> Any:
        get_event = self.parser.get_event
        scalar_event = yaml.ScalarEvent
        try:
            while True:
                event = get_event()
                if event is None:
                    break
                if type(event) is scalar_event and self.stack:
                    self._scalar(event)
                else:
                    self._event(event)
        finally:
            dispose = getattr(self.parser, "dispose", None)
            if dispose:
                dispose()
        return None if self.root is _NO_VALUE else self.root

    def _scalar(self, event: Any) -> None:
        """The hot path (three events in four): a scalar inside a mapping or sequence, inlined."""
        tag = event.tag
        if tag is not None and tag not in _ALLOWED_TAGS:
            raise _Abort(_tag_finding(tag, event))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._too_many(event)
        top = self.stack[-1]
        top.nodes += 1
        raw = event.value
        if top.is_map and not top.has_key:
            top.key, top.has_key, top.key_event = raw, True, event
            if event.anchor is not None:
                self.anchors[event.anchor] = (raw, 1)
            return
        value = resolve_plain(raw) if tag is None and event.implicit[0] else raw
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        if not top.is_map:
            top.container.append(value)
            return
        key = top.key
        top.has_key = False
        if key is _DROP:
            return
        if key in top.container:
            line, col = event_mark(top.key_event)
            self.findings.append(Finding("E102", (*self._path(), key), {"key": key}, line, col, at_key=True))
            return
        top.container[key] = value

    def _path(self) -> Path:
        return tuple(f.key_in_parent for f in self.stack[1:] if f.key_in_parent is not None)

    def _event(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            tag = event.tag
            if tag not in _ALLOWED_TAGS:
                raise _Abort(_tag_finding(tag, event))
            value = resolve_plain(event.value) if event.implicit[0] and tag is None else event.value
            self._anchor(event.anchor, value, 1)
            self._add(value, 1, event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag not in _ALLOWED_TAGS:
                raise _Abort(_tag_finding(event.tag, event))
            if len(self.stack) >= MAX_DEPTH:
                raise _Abort(Finding("E104", self._path(), {"limit": MAX_DEPTH}, *event_mark(event)))
            container: Any = {} if kind is yaml.MappingStartEvent else []
            key = self._key_for_child()
            self.stack.append(_Frame(container, event.anchor, key))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = self.stack.pop()
            if frame.merges:
                _apply_merges(frame.container, frame.merges)
            self._anchor(frame.anchor, frame.container, frame.nodes)
            self._add(frame.container, frame.nodes, event, new=1)  # its children were counted already
        elif kind is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                raise _Abort(
                    Finding(
                        "E105", self._path(), {"reason": f"unknown alias *{event.anchor}"}, *event_mark(event)
                    )
                )
            value, count = self.anchors[event.anchor]
            self.aliased = True
            self._add(value, count, event)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise _Abort(
                    Finding(
                        "E106", params={"reason": "more than one YAML document"}, line=event_mark(event)[0]
                    )
                )

    def _key_for_child(self) -> str | int | None:
        if not self.stack:
            return None
        top = self.stack[-1]
        if not top.is_map:
            return len(top.container)
        return top.key if top.has_key else "?"

    def _anchor(self, anchor: str | None, value: Any, count: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, count)

    def _count(self, count: int, event: Any) -> None:
        self.nodes += count
        if self.nodes > MAX_NODES:
            raise self._too_many(event)

    def _too_many(self, event: Any) -> _Abort:
        if not self.aliased:  # blame aliases only when the file has some
            return _Abort(Finding("E121", (), {"limit": MAX_NODES}, *event_mark(event)))
        reason = f"more than {MAX_NODES} nodes after alias expansion"
        return _Abort(Finding("E105", (), {"reason": reason}, *event_mark(event)))

    def _add(self, value: Any, count: int, event: Any, new: int | None = None) -> None:
        """Put a value of `count` nodes into the open container; `new` of them are not counted yet."""
        self._count(count if new is None else new, event)
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.nodes += count
        if not top.is_map:
            top.container.append(value)
            return
        if not top.has_key:
            if not isinstance(value, str):
                if isinstance(value, dict | list):
                    self.findings.append(Finding("E119", self._path(), {}, *event_mark(event), at_key=True))
                    value = _DROP
                else:
                    value = str(value)
            top.key, top.has_key, top.key_event = value, True, event
            return
        key = top.key
        top.has_key = False
        if key is _DROP:
            return
        if key == "<<" and isinstance(value, dict | list):
            top.merges.append(value)
            return
        if key in top.container:
            line, col = event_mark(top.key_event)
            self.findings.append(Finding("E102", (*self._path(), key), {"key": key}, line, col, at_key=True))
            return
        top.container[key] = value


def _apply_merges(target: dict[str, Any], merges: list[Any]) -> None:
    for merge in merges:
        for source in merge if isinstance(merge, list) else [merge]:
            if isinstance(source, dict):
                for key, value in source.items():
                    target.setdefault(key, value)


def event_mark(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark else (0, 0)


def _tag_finding(tag: str, event: Any) -> Finding:
    return Finding("E108", params={"tag": tag}, line=event_mark(event)[0], column=event_mark(event)[1])
