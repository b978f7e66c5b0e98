"""Input limits the engine keeps whoever calls it (pages, API, command line): the characters
no text may hold and the longest text each stored field takes.

One table, `MAX_LENGTH`: the service refuses a longer value with the field's
name (so SQLite, which stores any length in a VARCHAR, and PostgreSQL, which
raises on it, answer the same), the OpenAPI document declares the same numbers
as `maxLength` (tests/web/test_input_gate.py compares them, and the columns of
engine/storage/tables.py), and the web layer's request gate uses `refused_at`.

Control characters (C0 and C1, DEL) and lone surrogates are refused in every
text: PostgreSQL cannot store a NUL, a surrogate cannot be encoded, and the rest
only ever arrive to confuse a log, a terminal or a CSV reader. Tab, line feed
and carriage return are text in a multi-line answer and stay allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.messages import Message, say

MAX_LENGTH: Mapping[str, int] = {
    # dossiers (the columns of engine/storage/tables.py)
    "product_name": 300,
    "producer_org": 200,
    "product_set": 20,
    "commune_code": 10,
    "kind": 20,
    "workflow_id": 100,
    "renews_certificate": 100,
    # users
    "username": 80,
    "display_name": 200,
    "organisation": 200,
    "area": 20,
    # evidence
    "document_type": 100,
    "filename": 300,
    # what is not a column but enters the audit chain or a query
    "comment": 5000,
    "backdate_reason": 5000,  # a comment of its own, kept in the audit event
    "search": 200,
    "certificate_number": 100,
    # spending against a plan's budget line (tables.budget_entries)
    "budget_note": 2000,
    "budget_reference": 200,
}
# A form's text field without its own `max_length` holds at most this much.
# An onboarding import (a register's records from a spreadsheet): the file and its rows.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
TEXT_FIELD_MAX = 2000
LONG_TEXT_FIELD_MAX = 20000
URL_FIELD_MAX = 500  # a register's url field (an https address) without its own `max_length`
# The most QR stamps one print may ask for, whatever a register's `stamps.max_labels` says
# (a sheet is drawn in memory: 5,000 labels are about 250 A4 pages).
STAMP_LABELS_MAX = 5000

_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def refused_at(text: str, *, single_line: bool = False) -> int | None:
    """Where the first refused character is (0-based), or None. `single_line` refuses tab and
    line breaks too (URL paths, parameter names)."""
    found = (_REFUSED_IN_NAMES if single_line else _REFUSED).search(text)
    return found.start() if found else None


def text_problem(value: str | None, limit: int) -> Message | None:
    """What is wrong with one text value: a refused character, then its length."""
    if value is None:
        return None
    at = refused_at(value)
    if at is not None:
        return say("field.control_character", position=at + 1, char=f"U+{ord(value[at]):04X}")
    if len(value) > limit:
        return say("field.max_length", max=limit)
    return None


def text_problems(**values: str | None) -> dict[str, Message]:
    """Field name -> problem, for named fields of MAX_LENGTH (`text_problems(product_name=...)`)."""
    problems = {}
    for name, value in values.items():
        problem = text_problem(value, MAX_LENGTH[name])
        if problem is not None:
            problems[name] = problem
    return problems
