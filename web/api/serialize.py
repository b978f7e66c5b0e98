"""Engine snapshots -> JSON-ready values.

Snapshots are frozen dataclasses; texts become the caller's language (the
`Accept-Language` header, Vietnamese by default), dates ISO strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import g, request

from engine.definitions.model import Text


def lang() -> str:
    """Vietnamese unless the client prefers English (Accept-Language): data and errors alike.

    Read once a request: parsing the header was 4.5 % of a transition's CPU (bench/README.md).
    """
    found: str | None = g.get("api_lang")
    if found is None:
        found = g.api_lang = request.accept_languages.best_match(["vi", "en"]) or "vi"
    return found


def plain(value: Any, language: str | None = None) -> Any:
    language = language or lang()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Text):
        return value.get(language)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), language) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v, language) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, language) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v, language) for v in value)
    as_dict = getattr(value, "as_dict", None)
    if callable(as_dict):
        return plain(as_dict(), language)
    return str(value)


def action(value: Any) -> dict[str, Any]:
    """An available action: {id, label, kind, allowed, reason, message, message_code, missing};
    reason, message and its code are null when allowed; `missing` names what the dossier lacks."""
    language = lang()
    allowed = bool(value.allowed)
    message = getattr(value, "message", None)
    return {
        "id": value.id,
        "label": plain(value.label, language),
        "kind": getattr(value, "kind", "forward"),
        "allowed": allowed,
        "reason": None if allowed else value.reason,
        "message": None if allowed or message is None else message.get(language),
        "message_code": None if allowed else getattr(message, "code", None),
        "missing": [
            {
                "reason": m.reason,
                "form": m.form,
                "field": m.field,
                "label": m.label.get(language),
                "problem": None if m.problem is None else m.problem.get(language),
            }
            for m in getattr(value, "missing", ())
        ],
    }


def council(result: Any) -> dict[str, Any]:
    """A council result without its (large) scoring form, which is named by id instead."""
    data = {f.name: plain(getattr(result, f.name)) for f in dataclasses.fields(result) if f.name != "form"}
    data["form_id"] = result.form.id
    data["excluded"] = bool(result.knocked_out or result.rejected)
    data["sheets"] = result.sheet_count
    return data
