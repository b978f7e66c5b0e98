"""Data path -> line and column, by replaying the YAML event stream (events carry marks).

Only files with problems pay for this; valid files are read once, by yamlread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from engine.definitions.yamlread import MAX_DEPTH, Path, event_mark, new_parser


def locate(text: str, paths: Sequence[tuple[Path, bool]]) -> dict[tuple[Path, bool], tuple[int, int]]:
    """Line and column (1-based) of each (path, at_key); the nearest existing ancestor when absent."""
    wanted = set(paths)
    prefixes = {p[:i] for p, _ in wanted for i in range(len(p) + 1)}
    value_marks: dict[Path, tuple[int, int]] = {}
    key_marks: dict[Path, tuple[int, int]] = {}
    try:
        for node_path, is_key, node_mark in _walk(text):
            if node_path in prefixes:
                (key_marks if is_key else value_marks).setdefault(node_path, node_mark)
    except yaml.YAMLError:
        pass
    result: dict[tuple[Path, bool], tuple[int, int]] = {}
    for path, at_key in wanted:
        for i in range(len(path), -1, -1):
            prefix = path[:i]
            mark: tuple[int, int] | None = (
                key_marks.get(prefix) if at_key and i == len(path) else None
            ) or value_marks.get(prefix)
            if mark is None and i == len(path):
                mark = key_marks.get(prefix)
            if mark:
                result[(path, at_key)] = mark
                break
        else:
            result[(path, at_key)] = (1, 1)
    return result


def _walk(text: str) -> Iterator[tuple[Path, bool, tuple[int, int]]]:
    """Yields (path, is_key, mark) for every node, replaying the event stream."""
    parser = new_parser(text)
    # each frame: [is_mapping, next index or current key, expecting_key]
    stack: list[list[Any]] = []
    path: list[str | int] = []
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            kind = type(event)
            if kind in (
                yaml.StreamStartEvent,
                yaml.StreamEndEvent,
                yaml.DocumentStartEvent,
                yaml.DocumentEndEvent,
            ):
                continue
            if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                stack.pop()
                if stack:
                    path.pop()
                    _advance(stack[-1])
                continue
            if stack and stack[-1][0] and stack[-1][2]:  # a key
                key = getattr(event, "value", "?") if kind is yaml.ScalarEvent else "?"
                stack[-1][1] = key if isinstance(key, str) else "?"
                stack[-1][2] = False
                yield ((*path, stack[-1][1]), True, event_mark(event))
                if kind is not yaml.ScalarEvent and kind is not yaml.AliasEvent:
                    return  # complex keys: stop locating rather than guess
                continue
            if stack:
                path.append(stack[-1][1])
            yield (tuple(path), False, event_mark(event))
            if kind is yaml.MappingStartEvent:
                stack.append([True, None, True])
            elif kind is yaml.SequenceStartEvent:
                stack.append([False, 0, False])
            else:
                if stack:
                    path.pop()
                    _advance(stack[-1])
            if len(stack) > MAX_DEPTH + 1:
                return
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()


def _advance(frame: list[Any]) -> None:
    if frame[0]:
        frame[2] = True
    else:
        frame[1] += 1
