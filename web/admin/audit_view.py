"""How an auditor reads an event: the YAML's labels for its transition, states, form and document,
the engine's words for its action (engine.messages.AUDIT_ACTIONS), and the time in the
installation's zone (setting TIMEZONE) with its offset. The page, the CSV and the Excel export all
read events through here, so they say the same thing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from engine.audit import AuditEvent
from engine.definitions.model import Workflow
from engine.errors import NotFound
from engine.messages import AUDIT_ACTIONS, audit_action
from web.runtime import Runtime

FIRE = "fire"
TRANSITION_PREFIX = "fire:"  # the filter's value for the fires of one transition


def zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def local(at: str | dt.datetime) -> dt.datetime:
    """A stored time (UTC, as ISO text or a datetime, naive or not) in the installation's zone."""
    moment = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone())


def offset(moment: dt.datetime) -> str:
    """`UTC+07:00`."""
    delta = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if delta < dt.timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def shown(moment: dt.datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M:%S}"


@dataclass(frozen=True)
class EventView:
    event: AuditEvent
    at: dt.datetime  # in the installation's zone
    what: str  # the action as a person says it
    code: str  # the action as the log stores it (`fire:<transition>` for a fire)
    from_state: str
    to_state: str

    @property
    def when(self) -> str:
        return shown(self.at)

    @property
    def dossier_id(self) -> int | None:
        return int(self.event.dossier_id) if self.event.dossier_id else None


class Labeller:
    """Labels in one language, with the definitions looked up once per export or page."""

    def __init__(self, rt: Runtime, lang: str) -> None:
        self.rt, self.lang = rt, lang
        self._workflows: dict[str, Workflow | None] = {}
        catalog = rt.catalog
        self._documents = {
            f.document: f.label for form in catalog.forms.values() for f in form.fields() if f.document
        }

    def action(self, name: str) -> str:
        return audit_action(name, self.lang)

    def workflow(self, sha256: str | None) -> Workflow | None:
        if not sha256:
            return None
        if sha256 not in self._workflows:
            try:
                self._workflows[sha256] = self.rt.service.registry.workflow(None, sha256)
            except NotFound:  # a version stored but not loaded here: the catalog's labels
                self._workflows[sha256] = None
        return self._workflows[sha256]

    def _text(self, text: Any) -> str:
        return str(text.get(self.lang))

    def state(self, workflow: Workflow | None, state_id: str | None) -> str:
        if not state_id:
            return ""
        for wf in (workflow, *self.rt.catalog.workflows.values()):
            if wf is not None and state_id in wf.states:
                return self._text(wf.states[state_id].label)
        return state_id

    def transition(self, workflow: Workflow | None, transition_id: str) -> str:
        for wf in (workflow, *self.rt.catalog.workflows.values()):
            found = wf.transition(transition_id) if wf is not None else None
            if found is not None:
                return self._text(found.label)
        return transition_id

    def what(self, event: AuditEvent, subjects: dict[str, str], workflow: Workflow | None) -> str:
        said = self.action(event.action)
        if event.action == FIRE and "transition" in subjects:
            return self.transition(workflow, subjects["transition"])
        form = self.rt.catalog.forms.get(subjects.get("form", ""))
        if event.action == "save_form" and form is not None:
            return f"{said}: {self._text(form.title)}"
        document = self._documents.get(subjects.get("document_type", ""))
        if document is not None:
            return f"{said}: {self._text(document)}"
        if event.action == "score" and subjects.get("role"):
            return f"{said}: {self._text(self.rt.role_label(subjects['role']))}"
        if subjects.get("username"):
            return f"{said}: {subjects['username']}"
        if subjects.get("def_id"):
            return f"{said}: {subjects['def_id']}"
        return said

    def view(self, event: AuditEvent, subjects: dict[str, str]) -> EventView:
        workflow = self.workflow(event.definition_hash)
        code = event.action
        if event.action == FIRE and "transition" in subjects:
            code = TRANSITION_PREFIX + subjects["transition"]
        return EventView(
            event=event,
            at=local(event.at),
            what=self.what(event, subjects, workflow),
            code=code,
            from_state=self.state(workflow, event.from_state),
            to_state=self.state(workflow, event.to_state),
        )

    def choices(self, in_log: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The action filter's options: each transition the workflows declare (once per id, its
        labels joined when workflows name it differently), then the other actions the engine
        records and any other action found in the log."""
        labels: dict[str, list[str]] = {}
        for wf in self.rt.catalog.workflows.values():
            for t in wf.transitions:
                label = self._text(t.label)
                if label not in labels.setdefault(t.id, []):
                    labels[t.id].append(label)
        steps = sorted(
            ((TRANSITION_PREFIX + tid, " / ".join(names)) for tid, names in labels.items()),
            key=lambda c: c[1].casefold(),
        )
        actions = [a for a in dict.fromkeys([*AUDIT_ACTIONS, *in_log]) if a != FIRE]
        others = sorted(((a, self.action(a)) for a in actions), key=lambda c: c[1].casefold())
        return steps, others
