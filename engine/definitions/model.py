"""Frozen definition objects: what the loader builds from validated YAML.

Nothing here knows about files, YAML or OCOP. Every object is immutable and
hashable so it can be cached per content hash and shared between threads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.definitions.rounds import RoundSeries

Lang = Literal["vi", "en"]

PERMISSIONS = (
    "view",
    "edit_forms",
    "upload_evidence",
    "fire",
    "score",
    "chair",
    "audit",
    "administer",
    "view_sheets",  # read every score sheet of a dossier it sees (a scorer always reads its own)
    "record_spending",  # record spending against a plan's budget lines (engine/service/budget.py)
)
# The scopes a role may have besides the levels its units file declares (a role of scope
# `province` sees the dossiers in its province when the units file declares that level).
ENGINE_SCOPES = ("own", "central", "public", "system")
EFFECTS = (
    "assign_product_code",
    "start_clock",
    "pause_clock",
    "resume_clock",
    "stop_clock",
    "issue_certificate",
    "revoke_certificate",
    "expire_certificate",
    "record_stars",
    "notify",
)
FIELD_TYPES = (
    "text",
    "long_text",
    "number",
    "date",
    "choice",
    "multi_choice",
    "yes_no",
    "admin_unit",
    "evidence",
)


@dataclass(frozen=True)
class Text:
    """A text a person reads; Vietnamese first, English optional."""

    vi: str
    en: str | None = None

    def get(self, lang: str = "vi") -> str:
        if lang == "en" and self.en:
            return self.en
        return self.vi

    def __str__(self) -> str:
        return self.vi


@dataclass(frozen=True)
class Source:
    """Where a definition came from: file path, content hash and raw text."""

    file: str
    sha256: str
    text: str = field(repr=False, compare=False)
    # Other files the definition reads, (name, text): a units file's CSV. Not in sha256.
    attachments: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)


# --- workflows -----------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    id: str
    label: Text
    days: int
    calendar: Literal["working", "calendar"]


@dataclass(frozen=True)
class Council:
    """Who sits in one state to score: member roles and the chair's role (a member too)."""

    members: tuple[str, ...]
    chair: str | None = None  # None only for a sitting inferred from an older definition
    rounds: str | None = None  # the round series (workflow `rounds`) it sits per; None: one sitting

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role whose holders sit: the members, then the chair."""
        return tuple(dict.fromkeys((*self.members, *((self.chair,) if self.chair else ()))))


@dataclass(frozen=True)
class Delay:
    amount: int
    working: bool  # `working_days` (the workflow's calendar, paused clocks stay paused) or plain `days`


@dataclass(frozen=True)
class Escalation:
    after: Delay  # counted from the moment the timer itself fell due
    roles: tuple[str, ...]
    message: Text | None = None


@dataclass(frozen=True)
class MessageTemplate:
    """A notification's text (`message_templates:`): engine/notice_templates.py renders it."""

    id: str
    subject: Text  # one line: what happened, to which dossier
    body: Text  # why, and what the reader should do next


@dataclass(frozen=True)
class Timer:
    """A state's timer: `after` a delay from entering the state, or `at` a date of the dossier."""

    id: str
    after: Delay | None = None
    at_field: str | None = None  # "dossier.<field>" or "certificate.<field>"
    at_offset_days: int = 0  # negative: before that date
    fire: str | None = None  # transition fired by the system actor
    notify: tuple[str, ...] = ()
    message: Text | None = None
    escalate: Escalation | None = None
    template: str | None = None  # a `message_templates` id, instead of `message`


@dataclass(frozen=True)
class State:
    id: str
    label: Text
    step: int
    terminal: bool = False
    deadline: str | None = None  # clock id
    pauses_clocks: bool = False
    parent: str | None = None  # id of the composite state that contains it
    children: tuple[str, ...] = ()  # non-empty for a composite state
    description: Text | None = None
    editable_forms: tuple[str, ...] | None = None  # as written on this state; None: not said here
    council: Council | None = None  # the sitting in this (leaf) state; never inherited
    rests: bool = False  # `rest: true`: the dossier waits for nobody here (no work list shows it)
    timers: tuple[Timer, ...] = ()  # armed on entering the state, cancelled on leaving it

    @property
    def composite(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True)
