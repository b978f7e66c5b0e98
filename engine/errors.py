"""One small exception tree. Data lives in attributes; str() is safe to show a user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class OcopflowError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(OcopflowError):
    code = "not_found"


class PermissionDenied(OcopflowError):
    """The actor may not do this; `reason` says why (a stable reason code)."""

    code = "permission_denied"

    def __init__(self, message: str, reason: str, **details: Any) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class TransitionNotAllowed(OcopflowError):
    """Wrong state, failed guard, missing form/evidence/comment."""

    code = "transition_not_allowed"

    def __init__(self, message: str, reason: str, **details: Any) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class InvalidForm(OcopflowError):
    """Answers that do not fit the form; `problems` maps field id -> message."""

    code = "invalid_form"

    def __init__(self, message: str, problems: dict[str, str]) -> None:
        super().__init__(message, problems=problems)
        self.problems = problems


class Conflict(OcopflowError):
    """Someone else changed the dossier first (stale version)."""

    code = "conflict"


class InvalidDefinition(OcopflowError):
    """Definitions that do not validate; `problems` are definitions.problems.Problem."""

    code = "invalid_definition"

    def __init__(self, message: str, problems: Sequence[Any]) -> None:
        super().__init__(message, problems=list(problems))
        self.problems = list(problems)
