"""Runs definition test cases (`kind: tests`) against a validated catalog.

Scoring cases go through `engine.scoring`, permission cases through
`engine.permissions`. A case that cannot run (a module missing, a
definition missing) is reported as a problem, never counted as passed.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from engine.definitions import councils, locate, messages
from engine.definitions.model import Catalog, ScoringForm, TestCase, TestSuite, Workflow
from engine.definitions.problems import Problem


@dataclass(frozen=True)
class CaseResult:
    suite: str
    name: str
    file: str
    line: int
    column: int
    passed: bool
    code: str = ""  # E501 failed, E502 cannot run
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"suite": self.suite, "name": self.name, "file": self.file, "line": self.line,
                "column": self.column, "passed": self.passed, "code": self.code, "detail": self.detail}  # fmt: skip


class _CannotRun(Exception):
    pass


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise _CannotRun(f"{name} missing ({exc})") from exc


def run_suites(catalog: Catalog, files: Mapping[str, str] | None = None) -> list[CaseResult]:
    """Every case of every suite; `files` maps a suite id to the file name to show."""
    results: list[CaseResult] = []
    for suite in catalog.tests.values():
        shown = (files or {}).get(suite.id) or (suite.source.file if suite.source else suite.id)
        marks = _marks(suite)
        for i, case in enumerate(suite.cases):
            line, column = marks.get(i, (0, 0))
            try:
                failure = run_case(catalog, case)
            except _CannotRun as exc:
                results.append(CaseResult(suite.id, case.name, shown, line, column, False, "E502", str(exc)))
                continue
            except Exception as exc:  # a case's free-form `dossier:` may not fit: report it, never crash
                detail = f"{type(exc).__name__}: {exc}"
                results.append(CaseResult(suite.id, case.name, shown, line, column, False, "E502", detail))
                continue
            results.append(CaseResult(suite.id, case.name, shown, line, column, failure is None,
                                      "" if failure is None else "E501", failure or ""))  # fmt: skip
    return results


def _marks(suite: TestSuite) -> dict[int, tuple[int, int]]:
    if suite.source is None:
        return {}
    wanted = [(("cases", i), False) for i in range(len(suite.cases))]
    located = locate.locate(suite.source.text, wanted)
    return {i: located[(("cases", i), False)] for i in range(len(suite.cases))}


def problems(results: list[CaseResult], lang: str = "vi") -> list[Problem]:
    out = []
    for r in results:
        if r.passed:
            continue
        params = {"name": r.name, "detail": r.detail, "reason": r.detail}
        message, hint = messages.render(r.code, params, lang)
        out.append(Problem(r.file, r.code, message, hint, (), r.line, r.column, "error"))
    return out


def run_case(catalog: Catalog, case: TestCase) -> str | None:
    """None when the case passes, else what differed."""
    raw = case.raw
    if "scoring_form" in raw:
        form = catalog.scoring_forms.get(str(raw["scoring_form"]))
        if form is None:
            raise _CannotRun(f"scoring form '{raw['scoring_form']}' not loaded")
        actual = _council(form, raw) if "council" in raw else _score(form, raw)
    else:
        workflow = catalog.workflows.get(str(raw.get("workflow")))
        if workflow is None:
            raise _CannotRun(f"workflow '{raw.get('workflow')}' not loaded")
        actual = _decide(catalog, workflow, raw)
    expect = raw["expect"]
    differences = list(_compare(expect if isinstance(expect, dict) else {}, actual))
    return "; ".join(differences) if differences else None


def _score(form: ScoringForm, raw: dict[str, Any]) -> dict[str, Any]:
    scoring = _module("engine.scoring")
    answers = {**scoring.lowest_answers(form), **raw.get("answers", {})}
    sheet = scoring.Sheet(answers=answers, flags=frozenset(raw.get("flags", [])))
    assessors = raw.get("assessors_answers")
    assessors_sheet = (
        scoring.Sheet(answers={**scoring.lowest_answers(form), **assessors}) if assessors else None
    )
    result = scoring.score_sheet(form, sheet, assessors_sheet)
    return {
        "total": result.total, "stars": result.stars, "band_stars": result.band_stars,
        "capped_by": [c for c, _ in result.capped_by], "knocked_out": bool(result.knocked_out),
        "rejected": bool(result.rejected), "stopped_at": result.stopped_at, "parts": dict(result.parts),
    }  # fmt: skip


def council_sheets(form: ScoringForm, raw: dict[str, Any]) -> dict[str, Any]:
    """The members' sheets of a council case, by member: each takes the case's `answers` (then its
    own), every other criterion its lowest option; the case's `flags` and its own."""
    scoring = _module("engine.scoring")
    lowest = scoring.lowest_answers(form)
    assessors = raw.get("assessors_answers")
    assessors_sheet = scoring.Sheet(answers={**lowest, **assessors}) if assessors else None
    shared_flags = list(raw.get("flags", []))
    out: dict[str, Any] = {}
    for j, s in enumerate(raw["council"]["sheets"]):
        member = str(s.get("member") or f"member-{j + 1}")
        answers = {**lowest, **raw.get("answers", {}), **s.get("answers", {})}
        sheet = scoring.Sheet(answers=answers, flags=frozenset([*shared_flags, *s.get("flags", [])]))
        out[member] = scoring.score_sheet(form, sheet, assessors_sheet)
    return out