class Effect:
    name: str  # one of EFFECTS
    arg: str | None = None  # clock id for the clock effects
    roles: tuple[str, ...] = ()  # notify
    message: Text | None = None  # notify
    template: str | None = None  # notify: a `message_templates` id, instead of `message`
    # notify: the council sitting in the target state, "all" of it or those "without_sheet" there
    council: str | None = None


@dataclass(frozen=True)
class Requirements:
    forms: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    scores: bool = False
    sheets: tuple[str, ...] = ()  # assessor roles whose final sheet must be on the dossier


@dataclass(frozen=True)
class Transition:
    id: str
    label: Text
    sources: tuple[str, ...]  # leaf state ids (composites already expanded)
    target: str
    roles: tuple[str, ...]
    guard: str | None = None
    guard_message: Text | None = None
    requires: Requirements = Requirements()
    comment: Literal["optional", "required", "none"] = "optional"
    effects: tuple[Effect, ...] = ()
    # forward: moves the dossier on (the page's primary action); return: sends it back for
    # completion; destructive: ends or undoes something for good (confirmed on its own page)
    kind: Literal["forward", "return", "destructive"] = "forward"
    description: Text | None = None  # what the step does, shown where it is confirmed


@dataclass(frozen=True)
class Duty:
    id: str
    rule: Literal["different_actor", "not_member_of_producer"]
    transitions: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    message: Text | None = None


@dataclass(frozen=True)
class CertificatePolicy:
    validity_months: int
    opens_days_before: int
    closes_days_before: int
    number: str  # expression template


@dataclass(frozen=True)
class CycleStep:
    """One step of the programme's cycle (OCOP's six, Chu trình OCOP): states are grouped by it."""

    step: int
    label: Text


@dataclass(frozen=True)
class DossierLink:
    """`links.<name>`: a dossier names a record of a register (its producer, its product …)."""

    name: str
    register: str
    label: Text
    required: bool = False
    same_on_renewal: bool = False  # a renewed certificate's dossier must name the same record
    carry_over: bool = False  # a new dossier naming a record starts from the last dossier that named it
    same_area: str | None = None  # a units level: the record lies in the dossier's own unit of that level


@dataclass(frozen=True)
class Workflow:
    id: str
    version: str
    title: Text
    legal_basis: Text
    effective_from: dt.date
    effective_until: dt.date | None
    roles: str  # roles-file id
    units: str | None
    forms: tuple[str, ...]
    scoring_regime: str | None  # scoring forms with this `regime`
    product_code: str  # expression template
    calendar: str
    certificate: CertificatePolicy | None
    clocks: dict[str, Clock]
    initial: str
    states: dict[str, State]  # all states, composite and leaf, in file order
    transitions: tuple[Transition, ...]
    duties: tuple[Duty, ...]
    source: Source | None = None
    product_groups: dict[str, Text] = field(default_factory=dict)  # group id (product_sets' `group`) -> label
    # `filing.backdate`: the roles that may give a filing date before today, and how many days back
    backdate_roles: frozenset[str] = frozenset()
    backdate_days: int = 0
    cycle: tuple[CycleStep, ...] = ()  # the programme's steps, in order (states name theirs in `step`)
    links: tuple[DossierLink, ...] = ()  # `links`: the records a dossier names, in file order
    rounds: dict[str, RoundSeries] = field(default_factory=dict)  # `rounds`: evaluation rounds by series
    message_templates: Mapping[str, MessageTemplate] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.source.sha256 if self.source else None))

    def transition(self, transition_id: str) -> Transition | None:
        for t in self.transitions:
            if t.id == transition_id:
                return t
        return None

    def leaves(self) -> list[State]:
        return [s for s in self.states.values() if not s.composite]

    def lineage(self, state_id: str) -> list[State]:
        """The state and its enclosing composites, innermost first."""
        chain: list[State] = []
        state = self.states.get(state_id)
        while state is not None and len(chain) <= len(self.states):
            chain.append(state)
            state = self.states.get(state.parent) if state.parent else None
        return chain

    def is_terminal(self, state_id: str) -> bool:
        """Terminal itself or inside a terminal composite."""
        return any(s.terminal for s in self.lineage(state_id))

    @property
    def declares_editing(self) -> bool:
        """Does any state say which forms may be edited in it (`editable_forms`)?"""
        return any(s.editable_forms is not None for s in self.states.values())

    def editable_forms_in(self, state_id: str) -> tuple[str, ...]:
        """The forms that may be edited while a dossier is in this state.

        A state's own `editable_forms` decides; a terminal state without one edits
        nothing; otherwise the nearest enclosing composite's list applies. When no
        state of the workflow says anything (definitions written before the key
        existed), every form is editable in every state that is not terminal.
        """
        lineage = self.lineage(state_id)
        if not lineage:
            return ()
        if lineage[0].editable_forms is not None:
            return lineage[0].editable_forms
        if self.is_terminal(state_id):
            return ()
        for state in lineage[1:]:
            if state.editable_forms is not None:
                return state.editable_forms
        return () if self.declares_editing else self.forms

    @property
    def declares_councils(self) -> bool:
        """Does any state say which council sits in it (`council`)?"""
        return any(s.council is not None for s in self.states.values())

    def in_effect_on(self, day: dt.date) -> bool:
        if day < self.effective_from:
            return False
        return self.effective_until is None or day < self.effective_until


