"""The service's errors and field problems in the reader's language.

The engine raises them as codes with parameters (`engine.messages`); each
knows its Vietnamese and English, so rendering is choosing the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import OcopflowError
from web.i18n import tr


def error_text(exc: OcopflowError) -> str:
    """What went wrong, in the reader's language."""
    return tr(exc.text)


def field_problems(problems: Mapping[str, Any]) -> dict[str, str]:
    """Field id -> its problem in the reader's language."""
    return {key: tr(problem) for key, problem in problems.items()}