def _council(form: ScoringForm, raw: dict[str, Any]) -> dict[str, Any]:
    """Several members' sheets for one dossier, combined as the scoring form's `council` says."""
    scoring = _module("engine.scoring")
    council = raw["council"]
    sheets = council_sheets(form, raw)
    members = int(council.get("members", len(sheets)))
    result = scoring.council_result(
        form, sheets, members=members, chair_signed=bool(council.get("chair_signed", True))
    )
    return {
        "total": result.total, "stars": result.stars, "band_stars": result.band_stars,
        "capped_by": [c for c, _ in result.capped_by], "knocked_out": bool(result.knocked_out),
        "rejected": bool(result.rejected), "stopped_at": None, "parts": dict(result.parts),
        "spread": result.spread, "quorum_met": result.quorum_met, "rescore_required": result.rescore_required,
        "final": result.final, "totals": dict(result.totals),
    }  # fmt: skip


def _decide(catalog: Catalog, workflow: Workflow, raw: dict[str, Any]) -> dict[str, Any]:
    permissions = _module("engine.permissions")
    expressions = _module("engine.expressions")
    context = _module("engine.context")
    roleset = catalog.roles.get(workflow.roles)
    if roleset is None:
        raise _CannotRun(f"roles '{workflow.roles}' not loaded")
    actor_raw = raw.get("actor") or {}
    area = actor_raw.get("area")
    actor = permissions.Actor(id=str(actor_raw.get("id", "test-actor")), roles=frozenset(actor_raw.get("roles", [])),
                              area=area, organisation=actor_raw.get("organisation"))  # fmt: skip
    d = dict(raw.get("dossier") or {})
    state = str(raw.get("state") or d.get("state") or workflow.initial)
    # By default the dossier lies in the actor's area and belongs to the actor's organisation,
    # so a case tests the role and the rules rather than the scope; `dossier:` overrides.
    facts = permissions.DossierFacts(
        id="test-dossier", state=state, province_code=d.get("province_code", area),
        commune_code=d.get("commune_code", area), producer_org=d.get("producer_org", actor.organisation),
        fired={k: frozenset(v) for k, v in (d.get("fired") or {}).items()},
        scorers=frozenset(str(a) for a in d.get("scorers") or ()),
    )  # fmt: skip
    if "form" in raw or "document" in raw:
        return _may_edit(catalog, workflow, roleset, actor, facts, raw)
    if "transition" not in raw and raw.get("action") == "score":
        # Scoring depends on the sitting: the dossier's state's council, or the form's own assessors.
        assessors = frozenset(
            a
            for f in catalog.scoring_forms.values()
            if f.regime == workflow.scoring_regime
            for a in f.assessors()
        )
        sittings = councils.sittings(workflow, roleset, assessors)
        decision = permissions.may_score(actor, workflow, roleset, facts, sittings, assessors)
        return {"allowed": decision.allowed, "reason": decision.reason}
    if "transition" not in raw:
        decision = permissions.may(actor, str(raw.get("action", "view")), roleset, facts, workflow=workflow)
        return {"allowed": decision.allowed, "reason": decision.reason}
    transition = workflow.transition(str(raw["transition"]))
    if transition is None:
        raise _CannotRun(f"transition '{raw['transition']}' not in workflow '{workflow.id}'")
    ns = expressions.Namespace
    guard_context = context.guard_context(
        dossier=ns({**d, "state": state}), forms=d.get("forms") or {},
        evidence=frozenset(d.get("evidence", transition.requires.evidence)),
        score=ns({**context.score_names(None), **(d.get("score") or {})}), today=dt.date.today(),
    )  # fmt: skip
    context = permissions.FireContext(
        complete_forms=frozenset(d.get("complete_forms", transition.requires.forms)),
        evidence=frozenset(d.get("evidence", transition.requires.evidence)),
        scores_final=bool(d.get("scores_final", True)), guard_context=guard_context,
        final_sheets=frozenset(d.get("sheets", transition.requires.sheets)),
        comment=d.get("comment"), check_comment="comment" in d,
    )  # fmt: skip
    decision = permissions.may_fire(actor, workflow, roleset, facts, transition, context=context)
    return {"allowed": decision.allowed, "reason": decision.reason}


def _may_edit(catalog: Catalog, workflow: Workflow, roleset: Any, actor: Any, facts: Any,
              raw: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """`form:` may the actor save this form here; `document:` may the actor attach this evidence type."""
    permissions = _module("engine.permissions")
    forms = {fid: catalog.forms[fid] for fid in workflow.forms if fid in catalog.forms}
    if "form" in raw:
        form = forms.get(str(raw["form"]))
        if form is None:
            raise _CannotRun(f"form '{raw['form']}' not loaded or not used by workflow '{workflow.id}'")
        decision = permissions.may_edit_form(actor, workflow, roleset, facts, form)
    else:
        decision = permissions.may_upload(
            actor, workflow, roleset, facts, str(raw["document"]), forms.values()
        )
    return {"allowed": decision.allowed, "reason": decision.reason}


def _compare(expect: Mapping[str, Any], actual: Mapping[str, Any]) -> Iterator[str]:
    for key, wanted in expect.items():
        got = actual.get(key)
        if key == "capped_by":
            ok = (not got) if wanted is None else wanted in (got or [])
            shown = got
        elif key == "parts":
            parts = got if isinstance(got, dict) else {}
            ok = all(abs(float(parts.get(p, float("nan"))) - float(v)) < 1e-6 for p, v in wanted.items())
            shown = {p: parts.get(p) for p in wanted}
        elif key in ("total", "spread"):
            ok = got is not None and abs(float(got) - float(wanted)) < 1e-6
            shown = round(got, 6) if isinstance(got, float) else got
        elif key == "totals":
            totals = got if isinstance(got, dict) else {}
            ok = set(totals) == set(wanted) and all(
                abs(float(totals[m]) - float(v)) < 1e-6 for m, v in wanted.items()
            )
            shown = {m: round(v, 6) for m, v in totals.items()}
        else:
            ok = got == wanted
            shown = got
        if not ok:
            yield f"{key}: expected {wanted!r}, got {shown!r}"