# --- roles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    id: str
    label: Text
    scope: str  # one of ENGINE_SCOPES, or a level the workflow's units file declares
    can: frozenset[str]  # subset of PERMISSIONS
    # The roles file that defines the role (its id): a user is granted `namespace:id`, so two
    # regimes' `council_member` are two roles (docs/definitions.md, "Roles of several regimes").
    namespace: str = ""
    shared: bool = False  # other roles files may use this very role (`uses:`)

    @property
    def qualified(self) -> str:
        return qualified_role(self.namespace, self.id)


def qualified_role(namespace: str, role: str) -> str:
    """The id a user is granted: `<roles file>:<role>` (an unqualified id is the legacy form)."""
    return f"{namespace}:{role}" if namespace else role


@dataclass(frozen=True)
class RoleSet:
    id: str
    roles: dict[str, Role]  # by the id the workflows use; a shared role of another file keeps its own
    source: Source | None = None
    # Definitions governed by this file (itself, its workflows and what they use) are installed
    # only when a second administrator approves the proposal (docs/definitions.md, "Four eyes").
    four_eyes: bool = False
    uses: tuple[str, ...] = ()  # the shared roles of other roles files it uses, as written
    title: Text | None = None

    def own(self) -> dict[str, Role]:
        """The roles this file defines (not the shared roles it uses)."""
        return {rid: r for rid, r in self.roles.items() if r.namespace in ("", self.id)}

    def __hash__(self) -> int:
        return hash((self.id, self.source.sha256 if self.source else None))


# --- data forms ----------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class Field:
    id: str
    type: str  # one of FIELD_TYPES
    label: Text
    required: bool = False
    help: Text | None = None
    visible_when: str | None = None
    options: tuple[Option, ...] = ()
    min: float | dt.date | None = None
    max: float | dt.date | None = None
    integer: bool = False
    max_length: int | None = None
    level: str | None = None  # admin_unit: a level of the units file (None: its last level)
    document: str | None = None  # evidence: the evidence type
    accept: tuple[str, ...] = ()  # evidence: file types
    format: str | None = None  # text: the id of one of the form's `formats`
    unit: Text | None = None  # number: what it counts (triệu đồng, ha, người)
    grouping: bool = True  # number: shown with thousands separators (a year says false)
    prefill: str | None = None  # `dossier.<name>`: the value shown before the form is first saved
    carry_over: bool = False  # shown from the product's last dossier until the form is first saved


@dataclass(frozen=True)
class TextFormat:
    """A pattern a text answer must match (phone, email, tax code), declared by the form."""

    id: str
    label: Text
    pattern: str  # a Python regular expression the whole answer must match
    example: str


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    id: str
    version: str
    title: Text
    editable_by: tuple[str, ...]
    sections: tuple[Section, ...]
    source: Source | None = None
    formats: Mapping[str, TextFormat] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.source.sha256 if self.source else None))

    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]


