"""HTML form posts -> answers for the service, and answers -> values to show again.

Every value comes in as text. What converts cleanly is converted to the type
the field declares; what does not is passed on as typed, so the service names
the field in its error and the page shows the text the person typed. Numbers are
read, and shown back, by `engine.numbers` in the reader's language (the service
reads a number left as text with the same function, to say why it is refused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from werkzeug.datastructures import MultiDict

from engine import numbers
from engine.definitions.model import Field, Form

TRUE_WORDS = frozenset({"yes", "true", "1", "on"})
FALSE_WORDS = frozenset({"no", "false", "0", "off"})


def field_name(form_id: str, field_id: str) -> str:
    """The HTML name of a field; the form id keeps two forms on one page apart."""
    return f"f.{form_id}.{field_id}"


def _number(raw: str, integer: bool, locale: str) -> Any:
    try:
        return numbers.parse_number(raw, locale, integer=integer)
    except numbers.NumberProblem:
        return raw.strip()


def parse_field(field: Field, data: MultiDict[str, str], form_id: str, locale: str = "vi") -> Any:
    name = field_name(form_id, field.id)
    if field.type == "multi_choice":
        return [v for v in data.getlist(name) if v]
    raw = data.get(name, "")
    if field.type in ("text", "long_text"):
        return raw.strip() or None
    if raw.strip() == "":
        return None
    if field.type == "number":
        return _number(raw, field.integer, locale)
    if field.type == "yes_no":
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return raw
    if field.type == "date":
        try:
            return dt.date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            return raw
    return raw.strip()


def parse_form(form: Form, data: MultiDict[str, str], locale: str = "vi") -> dict[str, Any]:
    """Answers for every non-evidence field of the form (evidence is uploaded, not typed)."""
    return {f.id: parse_field(f, data, form.id, locale) for f in form.fields() if f.type != "evidence"}


def shown_value(field: Field, value: Any, locale: str = "vi") -> Any:
    """What to put back in the input: text for text inputs, a list for multi-choice."""
    if value is None:
        return [] if field.type == "multi_choice" else ""
    if field.type == "multi_choice":
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if field.type == "yes_no":
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return str(value)
    if field.type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return numbers.format_number(value, locale, grouping=field.grouping)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
