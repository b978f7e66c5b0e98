"""Data-entry answers checked against a form definition, field by field.

`check_answers` returns the cleaned answers, the problems by field id and
whether the form is complete (every visible required field answered and valid).
Missing required answers do not make a save fail — a draft may be partial —
but they keep the form incomplete; a wrong value always fails the save.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine import expressions, numbers
from engine.definitions.model import Field, Form, TextFormat, UnitSet
from engine.expressions import Namespace
from engine.limits import LONG_TEXT_FIELD_MAX, TEXT_FIELD_MAX, text_problem
from engine.messages import Message, say


@dataclass(frozen=True)
class FormCheck:
    answers: dict[str, Any]
    problems: dict[str, Message]  # wrong values: the save is refused
    missing: tuple[str, ...]  # required and visible but empty: the form stays incomplete
    hidden: tuple[str, ...] = ()  # fields whose `visible_when` is false on these answers

    @property
    def complete(self) -> bool:
        return not self.problems and not self.missing


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _number(f: Field, value: Any, locale: str | None) -> tuple[Any, Message | None]:
    """A JSON number as it is; text read by `engine.numbers` in the locale it was typed in."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value, say("field.number")
    if isinstance(value, str):
        try:
            number: int | float = numbers.parse_number(value, locale, integer=f.integer)
        except numbers.NumberProblem as problem:
            return value, problem.message
    elif value != value or value in (float("inf"), float("-inf")):
        return value, say("field.number")
    else:
        number = value
    if f.integer and float(number) != int(number):
        return value, say("field.whole_number")
    if f.integer:
        number = int(number)
    if isinstance(f.min, int | float) and number < f.min:
        return number, say("field.at_least", min=f.min)
    if isinstance(f.max, int | float) and number > f.max:
        return number, say("field.at_most", max=f.max)
    return number, None


def _date(f: Field, value: Any) -> tuple[Any, Message | None]:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return value, say("field.date")
    if isinstance(f.min, dt.date) and day < f.min:
        return value, say("field.on_or_after", day=f.min)
    if isinstance(f.max, dt.date) and day > f.max:
        return value, say("field.on_or_before", day=f.max)
    return day.isoformat(), None


def _text(f: Field, value: Any, formats: Mapping[str, TextFormat]) -> tuple[Any, Message | None]:
    if not isinstance(value, str):
        return value, say("field.text")
    limit = f.max_length or (TEXT_FIELD_MAX if f.type == "text" else LONG_TEXT_FIELD_MAX)
    problem = text_problem(value, limit)
    if problem is not None:
        return value, problem
    fmt = formats.get(f.format) if f.format else None
    if fmt is not None and not re.fullmatch(fmt.pattern, value):
        return value, say("field.format", format=fmt.label, example=fmt.example)
    return value, None


def _check_value(
    f: Field,
    value: Any,
    units: UnitSet | None,
    evidence: frozenset[str],
    formats: Mapping[str, TextFormat] | None = None,
    locale: str | None = None,
) -> tuple[Any, Message | None]:
    """One answer against its field; `locale` is the language a number was typed in (None: plain
    digits, as JSON and the API send them); `formats` the text formats the field may name."""
    allowed = {o.value for o in f.options}
    if f.type in ("text", "long_text"):
        return _text(f, value, formats or {})
    if f.type == "number":
        return _number(f, value, locale)
    if f.type == "date":
        return _date(f, value)
    if f.type == "choice":
        return value, None if value in allowed else say("field.one_of", values=sorted(allowed))
    if f.type == "multi_choice":
        values = value if isinstance(value, list | tuple) else [value]
        wrong = [v for v in values if v not in allowed]
        return list(values), say("field.not_options", values=wrong) if wrong else None
    if f.type == "yes_no":
        if isinstance(value, bool):
            return value, None
        if value in ("yes", "true", "1", "on"):
            return True, None
        if value in ("no", "false", "0", "off"):
            return False, None
        return value, say("field.yes_no")
    if f.type == "admin_unit":
        unit = units.units.get(str(value)) if units else None
        if unit is None or (f.level and unit.level != f.level):
            return value, say("field.unit_unknown")
        return str(value), None
    if f.type == "evidence":
        # The answer points at an attached document; attaching is a separate step.
        if f.document and f.document not in evidence:
            return value, say("field.evidence_first", document=f.document)
        return value, None
    return value, say("field.type_unsupported", type=f.type)  # pragma: no cover - the loader refuses it


def check_answers(
    form: Form,
    answers: Mapping[str, Any],
    *,
    dossier: Namespace,
    today: dt.date,
    units: UnitSet | None = None,
    evidence: frozenset[str] = frozenset(),
    locale: str | None = None,
) -> FormCheck:
    """`locale`: the language number answers given as text were typed in (None: plain digits)."""
    fields = {f.id: f for f in form.fields()}
    problems: dict[str, Message] = {}
    cleaned: dict[str, Any] = {}
    for key in answers:
        if key not in fields:
            problems[key] = say("field.unknown")
    for f in fields.values():
        value = answers.get(f.id)
        if _empty(value):
            continue
        cleaned[f.id], problem = _check_value(f, value, units, evidence, form.formats, locale)
        if problem:
            problems[f.id] = problem
    context = {"answers": Namespace(cleaned), "dossier": dossier, "today": today}
    missing = []
    hidden = []
    for f in fields.values():
        visible = _visible(f, context)
        if not visible:
            cleaned.pop(f.id, None)  # a hidden field keeps no answer
            problems.pop(f.id, None)
            hidden.append(f.id)
            continue
        if f.required and f.id not in cleaned and f.id not in problems:
            if f.type == "evidence" and f.document in evidence:
                continue
            missing.append(f.id)
    return FormCheck(cleaned, problems, tuple(missing), tuple(hidden))


def _visible(f: Field, context: Mapping[str, Any]) -> bool:
    if not f.visible_when:
        return True
    try:
        return expressions.truthy(f.visible_when, context)
    except expressions.ExpressionError:
        # A rule that cannot be evaluated on these answers (e.g. `length` of an unanswered
        # field) is a definition defect the person filling the form cannot fix: hide the field.
        return False


def prefilled(form: Form, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a form shows before it is first saved: each field's `prefill` (`dossier.<name>`)
    taken from the dossier's own facts, so what the dossier already says is not typed again. A
    choice gets the fact only when it is one of its options. Nothing is saved until the person saves."""
    out: dict[str, Any] = {}
    for f in form.fields():
        if not f.prefill:
            continue
        value = facts.get(f.prefill.removeprefix("dossier."))
        if value is None or value == "":
            continue
        if f.type == "choice" and str(value) not in {o.value for o in f.options}:
            continue
        out[f.id] = value if f.type == "number" else str(value)
    return out


_FACTS = (
    "product_name",
    "producer_org",
    "product_set",
    "product_group",
    "kind",
    "province_code",
    "commune_code",
)


def dossier_facts(dossier: Any) -> dict[str, Any]:
    """The facts of a dossier (a snapshot or its row) a form field can be prefilled from (`prefill`)."""

    def get(name: str) -> Any:
        return dossier[name] if isinstance(dossier, Mapping) else getattr(dossier, name)

    return {**{name: get(name) for name in _FACTS}, "year": get("filed_on").year}