# --- scoring forms ---------------------------------------------------------------


@dataclass(frozen=True)
class ScoreOption:
    id: str
    label: Text
    points: float
    floor: int | None = None  # minimum answer for this many stars
    knockout: bool = False


@dataclass(frozen=True)
class Flag:
    """A box the assessor ticks: a knock-out, a gate or a rejection condition."""

    id: str
    label: Text


@dataclass(frozen=True)
class Criterion:
    id: str
    label: Text
    max: float
    options: tuple[ScoreOption, ...]
    assessed_by: str | None = None  # role id; None = the form's default assessor
    requirement: Text | None = None
    note: Text | None = None
    knockouts: tuple[Flag, ...] = ()
    gate: Flag | None = None


@dataclass(frozen=True)
class Group:
    id: str
    label: Text
    max: float
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Part:
    id: str
    label: Text
    max: float
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class StarBand:
    stars: int
    min: float
    below: float | None  # None: up to and including the form's maximum
    recognised: bool = False


@dataclass(frozen=True)
class CouncilRule:
    combine: Literal["mean", "median", "trimmed_mean"] = "mean"
    max_spread: float | None = None
    quorum_fraction: float = 0.0
    chair_required: bool = False


@dataclass(frozen=True)
class ProductSet:
    code: str
    label: Text
    group: str


@dataclass(frozen=True)
class Discrepancy:
    code: str
    path: str
    note: Text


@dataclass(frozen=True)
class ScoringForm:
    id: str
    version: str
    regime: str
    title: Text
    product_sets: tuple[ProductSet, ...]
    rejection: tuple[Flag, ...]
    stars: tuple[StarBand, ...]
    council: CouncilRule
    default_assessor: str
    parts: tuple[Part, ...]
    max_points: float = 100
    legal_basis: Text | None = None
    known_discrepancies: tuple[Discrepancy, ...] = ()
    source: Source | None = None

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.source.sha256 if self.source else None))

    def criteria(self) -> list[Criterion]:
        return [c for p in self.parts for g in p.groups for c in g.criteria]

    def assessors(self) -> frozenset[str]:
        """Roles that `assessed_by` gives criteria of their own (not the default assessor)."""
        return frozenset(
            c.assessed_by for c in self.criteria() if c.assessed_by and c.assessed_by != self.default_assessor
        )

    def assessed_by(self, role: str) -> list[Criterion]:
        """The criteria this role assesses (the default assessor: those naming no one)."""
        return [c for c in self.criteria() if (c.assessed_by or self.default_assessor) == role]


# --- administrative units ---------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # one of its UnitSet's levels
    parent: str | None = None  # the code of the unit one level up (None at the first level)
    kind: str | None = None  # of a last-level unit: xã, phường, đặc khu …


@dataclass(frozen=True)
class UnitSet:
    id: str
    title: Text
    units: dict[str, Unit]  # by code
    source: Source | None = None
    levels: tuple[str, ...] = ()  # widest first, as the units file declares them
    _within: dict[str, tuple[Unit, ...]] = field(default_factory=dict, compare=False, repr=False)

    def within(self, code: str) -> tuple[Unit, ...]:
        """The units below `code` at every level, in file order (computed once per code: a
        dossier form offers them on every page)."""
        found = self._within.get(code)
        if found is None:
            found = tuple(u for u in self.units.values() if u.code != code and code in self.chain(u.code))
            self._within[code] = found
        return found

    def areas_of(self, code: str | None) -> dict[str, str]:
        """Level -> code of the unit `code` and of every unit above it."""
        out: dict[str, str] = {}
        unit = self.units.get(code) if code else None
        while unit is not None and unit.level not in out:
            out[unit.level] = unit.code
            unit = self.units.get(unit.parent) if unit.parent else None
        return out

    def chain(self, code: str | None) -> frozenset[str]:
        """The codes of `code` and of every unit above it."""
        return frozenset(self.areas_of(code).values())

    def last_level(self) -> str | None:
        return self.levels[-1] if self.levels else None

    def first_level(self) -> str | None:
        return self.levels[0] if self.levels else None

    def __hash__(self) -> int:
        return hash((self.id, self.source.sha256 if self.source else None))


