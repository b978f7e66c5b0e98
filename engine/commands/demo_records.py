"""Demo records of the registers: demo/ocop-tay-ninh-registers.yaml, created through the service.

Each entry names its register, the demo user who creates it (`as`) and its values; `key`
names the record so that a later value "@key" (alone or in a list) refers to it by id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from engine.commands.demo import DemoDataError


def default_records_file() -> Path:
    from engine.definitions.loader import repo_root

    return repo_root() / "demo" / "ocop-tay-ninh-registers.yaml"


def load_records(path: Path | None = None) -> list[dict[str, Any]]:
    import yaml

    path = path or default_records_file()
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DemoDataError(f"{path}: {exc}") from exc
    entries = data.get("records") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DemoDataError(f"{path}: expected a mapping with a list 'records'")
    for n, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or not {"register", "as", "values"} <= set(entry)
            or not isinstance(entry["values"], dict)
        ):
            raise DemoDataError(f"{path}: records[{n}]: expected register, as and a mapping of values")
    return entries


def _resolve(value: Any, keys: dict[str, int], where: str) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        if value[1:] not in keys:
            raise DemoDataError(f"{where}: no record with key '{value[1:]}' before this one")
        return keys[value[1:]]
    if isinstance(value, list):
        return [_resolve(v, keys, where) for v in value]
    return value


def seed_records(service: Any, actors: list[Any], entries: list[dict[str, Any]]) -> dict[str, int]:
    """Create the records in file order; returns how many each register got."""
    by_name = {a.id: a for a in actors}
    keys: dict[str, int] = {}
    counts: dict[str, int] = {}
    for n, entry in enumerate(entries):
        where = f"records[{n}] ({entry['register']})"
        if entry["register"] not in service.catalog.registers:
            continue  # a register this installation does not load
        actor = by_name.get(str(entry["as"]))
        if actor is None:
            raise DemoDataError(f"{where}: no demo user '{entry['as']}'")
        values = {k: _resolve(v, keys, where) for k, v in entry["values"].items()}
        record = service.create_record(actor, entry["register"], values)
        if entry.get("key"):
            keys[str(entry["key"])] = record.id
        for k, event in enumerate(entry.get("events") or []):  # a batch's trace events, in order
            # `days_ago` counts back from the demo's clock (its dossiers end on a moving date)
            day = service.now().date() - dt.timedelta(days=int(event["days_ago"]))
            at = dt.datetime.combine(day, dt.time.fromisoformat(str(event.get("time", "08:00"))))
            values = {
                f: _resolve(v, keys, f"{where} events[{k}]") for f, v in (event.get("values") or {}).items()
            }
            service.trace.record_event(
                actor, entry["register"], record.id, str(event["event"]), values, at=at
            )
        counts[entry["register"]] = counts.get(entry["register"], 0) + 1
    return counts
