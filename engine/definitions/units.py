"""Administrative units: the CSV named by a `units` file, checked row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Any

from engine.definitions import model as m
from engine.definitions.yamlread import Finding

COLUMNS = ("province_code", "province_name", "commune_code", "commune_name", "commune_kind")
MAX_CSV_BYTES = 20 * 1024 * 1024


def read_units(
    data: dict[str, Any], yaml_file: FsPath | None, attachments: dict[str, bytes] | None = None
) -> tuple[dict[str, m.Unit], list[Finding], bytes]:
    """Units by code, findings, and the CSV bytes (part of the cache key).

    The CSV is read next to the YAML file, or from `attachments` (name relative to the YAML's
    folder -> bytes) for an uploaded bundle or a version reloaded from the database.
    """
    source = data["source"]
    params = {"source": source, "columns": ",".join(COLUMNS)}
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
        return found, list(_rows(text, source, found)), raw
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
    findings = list(_rows(text, source, units))
    return units, findings, raw


def _rows(text: str, source: str, units: dict[str, m.Unit]) -> Iterator[Finding]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        yield Finding("E130", ("source",), {"source": source, "columns": ",".join(COLUMNS),
                                            "reason": f"header is {header!r}"})  # fmt: skip
        return
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"{len(row)} columns, not {len(COLUMNS)}"},
            )
            continue
        pcode, pname, ccode, cname, ckind = (cell.strip() for cell in row)
        if not (pcode.isdigit() and ccode.isdigit()):
            yield Finding(
                "E131", ("source",), {"source": source, "row": row_no, "reason": "codes must be digits"}
            )
            continue
        existing = units.get(pcode)
        if existing is None:
            units[pcode] = m.Unit(pcode, pname, "province")
        elif existing.level != "province" or existing.name != pname:
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"province {pcode} named differently"},
            )
        if ccode in units:
            yield Finding(
                "E131",
                ("source",),
                {"source": source, "row": row_no, "reason": f"commune code {ccode} repeated"},
            )
            continue
        units[ccode] = m.Unit(ccode, cname, "commune", parent=pcode, kind=ckind or None)