# --- definition test cases ----------------------------------------------------------


@dataclass(frozen=True)
class TestCase:
    name: str
    raw: dict[str, object] = field(hash=False, compare=False)


@dataclass(frozen=True)
class TestSuite:
    id: str
    cases: tuple[TestCase, ...]
    source: Source | None = None

    def __hash__(self) -> int:
        return hash((self.id, self.source.sha256 if self.source else None))


# --- registers ---------------------------------------------------------------------

REGISTER_FIELD_TYPES = (*tuple(t for t in FIELD_TYPES if t != "evidence"), "geometry", "table", "ref", "url")
REGISTER_ACTIONS = ("view", "create", "edit", "archive")
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


@dataclass(frozen=True)
class RefTarget:
    """What a `ref` field points at: a record of a register, a dossier or a certificate."""

    kind: Literal["register", "dossier", "certificate"]
    register: str | None = None  # kind == register: the register's id


@dataclass(frozen=True)
class RegisterField(Field):
    """A form field plus what only registers have: geometry, table columns, refs and publicity."""

    public: bool = False
    filter: bool = False  # offered as an indexed list filter (choice, multi_choice, yes_no, admin_unit, ref)
    geometry: tuple[str, ...] = ()  # geometry: the GeoJSON types taken (GEOMETRY_TYPES)
    columns: tuple[Field, ...] = ()  # table: the typed columns of each row
    max_rows: int | None = None  # table
    ref: RefTarget | None = None  # ref
    many: bool = False  # ref: a list of references


@dataclass(frozen=True)
class CodeRule:
    template: str  # expression template over `record`, `sequence`, `year`
    sequence: str | None = None  # template naming the counter (one counter per rendered value); None: one


@dataclass(frozen=True)
class TraceStep:
    """One kind of event in a batch's history (`trace.events[]`): a GS1 CBV business step."""

    id: str
    step: str  # the CBV business step (harvesting, packing, shipping …)
    label: Text
    roles: tuple[str, ...]  # who may record it
    after: tuple[str, ...] = ()  # event ids of which one must already be in the history
    once: bool = False  # at most one such event per batch
    fields: tuple[RegisterField, ...] = ()


@dataclass(frozen=True)
class TraceIdentity:
    """`trace.identity`: the fields that name a batch publicly, as in GS1 Digital Link
    `/{product code}/10/{lot}`: the lot (a text field) and the ref to its product record."""

    lot: str
    product: str


A4_MM = (210.0, 297.0)  # the stamp sheet's page, portrait (width, height)
PT_MM = 25.4 / 72  # one typographic point in millimetres
LINE_SPACING = 1.25  # a printed line's height over its text size


@dataclass(frozen=True)
class StampLine:
    """One line printed under a stamp's code: a field of the record (after an optional label) or a text."""

    field: str | None = None
    label: Text | None = None
    text: Text | None = None
    bold: bool = False


@dataclass(frozen=True)
class StampSheet:
    """`stamps:` — an A4 sheet of QR stamps of a record's public trace address, in a grid (mm)."""

    roles: tuple[str, ...]  # who may print (in their scope)
    max_labels: int  # the most labels one print may ask for
    width: float  # of one label
    height: float
    columns: int
    rows: int
    qr: float  # the side of the code
    margin: float = 10.0  # page edge to the grid
    gap: float = 2.0  # between labels
    text_size: float = 7.0  # points
    lines: tuple[StampLine, ...] = ()

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def line_height(self) -> float:
        return self.text_size * PT_MM * LINE_SPACING


@dataclass(frozen=True)
class CatalogueListing:
    """`catalogue:` — this register's records are shown on the public page of the product they name."""

    product: str  # the ref field naming the product record(s)
    heading: Text


