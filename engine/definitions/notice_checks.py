"""Checks of a workflow's message templates and of what names them (docs/definitions.md,
"Message templates"): E254-E258, W022-W023."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine import notice_templates
from engine.definitions.yamlread import Finding, Path

NOTIFY_KEYS = ("roles", "council", "message", "template")
COUNCIL_CHOICES = ("all", "without_sheet")


def check_notify(arg: Any, path: Path, roles: list[tuple[str, Path]]) -> Iterator[Finding]:
    """One `notify` effect's shape; its roles are handed back for the cross-file check."""
    from engine.definitions.checks import is_text  # here: checks imports this module

    reason = None
    if not isinstance(arg, dict):
        reason = "needs {roles: [...] or council: ..., message: text or template: id}"
    elif ("roles" in arg) == ("council" in arg):
        reason = "needs either roles: [...] or council: all | without_sheet"
    elif "roles" in arg and not isinstance(arg["roles"], list):
        reason = "roles: a list of role ids"
    elif "council" in arg and arg["council"] not in COUNCIL_CHOICES:
        reason = f"council: one of {', '.join(COUNCIL_CHOICES)}"
    elif "message" not in arg and "template" not in arg:
        reason = "needs message: text or template: id"
    elif "message" in arg and not is_text(arg["message"]):
        reason = "message: a text {vi: ..., en: ...}"
    if reason:
        yield Finding("E216", path, {"name": "notify", "reason": reason})
        return
    extra = sorted(set(arg) - set(NOTIFY_KEYS))
    if extra:
        yield Finding("E110", (*path, "notify", extra[0]), {"key": extra[0], "allowed": list(NOTIFY_KEYS)},
                      at_key=True)  # fmt: skip
    if "message" in arg and "template" in arg:
        yield Finding("E258", (*path, "notify", "template"), {"where": "notify"})
    for k, role in enumerate(arg.get("roles", [])):
        roles.append((str(role), (*path, "notify", "roles", k)))


def _texts(value: Any, path: Path) -> Iterator[tuple[str, Path]]:
    if isinstance(value, str):
        yield value, path
    elif isinstance(value, dict):
        for lang in ("vi", "en"):
            if isinstance(value.get(lang), str):
                yield value[lang], (*path, lang)


def _reads_comment(template: dict[str, Any]) -> bool:
    return any(
        "comment" in source for part in ("subject", "body") for source, _ in _texts(template.get(part), ())
    )


def _notifies(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Path, dict[str, Any] | None]]:
    """Every notify effect (its argument, its path, its transition) and every timer (no transition)."""
    for i, t in enumerate(data.get("transitions", [])):
        for j, effect in enumerate(t.get("effects", [])):
            if isinstance(effect, dict) and isinstance(effect.get("notify"), dict):
                yield effect["notify"], ("transitions", i, "effects", j, "notify"), t


def check_notices(data: dict[str, Any], states: list[Any], leaves: Any) -> Iterator[Finding]:
    """Templates compile and read only declared names; every named template exists; a council
    notice goes where a council sits; a return tells its reason."""
    templates: dict[str, Any] = data.get("message_templates", {})
    known = sorted(templates)
    for tid, template in templates.items():
        for part in ("subject", "body"):
            for source, path in _texts(template.get(part), ("message_templates", tid, part)):
                for issue in notice_templates.check(source):
                    yield Finding(issue.code, path, {"id": tid, "detail": issue.detail,
                                                     "allowed": _allowed()})  # fmt: skip
    used: set[str] = set()
    councils = {sid for sid, state, _, _ in states if state.get("council")}
    for arg, path, transition in _notifies(data):
        name = arg.get("template")
        if isinstance(name, str):
            used.add(name)
            if name not in templates:
                yield Finding("E254", (*path, "template"), {"id": name, "known": known})
        if "council" in arg and transition is not None:
            targets = set(leaves(transition["to"])) if isinstance(transition.get("to"), str) else set()
            if not targets & councils:
                yield Finding(
                    "E257", (*path, "council"), {"id": transition["id"], "state": transition.get("to")}
                )
        returns = (
            transition is not None
            and transition.get("kind") == "return"
            and transition.get("comment") != "none"
        )
        if returns and (
            not isinstance(name, str) or (name in templates and not _reads_comment(templates[name]))
        ):
            assert transition is not None
            yield Finding("W023", path, {"id": transition["id"]}, severity="warning")
    for _sid, state, spath, _ in states:
        for k, timer in enumerate(state.get("timers", [])):
            name = timer.get("template")
            if name is None:
                continue
            used.add(name)
            if name not in templates:
                yield Finding("E254", (*spath, "timers", k, "template"), {"id": name, "known": known})
            if "message" in timer:
                yield Finding(
                    "E258", (*spath, "timers", k, "template"), {"where": f"timer '{timer.get('id')}'"}
                )
    for tid in templates:
        if tid not in used:
            yield Finding("W022", ("message_templates", tid), {"id": tid}, at_key=True, severity="warning")


def _allowed() -> str:
    keys = notice_templates.KEYS
    return ", ".join(
        f"{n.key}.{{{', '.join(sorted(keys[n.key]))}}}" if n.key in keys else n.key
        for n in notice_templates.NAMES
    )
