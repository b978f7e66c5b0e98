"""Validated plain data -> frozen model objects. Only called on data without errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.definitions import model as m
from engine.definitions.checks import flatten_states, parse_date
from engine.definitions.rounds import build_rounds


def text(value: Any) -> m.Text:
    if isinstance(value, dict):
        return m.Text(vi=value["vi"], en=value.get("en"))
    return m.Text(vi=str(value))


def maybe_text(value: Any) -> m.Text | None:
    return None if value is None else text(value)


def _date(value: str) -> dt.date:
    parsed = parse_date(value)
    if parsed is None:  # pragma: no cover - checks report E118 before building
        raise ValueError(value)
    return parsed


def _delay(data: dict[str, int]) -> m.Delay:
    if "working_days" in data:
        return m.Delay(int(data["working_days"]), working=True)
    return m.Delay(int(data["days"]), working=False)


def _timer(data: dict[str, Any]) -> m.Timer:
    at = data.get("at")
    esc = data.get("escalate")
    return m.Timer(
        id=data["id"], after=_delay(data["after"]) if "after" in data else None,
        at_field=at["date"] if at else None,
        at_offset_days=(at.get("plus_days", 0) - at.get("minus_days", 0)) if at else 0,
        fire=data.get("fire"), notify=tuple(data.get("notify", ())), message=maybe_text(data.get("message")),
        escalate=m.Escalation(_delay(esc["after"]), tuple(esc["to"]), maybe_text(esc.get("message"))) if esc else None,
        template=data.get("template"),
    )  # fmt: skip


def build_workflow(data: dict[str, Any], source: m.Source) -> m.Workflow:
    states: dict[str, m.State] = {}
    children: dict[str, list[str]] = {}
    flat = list(flatten_states(data["states"]))
    for sid, _, _, parent in flat:
        if parent:
            children.setdefault(parent, []).append(sid)
    steps: dict[str, int] = {}
    for sid, sd, _, parent in flat:
        steps[sid] = sd.get("step") or (steps[parent] if parent else 1)
        states[sid] = m.State(
            id=sid, label=text(sd["label"]), step=steps[sid], terminal=bool(sd.get("terminal")),
            deadline=sd.get("deadline"), pauses_clocks=sd.get("clock") == "paused", parent=parent,
            children=tuple(children.get(sid, ())), description=maybe_text(sd.get("description")),
            editable_forms=tuple(sd["editable_forms"]) if "editable_forms" in sd else None,
            council=_council(sd["council"]) if "council" in sd else None,
            rests=bool(sd.get("rest")), timers=tuple(_timer(t) for t in sd.get("timers", ())),
        )  # fmt: skip

    def leaves(sid: str) -> list[str]:
        kids = children.get(sid)
        return [sid] if not kids else [leaf for kid in kids for leaf in leaves(kid)]

    transitions = []
    for t in data["transitions"]:
        raw_sources = [t["from"]] if isinstance(t["from"], str) else t["from"]
        sources = tuple(dict.fromkeys(leaf for s in raw_sources for leaf in leaves(s)))
        req = t.get("requires", {})
        transitions.append(m.Transition(
            id=t["id"], label=text(t["label"]), sources=sources, target=t["to"], roles=tuple(t.get("roles", [])),
            guard=t.get("guard"), guard_message=maybe_text(t.get("guard_message")),
            requires=m.Requirements(tuple(req.get("forms", [])), tuple(req.get("evidence", [])), bool(req.get("scores")),
                                    tuple(req.get("sheets", []))),
            comment=t.get("comment", "optional"), effects=tuple(_effect(e) for e in t.get("effects", [])),
            kind=t.get("kind", "forward"), description=maybe_text(t.get("description")),
        ))  # fmt: skip
    cert = data.get("certificate")
    window = (cert or {}).get("reevaluation_window", {})
    return m.Workflow(
        id=data["id"], version=str(data["version"]), title=text(data["title"]), legal_basis=text(data["legal_basis"]),
        effective_from=_date(data["effective_from"]),
        effective_until=_date(data["effective_until"]) if data.get("effective_until") else None,
        roles=data["roles"], units=data.get("units"), forms=tuple(data.get("forms", [])),
        scoring_regime=data.get("scoring_forms", {}).get("regime"), product_code=data.get("product_code", ""),
        calendar=data.get("calendar", "vn"),
        certificate=m.CertificatePolicy(cert["validity_months"], window.get("opens_days_before", 0),
                                        window.get("closes_days_before", 0), cert["number"]) if cert else None,
        clocks={cid: m.Clock(cid, text(c["label"]), c["days"], c.get("calendar", "working"))
                for cid, c in data.get("clocks", {}).items()},
        initial=data["initial"], states=states, transitions=tuple(transitions),
        duties=tuple(m.Duty(d["id"], d["rule"], tuple(d.get("transitions", [])), tuple(d.get("actions", [])),
                            maybe_text(d.get("message"))) for d in data.get("duties", [])),
        source=source,
        product_groups={gid: text(label) for gid, label in data.get("product_groups", {}).items()},
        backdate_roles=frozenset(data.get("filing", {}).get("backdate", {}).get("roles", ())),
        backdate_days=int(data.get("filing", {}).get("backdate", {}).get("days", 0)),
        cycle=tuple(m.CycleStep(c["step"], text(c["label"])) for c in data.get("cycle", [])),
        links=tuple(m.DossierLink(name, ln["register"], text(ln["label"]), bool(ln.get("required")),
                                  bool(ln.get("same_on_renewal")), bool(ln.get("carry_over")), ln.get("same_area"))
                    for name, ln in data.get("links", {}).items()),
        rounds=build_rounds(data, text),
        message_templates={tid: m.MessageTemplate(tid, text(mt["subject"]), text(mt["body"]))
                           for tid, mt in data.get("message_templates", {}).items()},
    )  # fmt: skip


def _council(raw: dict[str, Any]) -> m.Council:
    return m.Council(tuple(dict.fromkeys(raw["members"])), raw["chair"], raw.get("rounds"))


def _effect(raw: Any) -> m.Effect:
    if isinstance(raw, str):
        return m.Effect(raw)
    name, arg = next(iter(raw.items()))
    if name == "notify":
        return m.Effect(name, roles=tuple(arg.get("roles", ())), message=maybe_text(arg.get("message")),
                        template=arg.get("template"), council=arg.get("council"))  # fmt: skip
    return m.Effect(name, arg=arg)


def build_roles(data: dict[str, Any], source: m.Source) -> m.RoleSet:
    roles = {
        rid: m.Role(rid, text(r["label"]), r["scope"], frozenset(r["can"]), data["id"], bool(r.get("shared")))
        for rid, r in data["roles"].items()
    }
    uses = tuple(data.get("uses", []))
    title = text(data["title"]) if "title" in data else None
    return m.RoleSet(data["id"], roles, source, bool(data.get("four_eyes", False)), uses, title)


def build_form(data: dict[str, Any], source: m.Source) -> m.Form:
    sections = tuple(
        m.Section(s["id"], text(s["title"]), tuple(_field(f) for f in s["fields"])) for s in data["sections"]
    )
    return m.Form(
        data["id"],
        str(data["version"]),
        text(data["title"]),
        tuple(data.get("editable_by", [])),
        sections,
        source,
        {
            fid: m.TextFormat(fid, text(f["label"]), f["pattern"], f["example"])
            for fid, f in data.get("formats", {}).items()
        },
    )


def _bound(value: Any, ftype: str) -> float | dt.date | None:
    if value is None:
        return None
    if ftype == "date" and isinstance(value, str):
        return _date(value)
    return float(value) if not isinstance(value, str) else None


def _field(f: dict[str, Any]) -> m.Field:
    ftype = f["type"]
    return m.Field(
        id=f["id"], type=ftype, label=text(f["label"]), required=bool(f.get("required")),
        help=maybe_text(f.get("help")), visible_when=f.get("visible_when"),
        options=tuple(m.Option(o["value"], text(o["label"])) for o in f.get("options", [])),
        min=_bound(f.get("min"), ftype), max=_bound(f.get("max"), ftype), integer=bool(f.get("integer")),
        max_length=f.get("max_length"), level=f.get("level"),
        document=f.get("document"), accept=tuple(f.get("accept", [])),
        format=f.get("format"), unit=maybe_text(f.get("unit")), grouping=f.get("grouping", True) is not False,
        prefill=f.get("prefill"),
        carry_over=bool(f.get("carry_over")),
    )  # fmt: skip


def _flag(raw: dict[str, Any]) -> m.Flag:
    return m.Flag(raw["id"], text(raw["label"]))


def build_scoring_form(data: dict[str, Any], source: m.Source) -> m.ScoringForm:
    council = data.get("council", {})
    quorum = council.get("quorum", {})
    parts = tuple(
        m.Part(p["id"], text(p["label"]), p["max"], tuple(
            m.Group(g["id"], text(g["label"]), g["max"], tuple(_criterion(c) for c in g["criteria"]))
            for g in p["groups"]))
        for p in data["parts"]
    )  # fmt: skip
    return m.ScoringForm(
        id=data["id"], version=str(data["version"]), regime=data["regime"], title=text(data["title"]),
        product_sets=tuple(m.ProductSet(p["code"], text(p["label"]), p["group"]) for p in data["product_sets"]),
        rejection=tuple(_flag(f) for f in data.get("rejection", [])),
        stars=tuple(m.StarBand(b["stars"], b["min"], b.get("below"), bool(b.get("recognised")))
                    for b in sorted(data["stars"], key=lambda b: b["min"])),
        council=m.CouncilRule(council.get("combine", "mean"), council.get("max_spread"),
                              quorum.get("fraction", 0.0), bool(quorum.get("chair_required"))),
        default_assessor=data["assessors"]["default"], parts=parts, max_points=data.get("max", 100),
        legal_basis=maybe_text(data.get("legal_basis")),
        known_discrepancies=tuple(m.Discrepancy(d["code"], d["path"], text(d["note"]))
                                  for d in data.get("known_discrepancies", [])),
        source=source,
    )  # fmt: skip


def _criterion(c: dict[str, Any]) -> m.Criterion:
    return m.Criterion(
        id=c["id"], label=text(c["label"]), max=c["max"],
        options=tuple(m.ScoreOption(o["id"], text(o["label"]), o["points"], o.get("floor"), bool(o.get("knockout")))
                      for o in c["options"]),
        assessed_by=c.get("assessed_by"), requirement=maybe_text(c.get("requirement")), note=maybe_text(c.get("note")),
        knockouts=tuple(_flag(k) for k in c.get("knockouts", [])), gate=_flag(c["gate"]) if c.get("gate") else None,
    )  # fmt: skip


def build_tests(data: dict[str, Any], source: m.Source) -> m.TestSuite:
    return m.TestSuite(data["id"], tuple(m.TestCase(c["name"], dict(c)) for c in data["cases"]), source)
