"""One small exception tree. Data lives in attributes; str() is safe to show a user.

An error is raised with a message that knows its languages (`engine.messages.say`
or a definition's `Text`): `.text` is it, `.message` and str() its English for
logs and callers that read one language. A plain string still works (older
callers; it reads the same in both languages, or `message_vi=` gives the Vietnamese).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.definitions.model import Text
from engine.messages import Localized, Message


class OcopflowError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str | Localized, **details: Any) -> None:
        vietnamese = details.pop("message_vi", None)
        text: Localized = Text(str(vietnamese or message), message) if isinstance(message, str) else message
        english = text.get("en")
        super().__init__(english)
        self.message = english
        self.text = text
        self.details = details

    @property
    def message_code(self) -> str | None:
        """The catalog code of the message (`engine.messages`), when it has one."""
        return self.text.code if isinstance(self.text, Message) else None


class NotFound(OcopflowError):
    code = "not_found"


class PermissionDenied(OcopflowError):
    """The actor may not do this; `reason` says why (a stable reason code)."""

    code = "permission_denied"

    def __init__(self, message: str | Localized, reason: str, **details: Any) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class TransitionNotAllowed(OcopflowError):
    """Wrong state, failed guard, missing form/evidence/comment."""

    code = "transition_not_allowed"

    def __init__(self, message: str | Localized, reason: str, **details: Any) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class InvalidForm(OcopflowError):
    """Answers that do not fit the form; `problems` maps field id -> a message (code and params)."""

    code = "invalid_form"

    def __init__(self, message: str | Localized, problems: Mapping[str, Message]) -> None:
        super().__init__(message, problems=dict(problems))
        self.problems = dict(problems)


class Conflict(OcopflowError):
    """Someone else changed the dossier first (stale version)."""

    code = "conflict"


class InvalidDefinition(OcopflowError):
    """Definitions that do not validate; `problems` are definitions.problems.Problem."""

    code = "invalid_definition"

    def __init__(self, message: str | Localized, problems: Sequence[Any]) -> None:
        super().__init__(message, problems=list(problems))
        self.problems = list(problems)
