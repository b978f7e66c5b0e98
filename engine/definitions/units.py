"""Administrative units: the CSV named by a `units` file, checked row by row.

The file declares its `levels`, widest first (`[province, commune]`; `[province, district,
commune]` before July 2025). The CSV has a code and a name column per level, in that order, and
the kind of the last level's unit (`province_code,province_name,commune_code,commune_name,
commune_kind`): each row is one unit of the last level with its chain of parents.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path as FsPath
from typing import Any

from engine.definitions import model as m
from engine.definitions.yamlread import Finding

MAX_CSV_BYTES = 20 * 1024 * 1024


def check_units(data: dict[str, Any], refs: list[Any]) -> Iterator[Finding]:
    """A level may not take the name of a scope the engine gives meaning to."""
    for i, level in enumerate(data["levels"]):
        if level in m.ENGINE_SCOPES:
            yield Finding("E125", ("levels", i), {"level": level})


def source_name(data: dict[str, Any]) -> str:
    """The CSV's name: the `source` file, or the copy of a `package`'s list stored with the version."""
    return str(data["source"]) if "source" in data else f"{data['package']}.csv"


def _vietnam_provinces() -> tuple[tuple[str, ...], list[list[str]]]:
    """The 34 provinces and 3,321 communes of the 2025 reform (Decision 19/2025/QĐ-TTg, as the
    General Statistics Office publishes them), from the `vietnam-provinces` package."""
    import json

    import vietnam_provinces

    provinces = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text("utf-8"))
    rows = [
        [f"{p['code']:02d}", p["name"], f"{w['code']:05d}", w["name"], w["division_type"]]
        for p in provinces
        for w in p["wards"]
    ]
    return ("province", "commune"), rows


# The packages a units file may name instead of a CSV: each gives its list's own levels.
PACKAGES = {"vietnam-provinces": _vietnam_provinces}


def _from_package(
    data: dict[str, Any], levels: tuple[str, ...]
) -> tuple[dict[str, m.Unit], list[Finding], bytes]:
    name = data["package"]
    params = {"package": name, "known": ", ".join(sorted(PACKAGES))}
    reader = PACKAGES.get(name)
    if reader is None:
        return (
            {},
            [Finding("E126", ("package",), {**params, "reason": "not a package the engine knows"})],
            b"",
        )
    try:
        own_levels, rows = reader()
    except ImportError as exc:
        return {}, [Finding("E126", ("package",), {**params, "reason": str(exc)})], b""
    if len(own_levels) != len(levels):
        params = {"package": name, "levels": ", ".join(own_levels)}
        return {}, [Finding("E127", ("levels",), params)], b""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(levels))
    writer.writerows(rows)
    text = out.getvalue()
    units: dict[str, m.Unit] = {}
    return units, list(_rows(text, source_name(data), levels, units)), text.encode("utf-8")


def columns(levels: Sequence[str]) -> tuple[str, ...]:
    """The CSV header a units file with these levels reads."""
    return (*(f"{level}_{part}" for level in levels for part in ("code", "name")), f"{levels[-1]}_kind")


def read_units(
    data: dict[str, Any], yaml_file: FsPath | None, attachments: dict[str, bytes] | None = None
) -> tuple[dict[str, m.Unit], list[Finding], bytes]:
    """Units by code, findings, and the CSV bytes (part of the cache key).

    The CSV is read next to the YAML file, or from `attachments` (name relative to the YAML's
    folder -> bytes) for an uploaded bundle or a version reloaded from the database.
    """
    source = source_name(data)
    levels = tuple(data["levels"])
    params = {"source": source, "columns": ",".join(columns(levels))}
    if "package" in data and not (attachments and source in attachments):
        return _from_package(data, levels)
    if yaml_file is None and attachments is not None:
        raw = attachments.get(source)
        if raw is None:
            return {}, [Finding("E130", ("source",), {**params, "reason": "not in the bundle"})], b""
        if len(raw) > MAX_CSV_BYTES:
            return {}, [Finding("E130", ("source",), {**params, "reason": "larger than 20 MB"})], b""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return {}, [Finding("E130", ("source",), {**params, "reason": str(exc)})], b""
        found: dict[str, m.Unit] = {}
        return found, list(_rows(text, source, levels, found)), raw
    if yaml_file is None:
        return (
            {},
            [Finding("E130", ("source",), {**params, "reason": "uploaded alone; upload the CSV with it"})],
            b"",
        )
    csv_path = yaml_file.parent / source
    try:
        if csv_path.stat().st_size > MAX_CSV_BYTES:
            return {}, [Finding("E130", ("source",), {**params, "reason": "larger than 20 MB"})], b""
        raw = csv_path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Finding("E130", ("source",), {**params, "reason": str(exc)})], b""
    units: dict[str, m.Unit] = {}
    findings = list(_rows(text, source, levels, units))
    return units, findings, raw


def _rows(text: str, source: str, levels: tuple[str, ...], units: dict[str, m.Unit]) -> Iterator[Finding]:
    header_wanted = columns(levels)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != header_wanted:
        yield Finding("E130", ("source",), {"source": source, "columns": ",".join(header_wanted),
                                            "reason": f"header is {header!r}"})  # fmt: skip
        return
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header_wanted):
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"{len(row)} columns, not {len(header_wanted)}"},
            )
            continue
        cells = [cell.strip() for cell in row]
        codes, names, kind = cells[0:-1:2], cells[1:-1:2], cells[-1]
        if not all(code.isdigit() for code in codes):
            yield Finding(
                "E131", ("source",), {"source": source, "row": row_no, "reason": "codes must be digits"}
            )
            continue
        yield from _chain(source, row_no, levels, codes, names, kind, units)


def _chain(
    source: str,
    row_no: int,
    levels: tuple[str, ...],
    codes: list[str],
    names: list[str],
    kind: str,
    units: dict[str, m.Unit],
) -> Iterator[Finding]:
    """The row's units, widest first: a wider unit met again must agree with what came before."""
    parent: str | None = None
    for depth, (level, code, name) in enumerate(zip(levels, codes, names, strict=True)):
        last = depth == len(levels) - 1
        existing = units.get(code)
        params = {"source": source, "row": row_no, "code": code, "level": level}
        if existing is None:
            units[code] = m.Unit(code, name, level, parent=parent, kind=(kind or None) if last else None)
        elif existing.level != level:
            yield Finding("E124", ("source",), {**params, "other": existing.level})
            return
        elif last:
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"{level} code {code} repeated"},
            )
            return
        elif existing.parent != parent:
            yield Finding("E123", ("source",), {**params, "parent": parent, "other": existing.parent})
            return
        elif existing.name != name:
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"{level} {code} named differently"},
            )
            return
        parent = code
