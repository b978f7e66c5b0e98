"""Semantic checks of one structurally valid file: generators of Findings.

Each check sees only its own file; references to other files are collected as
`Ref`s and resolved against the whole catalog by `crossrefs`. Checks collect,
never stop at the first problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from engine import context, expressions, permissions, uploads
from engine.definitions.expression_checks import attribute_refs, check_expression
from engine.definitions.model import EFFECTS
from engine.definitions.notice_checks import check_notices, check_notify
from engine.definitions.rounds import check_rounds
from engine.definitions.yamlread import Finding, Path

CLOCK_EFFECTS = ("start_clock", "pause_clock", "resume_clock", "stop_clock")


@dataclass(frozen=True)
class Ref:
    """A reference to something defined in another file, resolved later."""

    kind: str  # roles_file | units_file | form | workflow | role | fire_role | field | evidence | assessor
    # | editor | member | chair (of a state's council) | sheet (an assessor a transition waits for)
    id: str
    path: Path
    context: str = ""  # e.g. the form id of a field, the transition of a fire_role


def duplicates(items: Iterable[tuple[str, Path]], what: str) -> Iterator[Finding]:
    seen: set[str] = set()
    for ident, path in items:
        if ident in seen:
            yield Finding("E202", path, {"what": what, "id": ident})
        seen.add(ident)


def is_text(value: Any) -> bool:
    """A text as the schemas define it: a non-empty string or {vi: …, en: …}."""
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, dict)
        and isinstance(value.get("vi"), str)
        and bool(value["vi"])
        and set(value) <= {"vi", "en"}
        and isinstance(value.get("en", ""), str | None)
    )


# --- workflows ------------------------------------------------------------------------


def flatten_states(
    states: dict[str, Any], prefix: Path = ("states",)
) -> Iterator[tuple[str, dict[str, Any], Path, str | None]]:
    """(id, data, path, parent id) for every state, depth first in file order."""
    stack: list[tuple[Iterator[tuple[str, Any]], Path, str | None]] = [(iter(states.items()), prefix, None)]
    while stack:
        items, path, parent = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            continue
        sid, data = entry
        yield sid, data, (*path, sid), parent
        if data.get("states"):
            stack.append((iter(data["states"].items()), (*path, sid, "states"), sid))


def _sources(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check_workflow(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    states = list(flatten_states(data["states"]))
    yield from duplicates(((sid, path) for sid, _, path, _ in states), "state")
    by_id = {sid: (d, path) for sid, d, path, _ in states}
    children: dict[str, list[str]] = {}
    for sid, _, _, parent in states:
        if parent:
            children.setdefault(parent, []).append(sid)

    def leaves(sid: str) -> list[str]:
        if sid not in children:
            return [sid]
        return [leaf for child in children[sid] for leaf in leaves(child)]

    known = sorted(by_id)
    clocks = data.get("clocks", {})
    initial = data["initial"]
    if initial not in by_id:
        yield Finding("E203", ("initial",), {"id": initial, "known": known})
    elif initial in children:
        yield Finding("E210", ("initial",), {"id": initial, "where": "initial", "known": leaves(initial)})
    for sid, state, path, _ in states:
        deadline = state.get("deadline")
        if deadline and deadline not in clocks:
            yield Finding("E207", (*path, "deadline"), {"id": deadline, "known": sorted(clocks)})
        if state.get("rest") and (deadline or state.get("terminal")):
            yield Finding("E236", (*path, "rest"), {"id": sid})
    transitions = data["transitions"]
    yield from duplicates(
        ((t["id"], ("transitions", i, "id")) for i, t in enumerate(transitions)), "transition"
    )
    edges: dict[str, set[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for i, t in enumerate(transitions):
        tpath: Path = ("transitions", i)
        sources: list[str] = []
        for j, src in enumerate(_sources(t["from"])):
            spath = (*tpath, "from") if isinstance(t["from"], str) else (*tpath, "from", j)
            if src not in by_id:
                yield Finding("E203", spath, {"id": src, "known": known})
            else:
                sources.extend(leaves(src))
        target = t["to"]
        if target not in by_id:
            yield Finding("E203", (*tpath, "to"), {"id": target, "known": known})
        elif target in children:
            yield Finding("E210", (*tpath, "to"), {"id": target, "where": "'to'", "known": leaves(target)})
        targets = leaves(target) if target in by_id else [target]
        for src in sources:
            edges.setdefault(src, set()).update(targets)
            outgoing.setdefault(src, []).append(t["id"])
        yield from _check_transition(t, tpath, clocks, data, refs)
    yield from _check_timers(data, states, leaves, refs)
    yield from check_notices(data, states, leaves)
    yield from _check_graph(data, states, children, edges, outgoing, initial)
    yield from _check_kinds(transitions, states, leaves)
    yield from _check_clocks(clocks, transitions)
    yield from _check_editable_forms(data, states)
    yield from _check_councils(states, children, refs)
    yield from check_rounds(data, [(s["council"]["rounds"], (*p, "council", "rounds"))
                                   for _, s, p, _ in states if s.get("council", {}).get("rounds")])  # fmt: skip
    duty_known = sorted(t["id"] for t in transitions)
    for i, duty in enumerate(data.get("duties", [])):
        for j, tid in enumerate(duty.get("transitions", [])):
            if tid not in duty_known:
                yield Finding("E215", ("duties", i, "transitions", j), {"id": tid, "known": duty_known})
    yield from duplicates(
        ((d["id"], ("duties", i, "id")) for i, d in enumerate(data.get("duties", []))), "duty"
    )
    yield from _check_duty_actions(data.get("duties", []))
    for key, where in (("product_code", "product_code"),):
        if data.get(key):
            yield from check_expression(data[key], expressions.TEMPLATE_NAMES, (key,), where, template=True)
    number = data.get("certificate", {}).get("number")
    if number:
        yield from check_expression(
            number, expressions.TEMPLATE_NAMES, ("certificate", "number"), "certificate.number", template=True
        )
    refs.append(Ref("roles_file", data["roles"], ("roles",)))
    if data.get("units"):
        refs.append(Ref("units_file", data["units"], ("units",)))
    if data.get("scoring_forms"):
        refs.append(Ref("regime", data["scoring_forms"]["regime"], ("scoring_forms", "regime")))
    for i, form_id in enumerate(data.get("forms", [])):
        refs.append(Ref("form", form_id, ("forms", i)))
    carrying = []
    for name, link in data.get("links", {}).items():
        refs.append(Ref("link_register", link["register"], ("links", name, "register"), name))
        if link.get("same_on_renewal") and not data.get("certificate"):
            yield Finding("E244", ("links", name, "same_on_renewal"), {"id": name})
        if link.get("carry_over"):
            carrying.append(name)
            if len(carrying) > 1:
                yield Finding("E133", ("links", name, "carry_over"), {"id": name, "first": carrying[0]})
        if link.get("same_area"):
            refs.append(Ref("link_level", link["same_area"], ("links", name, "same_area"), name))
    for i, role in enumerate(data.get("filing", {}).get("backdate", {}).get("roles", [])):
        refs.append(Ref("role", role, ("filing", "backdate", "roles", i)))


# The dates a timer's `at:` may name: the dated facts the engine keeps on a dossier and on its certificate.
TIMER_DATE_FIELDS = (
    "dossier.filed_on", "certificate.issued_on", "certificate.expires_on",
    "certificate.reevaluation_opens", "certificate.reevaluation_closes",
)  # fmt: skip


def _leaves_state(found: tuple[int, dict[str, Any]] | None, own: set[str], leaves: Any) -> bool:
    """Whether the transition (None: unknown) starts in every leaf of a state and ends outside it."""
    if found is None:
        return False
    sources = {leaf for src in _sources(found[1]["from"]) for leaf in leaves(src)}
    return own <= sources and not set(leaves(found[1]["to"])) & own


def _check_timers(data: dict[str, Any], states: list[Any], leaves: Any, refs: list[Ref]) -> Iterator[Finding]:
    by_id = {t["id"]: (i, t) for i, t in enumerate(data["transitions"])}
    for sid, state, path, _ in states:
        timers = state.get("timers", [])
        if timers and state.get("terminal"):
            yield Finding("E250", (*path, "timers"), {"id": sid})
        yield from duplicates(((t["id"], (*path, "timers", k, "id")) for k, t in enumerate(timers)), "timer")
        for k, timer in enumerate(timers):
            tpath = (*path, "timers", k)
            fire = timer.get("fire")
            if fire and not _leaves_state(by_id.get(fire), set(leaves(sid)), leaves):
                yield Finding("E251", (*tpath, "fire"), {"id": fire, "state": sid, "known": sorted(by_id)})
            at = timer.get("at")
            if at and at["date"] not in TIMER_DATE_FIELDS:
                yield Finding(
                    "E252", (*tpath, "at", "date"), {"id": at["date"], "known": list(TIMER_DATE_FIELDS)}
                )
            esc = timer.get("escalate")
            if esc is not None and not esc.get("to"):
                yield Finding("E253", (*tpath, "escalate"), {"id": timer["id"]})
            for j, role in enumerate(timer.get("notify", [])):
                refs.append(Ref("role", role, (*tpath, "notify", j)))
            for j, role in enumerate((esc or {}).get("to", [])):
                refs.append(Ref("role", role, (*tpath, "escalate", "to", j)))


def _check_duty_actions(duties: list[dict[str, Any]]) -> Iterator[Finding]:
    """A duty's `actions` that nothing reads: a different_actor's other than `score` (its sheets),
    and permissions a not_member_of_producer duty cannot withhold (engine/permissions.py checks
    only some)."""
    for i, duty in enumerate(duties):
        member = duty["rule"] == "not_member_of_producer"
        effective = permissions.MEMBER_DUTY_ACTIONS if member else permissions.SHEET_DUTY_ACTIONS
        for j, action in enumerate(duty.get("actions", [])):
            if action not in effective:
                params = {"id": duty["id"], "rule": duty["rule"], "action": action,
                          "known": list(effective)}  # fmt: skip
                yield Finding("E232", ("duties", i, "actions", j), params)


def _check_clocks(clocks: dict[str, Any], transitions: list[dict[str, Any]]) -> Iterator[Finding]:
    started = {
        effect["start_clock"]
        for t in transitions
        for effect in t.get("effects", [])
        if isinstance(effect, dict) and isinstance(effect.get("start_clock"), str)
    }
    for clock_id in clocks:
        if clock_id not in started:
            yield Finding("W008", ("clocks", clock_id), {"id": clock_id}, at_key=True, severity="warning")


def _check_editable_forms(data: dict[str, Any], states: list[Any]) -> Iterator[Finding]:
    """`editable_forms` names the workflow's own forms; a workflow with forms should say where they are edited."""
    listed = list(data.get("forms", []))
    declared = [(sid, state, path) for sid, state, path, _ in states if "editable_forms" in state]
    if not declared:
        if listed:
            yield Finding(
                "W009", ("states",), {"id": data["id"], "forms": listed}, at_key=True, severity="warning"
            )
        return
    for sid, state, path in declared:
        for j, form_id in enumerate(state["editable_forms"]):
            if form_id not in listed:
                yield Finding(
                    "E222", (*path, "editable_forms", j), {"id": form_id, "state": sid, "known": listed}
                )