@dataclass(frozen=True)
class Register:
    """A kind of record kept beside the dossiers (producers, products, growing areas …)."""

    id: str
    version: str
    title: Text
    roles: str  # roles-file id
    units: str | None
    area: str  # the admin_unit field that places a record (its scope)
    title_field: str  # the field that names a record in lists
    fields: tuple[RegisterField, ...]
    access: dict[str, tuple[str, ...]]  # REGISTER_ACTIONS -> role ids
    code: CodeRule | None = None
    list_fields: tuple[str, ...] = ()  # columns of the list page
    description: Text | None = None
    source: Source | None = None
    trace: tuple[TraceStep, ...] = ()  # the batch events this register's records may carry
    trace_identity: TraceIdentity | None = None  # lot and product fields (the public trace page)
    import_key: tuple[str, ...] = ()  # `import.key`: the fields naming a record in a spreadsheet import
    stamps: StampSheet | None = None  # the printable sheet of QR stamps of a record's public address
    catalogue: CatalogueListing | None = None  # shown on the public product page of the products named

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.source.sha256 if self.source else None))

    def trace_step(self, event_id: str) -> TraceStep | None:
        return next((s for s in self.trace if s.id == event_id), None)

    def field(self, field_id: str) -> RegisterField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    @property
    def geometry_field(self) -> RegisterField | None:
        return next((f for f in self.fields if f.type == "geometry"), None)

    @property
    def filters(self) -> tuple[RegisterField, ...]:
        return tuple(f for f in self.fields if f.filter)


# --- plans -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTarget:
    value: float
    year: int | None = None  # None: the target for the whole period
    area: str | None = None  # None: the plan's own (issuing) area


@dataclass(frozen=True)
class Indicator:
    id: str
    label: Text
    unit: Text
    source: str  # the line of the plan's document the target comes from
    targets: tuple[PlanTarget, ...]
    count: Any = None  # engine.plan_counting.CountQuery; None: not countable from held data
    description: Text | None = None


@dataclass(frozen=True)
class BudgetSource:
    """Where a budget line's money comes from, as the plan declares it (`budget_sources`)."""

    id: str
    label: Text


@dataclass(frozen=True)
class BudgetLine:
    id: str
    source: str  # the id of one of the plan's `budget_sources` (validate: E813)
    planned: float  # in đồng
    label: Text | None = None
    source_line: str | None = None
    allow_overrun: bool = False  # spending may exceed `planned` (the line's or the plan's `allow_overrun`)


@dataclass(frozen=True)
class Plan:
    """A yearly (or several-year) plan: targets per indicator, counted from the data, and a budget."""

    id: str
    version: str
    title: Text
    legal_basis: str
    issued_by: str
    period: tuple[int, int]  # first and last year
    areas: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    budget: tuple[BudgetLine, ...] = ()
    description: Text | None = None
    source: Source | None = None
    budget_sources: tuple[BudgetSource, ...] = ()

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.source.sha256 if self.source else None))

    def budget_line(self, line_id: str) -> BudgetLine | None:
        return next((b for b in self.budget if b.id == line_id), None)

    def budget_source(self, source_id: str) -> BudgetSource | None:
        return next((s for s in self.budget_sources if s.id == source_id), None)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)


Definition = Workflow | RoleSet | Form | ScoringForm | UnitSet | TestSuite | Register | Plan


@dataclass
class Catalog:
    """Everything loaded together; references are resolved within one catalog."""

    workflows: dict[str, Workflow] = field(default_factory=dict)
    roles: dict[str, RoleSet] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    scoring_forms: dict[str, ScoringForm] = field(default_factory=dict)
    units: dict[str, UnitSet] = field(default_factory=dict)
    tests: dict[str, TestSuite] = field(default_factory=dict)
    registers: dict[str, Register] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)

    def star_levels(self) -> list[int]:
        """Every star count some installed scoring form can give, ascending (its `stars` bands)."""
        return sorted({band.stars for form in self.scoring_forms.values() for band in form.stars})

    def cycle_steps(self) -> list[int]:
        """Every cycle step the installed workflows declare (`cycle`) or put a state in, ascending."""
        declared = {c.step for wf in self.workflows.values() for c in wf.cycle}
        return sorted(declared | {s.step for wf in self.workflows.values() for s in wf.leaves()})

    def scoring_form_for(self, regime: str, product_set: str) -> ScoringForm | None:
        for form in self.scoring_forms.values():
            if form.regime == regime and any(p.code == product_set for p in form.product_sets):
                return form
        return None
