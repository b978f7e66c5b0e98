"""What a diligent person would type: valid answers for any data form, and a score sheet
that reaches a wanted star level, both read from the definitions (no OCOP names here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine import scoring
from engine.definitions.model import Field, Form, ScoringForm

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def typed_value(field: Field, units: dict[str, list[str]]) -> Any:
    """A valid answer for one field, as the text (or texts) a person would enter."""
    if field.type in ("text", "long_text"):
        return "Thử nghiệm"[: field.max_length or 200]
    if field.type == "number":
        low = field.min if isinstance(field.min, int | float) else 1
        return str(int(low) if field.integer or float(low).is_integer() else low)
    if field.type == "date":
        low = field.min if isinstance(field.min, dt.date) else dt.date(2026, 6, 1)
        return low.isoformat()
    if field.type == "choice":
        return field.options[0].value
    if field.type == "multi_choice":
        return [field.options[0].value]
    if field.type == "yes_no":
        return "yes"
    if field.type == "admin_unit":
        return units[field.level or "commune"][0]
    raise ValueError(field.type)


def form_post(
    form: Form, units: dict[str, list[str]], overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The POST body of a data form with every field filled."""
    overrides = overrides or {}
    data: dict[str, Any] = {}
    for field in form.fields():
        if field.type == "evidence":
            continue
        fmt = form.formats.get(field.format) if field.format else None
        value = overrides.get(field.id, fmt.example if fmt else typed_value(field, units))
        data[f"f.{form.id}.{field.id}"] = value
    return data


def evidence_types(form: Form) -> list[str]:
    return [f.document for f in form.fields() if f.type == "evidence" and f.document]


def answers_for_stars(form: ScoringForm, stars: int) -> dict[str, str]:
    """Answers whose sheet earns exactly `stars`: start from the best answer everywhere, then
    lower criteria without floors (last first) until the band drops to the wanted level."""
    answers = {c.id: max(c.options, key=lambda o: o.points).id for c in form.criteria()}

    def result() -> scoring.SheetResult:
        return scoring.score_sheet(form, scoring.Sheet(answers=dict(answers)))

    for criterion in reversed(form.criteria()):
        current = result().stars
        if current is not None and current <= stars:
            break
        floors = [o for o in criterion.options if o.floor is not None and o.floor <= stars]
        candidates = sorted(criterion.options, key=lambda o: o.points)
        for option in candidates:
            if any(option.points < f.points for f in floors) or option.knockout:
                continue
            answers[criterion.id] = option.id
            break
    got = result()
    if got.stars != stars:
        raise AssertionError(f"cannot reach {stars} stars with {form.id}: got {got.stars} ({got.total})")
    return answers