def _check_councils(states: list[Any], children: dict[str, list[str]], refs: list[Ref]) -> Iterator[Finding]:
    """A council sits in a leaf state (its sheets are stored per state); its roles are resolved later."""
    for sid, state, path, _ in states:
        council = state.get("council")
        if council is None:
            continue
        if sid in children:
            params = {"id": sid, "where": "'council'", "known": children[sid]}
            yield Finding("E210", (*path, "council"), params, at_key=True)
        for j, role in enumerate(council["members"]):
            refs.append(Ref("member", role, (*path, "council", "members", j), sid))
        refs.append(Ref("chair", council["chair"], (*path, "council", "chair"), sid))


def _check_graph(data: dict[str, Any], states: list[Any], children: dict[str, list[str]],
                 edges: dict[str, set[str]], outgoing: dict[str, list[str]], initial: str) -> Iterator[Finding]:  # fmt: skip
    terminal: dict[str, bool] = {}
    for sid, state, _, parent in states:
        terminal[sid] = bool(state.get("terminal")) or (parent is not None and terminal.get(parent, False))
    reached = {initial}
    frontier = [initial]
    while frontier:
        for nxt in edges.get(frontier.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    for sid, _state, path, _ in states:
        if sid in children:
            continue
        if sid not in reached and sid != initial:
            yield Finding("E211", path, {"id": sid}, at_key=True)
        if terminal[sid] and outgoing.get(sid):
            yield Finding("E213", path, {"id": sid, "transition": outgoing[sid][0]}, at_key=True)
        elif not terminal[sid] and not outgoing.get(sid):
            yield Finding("E212", path, {"id": sid}, at_key=True)


def _check_kinds(transitions: list[dict[str, Any]], states: list[Any], leaves: Any) -> Iterator[Finding]:
    """A return leads somewhere the dossier goes on from; once a workflow declares kinds, every
    step that ends a dossier says whether it is destructive (the page asks to confirm those)."""
    declares = any("kind" in t for t in transitions)
    terminal: dict[str, bool] = {}
    for sid, state, _, parent in states:
        terminal[sid] = bool(state.get("terminal")) or (parent is not None and terminal.get(parent, False))
    for i, t in enumerate(transitions):
        ends = bool(t["to"] in terminal) and all(terminal.get(leaf, False) for leaf in leaves(t["to"]))
        if t.get("kind") == "return" and ends:
            yield Finding("E235", ("transitions", i, "kind"), {"transition": t["id"], "state": t["to"]})
        elif ends and declares and "kind" not in t:
            params = {"transition": t["id"], "state": t["to"]}
            yield Finding("W016", ("transitions", i, "to"), params, severity="warning")


def _check_transition(t: dict[str, Any], tpath: Path, clocks: dict[str, Any], data: dict[str, Any],
                      refs: list[Ref]) -> Iterator[Finding]:  # fmt: skip
    for j, role in enumerate(t.get("roles", [])):
        refs.append(Ref("fire_role", role, (*tpath, "roles", j), t["id"]))
    if not t.get("roles"):
        yield Finding("W007", (*tpath, "id"), {"id": t["id"]})
    if t.get("guard"):
        yield from check_expression(
            t["guard"], context.GUARD_NAMES, (*tpath, "guard"), f"guard of '{t['id']}'"
        )
        for form_id, field_id in attribute_refs(t["guard"], "forms"):
            if form_id:
                refs.append(
                    Ref("field" if field_id else "form", field_id or form_id, (*tpath, "guard"), form_id)
                )
    requires = t.get("requires", {})
    for j, form_id in enumerate(requires.get("forms", [])):
        if form_id not in data.get("forms", []):
            yield Finding("E205", (*tpath, "requires", "forms", j), {"id": form_id})
    for j, doc in enumerate(requires.get("evidence", [])):
        refs.append(Ref("evidence", doc, (*tpath, "requires", "evidence", j)))
    for j, role in enumerate(requires.get("sheets", [])):
        refs.append(Ref("sheet", role, (*tpath, "requires", "sheets", j), t["id"]))
    for j, effect in enumerate(t.get("effects", [])):
        yield from _check_effect(effect, (*tpath, "effects", j), clocks, data, refs)


def _check_effect(
    effect: Any, path: Path, clocks: dict[str, Any], data: dict[str, Any], refs: list[Ref]
) -> Iterator[Finding]:
    name, arg = (effect, None) if isinstance(effect, str) else next(iter(effect.items()))
    if name not in EFFECTS:
        yield Finding("E208", path, {"name": name, "known": EFFECTS})
        return
    if name in CLOCK_EFFECTS:
        if not isinstance(arg, str):
            yield Finding("E216", path, {"name": name, "reason": "needs a clock id"})
        elif arg not in clocks:
            yield Finding("E207", (*path, name), {"id": arg, "known": sorted(clocks)})
    elif name == "notify":
        roles: list[tuple[str, Path]] = []
        yield from check_notify(arg, path, roles)
        refs.extend(Ref("role", role, rpath) for role, rpath in roles)
    elif arg is not None:
        yield Finding("E216", path, {"name": name, "reason": "takes no arguments"})
    elif name == "assign_product_code" and not data.get("product_code"):
        yield Finding("E216", path, {"name": name, "reason": "the workflow has no product_code template"})
    elif name == "issue_certificate" and not data.get("certificate"):
        yield Finding("E216", path, {"name": name, "reason": "the workflow has no certificate policy"})


# --- data forms -----------------------------------------------------------------------

_TYPE_KEYS = {
    "options": ("choice", "multi_choice"), "max_length": ("text", "long_text", "url"), "integer": ("number",),
    "level": ("admin_unit",), "document": ("evidence",), "accept": ("evidence",),
    "min": ("number", "date"), "max": ("number", "date"),
    "format": ("text",), "unit": ("number",), "grouping": ("number",),
}  # fmt: skip


# Which dossier facts can be shown in a field of each type before the form is saved (`prefill`).
_TEXT_SOURCES = ("product_name", "producer_org", "product_set", "product_group", "kind", "province_code",
                 "commune_code", "year")  # fmt: skip
PREFILL_SOURCES: dict[str, tuple[str, ...]] = {
    "text": _TEXT_SOURCES,
    "long_text": _TEXT_SOURCES,
    "number": ("year",),
    "choice": ("product_set", "product_group", "kind"),
    "admin_unit": ("province_code", "commune_code"),
}


def check_form(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    sections = data["sections"]
    yield from duplicates(((s["id"], ("sections", i, "id")) for i, s in enumerate(sections)), "section")
    fields = [
        (f, ("sections", i, "fields", j)) for i, s in enumerate(sections) for j, f in enumerate(s["fields"])
    ]
    yield from duplicates(((f["id"], (*p, "id")) for f, p in fields), "field")
    known = sorted({f["id"] for f, _ in fields})
    for field, path in fields:
        yield from _check_field(field, path, known)
    formats = data.get("formats", {})
    yield from _check_formats(formats)
    for field, path in fields:
        if field.get("format") and field["format"] not in formats:
            yield Finding("E241", (*path, "format"), {"id": field["format"], "known": sorted(formats)})
    for i, role in enumerate(data.get("editable_by", [])):
        refs.append(Ref("editor", role, ("editable_by", i), data["id"]))


def _check_formats(formats: dict[str, Any]) -> Iterator[Finding]:
    """Each declared text format compiles, and its own example matches it."""
    for fid, spec in formats.items():
        try:
            pattern = re.compile(spec["pattern"])
        except re.error as exc:
            yield Finding("E242", ("formats", fid, "pattern"), {"id": fid, "reason": str(exc)})
            continue
        if not pattern.fullmatch(spec["example"]):
            reason = f"its example '{spec['example']}' does not match"
            yield Finding("E242", ("formats", fid, "example"), {"id": fid, "reason": reason})


def _check_field(field: dict[str, Any], path: Path, known: list[str]) -> Iterator[Finding]:
    ftype = field["type"]
    for key, types in _TYPE_KEYS.items():
        if key in field and ftype not in types:
            yield Finding("W005", (*path, key), {"key": key, "type": ftype}, at_key=True)
    if ftype in ("choice", "multi_choice"):
        options = field.get("options", [])
        if not options:
            yield Finding("E217", path, {"id": field["id"], "type": ftype, "reason": "no options"})
        yield from duplicates(
            ((o["value"], (*path, "options", k, "value")) for k, o in enumerate(options)), "option"
        )
    prefill = field.get("prefill")
    if prefill and prefill.removeprefix("dossier.") not in PREFILL_SOURCES.get(ftype, ()):
        fits = [f"dossier.{name}" for name in PREFILL_SOURCES.get(ftype, ())] or ["—"]
        yield Finding(
            "E237", (*path, "prefill"), {"id": field["id"], "type": ftype, "source": prefill, "fits": fits}
        )
    if ftype == "evidence" and field.get("carry_over"):
        yield Finding("E132", (*path, "carry_over"), {"id": field["id"]})
    if ftype == "evidence" and not field.get("document"):
        yield Finding(
            "E217", path, {"id": field["id"], "type": ftype, "reason": "no 'document' (evidence type)"}
        )
    if ftype == "evidence":
        for k, ext in enumerate(field.get("accept", [])):
            if uploads.normalise(ext) not in uploads.UPLOAD_TYPES:
                params = {"value": ext, "id": field["id"], "known": list(uploads.UPLOAD_TYPES)}
                yield Finding("E231", (*path, "accept", k), params)
    low, high = field.get("min"), field.get("max")
    if ftype == "date":
        for key in ("min", "max"):
            if isinstance(field.get(key), str) and parse_date(field[key]) is None:
                yield Finding("E118", (*path, key), {"value": field[key]})
    if low is not None and high is not None and type(low) is type(high) and low > high:
        yield Finding("E220", (*path, "min"), {"min": low, "max": high})
    if field.get("visible_when"):
        where = f"visible_when of '{field['id']}'"
        yield from check_expression(
            field["visible_when"], context.VISIBLE_NAMES, (*path, "visible_when"), where
        )
        for _, name in attribute_refs(field["visible_when"], "answers"):
            if name not in known:
                yield Finding(
                    "E206", (*path, "visible_when"), {"id": name, "form": "answers", "known": known}
                )


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def check_dates(data: dict[str, Any], keys: Iterable[str]) -> Iterator[Finding]:
    days = {}
    for key in keys:
        if isinstance(data.get(key), str) and parse_date(data[key]) is None:
            yield Finding("E118", (key,), {"value": data[key]})
        elif data.get(key) is not None:
            days[key] = parse_date(data[key]) if isinstance(data[key], str) else data[key]
    start, until = days.get("effective_from"), days.get("effective_until")
    if start is not None and until is not None and until <= start:
        yield Finding("E120", ("effective_until",), {"until": until.isoformat(), "start": start.isoformat()})


# --- test suites ----------------------------------------------------------------------


def check_tests(data: dict[str, Any], refs: list[Ref]) -> Iterator[Finding]:
    cases = data["cases"]
    yield from duplicates(((c["name"], ("cases", i, "name")) for i, c in enumerate(cases)), "test case")
    for i, case in enumerate(cases):
        if ("scoring_form" in case) == ("workflow" in case):
            yield Finding("E504", ("cases", i), {"name": case["name"]})
        if "council" in case:
            yield from _council_case(case, ("cases", i))


def _council_case(case: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Finding]:
    """E144 a council in a permission case; E145 a member with two sheets; E146 more sheets than seats."""
    council, name = case["council"], case["name"]
    if "workflow" in case:
        yield Finding("E144", (*path, "council"), {"name": name}, at_key=True)
    seen: set[str] = set()
    for j, sheet in enumerate(council["sheets"]):
        member = str(sheet.get("member") or f"member-{j + 1}")
        if member in seen:
            yield Finding("E145", (*path, "council", "sheets", j), {"name": name, "id": member})
        seen.add(member)
    if "members" in council and council["members"] < len(council["sheets"]):
        params = {"name": name, "members": council["members"], "sheets": len(council["sheets"])}
        yield Finding("E146", (*path, "council", "members"), params)
