"""How a plan indicator is counted: a declarative query translated to SQLAlchemy Core (issue 13).

An indicator's ``count`` names a subject from the allow-list below, filters on that subject's
fields, and an aggregate (``count``, ``distinct``, ``sum``, ``share``). The plan binds the period
(dates) and the area (a unit code matched against the subject's area columns). The query is
checked before it is built (an unknown subject, field, operator or aggregate raises
``CountingError`` naming it) and always becomes one SQL statement: no Python loop over rows, no
``eval``.

A later subject (records of a register, trace events) joins the allow-list with ONE entry in
``SUBJECTS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    FromClause,
    Select,
    and_,
    case,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import ColumnClause

from engine.storage import tables as t


@dataclass(frozen=True)
class Subject:
    """One countable subject: where its rows live, its date, its area columns and its fields."""

    name: str
    source: Callable[[], FromClause]
    date_column: Callable[[], ColumnElement[Any]]
    area_columns: Callable[[], Sequence[ColumnElement[Any]]]
    fields: Mapping[str, Callable[[], ColumnElement[Any]]]
    key: Callable[[], ColumnElement[Any]]


def _certificate_source() -> FromClause:
    return t.certificates.join(t.dossiers, t.certificates.c.dossier_id == t.dossiers.c.id)


# The allow-list. A new subject is one more entry here; nothing else in this module changes.
SUBJECTS: dict[str, Subject] = {
    "dossiers": Subject(
        name="dossiers",
        source=lambda: t.dossiers,
        date_column=lambda: t.dossiers.c.filed_on,
        area_columns=lambda: (t.dossiers.c.province_code, t.dossiers.c.commune_code),
        key=lambda: t.dossiers.c.id,
        fields={
            "state": lambda: t.dossiers.c.state,
            "kind": lambda: t.dossiers.c.kind,
            "stars": lambda: t.dossiers.c.stars,
            "product_group": lambda: t.dossiers.c.product_group,
            "product_set": lambda: t.dossiers.c.product_set,
            "producer_org": lambda: t.dossiers.c.producer_org,
            "workflow_id": lambda: t.dossiers.c.workflow_id,
            "score_total": lambda: t.dossiers.c.score_total,
        },
    ),
    "certificates": Subject(
        name="certificates",
        source=_certificate_source,
        date_column=lambda: t.certificates.c.issued_on,
        area_columns=lambda: (t.dossiers.c.province_code, t.dossiers.c.commune_code),
        key=lambda: t.certificates.c.id,
        fields={
            "stars": lambda: t.certificates.c.stars,
            "status": lambda: t.certificates.c.status,
            "producer_org": lambda: t.certificates.c.producer_org,
            "product_code": lambda: t.certificates.c.product_code,
            "product_group": lambda: t.dossiers.c.product_group,
            "kind": lambda: t.dossiers.c.kind,
        },
    ),
}

Area = str | Sequence[str] | None  # one unit code, several (a plan's areas), or everywhere

OPERATORS = ("eq", "ne", "in", "gte", "lte", "gt", "lt")
AGGREGATES = ("count", "distinct", "sum", "share")


class CountingError(ValueError):
    """A counting query that names something outside the allow-list; ``where`` is its path."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class CountQuery:
    subject: str
    aggregate: str = "count"
    filters: tuple[Filter, ...] = ()
    of: str | None = None  # the field for distinct / sum
    share_of: tuple[Filter, ...] = field(default=())  # for share: the numerator's extra filters


def parse(raw: Mapping[str, Any], where: str = "count") -> CountQuery:
    """Read and check a counting query as written in YAML; raise CountingError naming the part."""
    subject_name = raw.get("subject")
    if subject_name not in SUBJECTS:
        known = ", ".join(sorted(SUBJECTS))
        raise CountingError(f"{where}.subject", f"unknown subject {subject_name!r} (known: {known})")
    subject = SUBJECTS[subject_name]
    aggregate = raw.get("aggregate", "count")
    if aggregate not in AGGREGATES:
        raise CountingError(f"{where}.aggregate", f"unknown aggregate {aggregate!r}")
    filters = _filters(subject, raw.get("where", {}), f"{where}.where")
    of = raw.get("of")
    if aggregate in ("distinct", "sum"):
        if of not in subject.fields:
            raise CountingError(f"{where}.of", f"{aggregate} needs a field of {subject.name}, got {of!r}")
    elif of is not None:
        raise CountingError(f"{where}.of", f"'of' is only for distinct and sum, not {aggregate}")
    share_of: tuple[Filter, ...] = ()
    if aggregate == "share":
        if "numerator" not in raw:
            raise CountingError(f"{where}.numerator", "a share needs the numerator's filters")
        share_of = _filters(subject, raw["numerator"], f"{where}.numerator")
    return CountQuery(subject_name, aggregate, filters, of, share_of)


def _filters(subject: Subject, raw: Any, where: str) -> tuple[Filter, ...]:
    if not isinstance(raw, Mapping):
        raise CountingError(where, "expected a mapping of field: condition")
    out: list[Filter] = []
    for name, condition in raw.items():
        if name not in subject.fields:
            known = ", ".join(sorted(subject.fields))
            raise CountingError(f"{where}.{name}", f"unknown field of {subject.name} (known: {known})")
        if isinstance(condition, Mapping):
            for op, value in condition.items():
                if op not in OPERATORS:
                    raise CountingError(
                        f"{where}.{name}.{op}", f"unknown operator (known: {', '.join(OPERATORS)})"
                    )
                if op == "in" and not isinstance(value, list):
                    raise CountingError(f"{where}.{name}.in", "expected a list")
                out.append(Filter(name, op, value))
        else:
            out.append(Filter(name, "eq", condition))
    return tuple(out)


def _condition(subject: Subject, flt: Filter) -> ColumnElement[bool]:
    column = subject.fields[flt.field]()
    clause: ColumnElement[bool]
    if flt.op == "eq":
        clause = column == flt.value
    elif flt.op == "ne":
        clause = column != flt.value
    elif flt.op == "in":
        clause = column.in_(list(flt.value))
    elif flt.op == "gte":
        clause = column >= flt.value
    elif flt.op == "lte":
        clause = column <= flt.value
    elif flt.op == "gt":
        clause = column > flt.value
    else:
        clause = column < flt.value
    return clause


def _bound(
    subject: Subject, filters: Sequence[Filter], start: date, end: date | None, area: Area
) -> list[ColumnElement[bool]]:
    day = subject.date_column()
    clauses: list[ColumnElement[bool]] = [day >= start]
    if end is not None:
        clauses.append(day <= end)
    if area is not None:
        codes = [area] if isinstance(area, str) else list(area)
        clauses.append(or_(*[column.in_(codes) for column in subject.area_columns()]))
    clauses.extend(_condition(subject, f) for f in filters)
    return clauses


def statement(query: CountQuery, start: date, end: date, area: Area) -> Select[Any]:
    """One SQL statement giving the indicator's actual for [start, end] in ``area`` (all if None)."""
    subject = SUBJECTS[query.subject]
    where = and_(*_bound(subject, query.filters, start, end, area))
    return select(_value(subject, query).label("actual")).select_from(subject.source()).where(where)


def series_statement(query: CountQuery, start: date, ends: Sequence[date], area: Area) -> Select[Any]:
    """One SQL statement giving the actual over [start, e] for each e of ``ends`` (the last days of
    consecutive months: the progress month by month, cumulative), rows (end, actual); 0 where nothing.

    One scan of the subject grouped by month, then running sums over the months (a window): a
    share is the running numerator over the running denominator, a distinct count counts each
    value in the month it first appears."""
    keys = [e.year * 12 + e.month for e in ends]
    if not keys or keys != list(range(start.year * 12 + start.month, keys[0] + len(keys))):
        raise ValueError("the ends must be consecutive months from the start's")  # rows would fall between
    subject = SUBJECTS[query.subject]
    day = subject.date_column()
    where = and_(*_bound(subject, query.filters, start, ends[-1], area))
    if query.aggregate == "distinct":
        assert query.of is not None
        value = subject.fields[query.of]()
        firsts = (
            select(value.label("value"), func.min(day).label("first"))
            .select_from(subject.source())
            .where(where, value.is_not(None))
            .group_by(value)
            .subquery("firsts")
        )
        month = _month_key(firsts.c.first)
        per_month = select(month.label("month"), func.count().label("num"), literal(0).label("den")).group_by(
            month
        )
    else:
        month = _month_key(day)
        num, den = _parts(subject, query)
        per_month = (
            select(month.label("month"), num.label("num"), den.label("den"))
            .select_from(subject.source())
            .where(where)
            .group_by(month)
        )
    grouped = per_month.subquery("per_month")
    months = union_all(
        *[
            select(literal(e, Date).label("until"), literal(e.year * 100 + e.month).label("month"))
            for e in ends
        ]
    ).subquery("months")
    running_num = func.sum(func.coalesce(grouped.c.num, 0)).over(order_by=months.c.until)
    running: ColumnElement[Any] = running_num
    if query.aggregate == "share":
        running_den = func.sum(func.coalesce(grouped.c.den, 0)).over(order_by=months.c.until)
        running = func.coalesce(running_num * 1.0 / func.nullif(running_den, 0), 0)
    joined = months.outerjoin(grouped, grouped.c.month == months.c.month)
    return select(months.c.until, running.label("actual")).select_from(joined).order_by(months.c.until)


def by_area_statement(query: CountQuery, start: date, end: date, codes: Sequence[str]) -> CompoundSelect[Any]:
    """One SQL statement giving the actual in each area of ``codes`` that has rows, rows (code,
    actual): one grouped scan per area column (a code is a unit of one level, so it is found in
    one column only); an area without rows has no row (its actual is 0)."""
    subject = SUBJECTS[query.subject]
    branches = []
    for column in subject.area_columns():
        where = and_(*_bound(subject, query.filters, start, end, area=None), column.in_(list(codes)))
        branches.append(
            select(column.label("code"), _value(subject, query).label("actual"))
            .select_from(subject.source())
            .where(where)
            .group_by(column)
        )
    return union_all(*branches)


def _month_key(day: ColumnElement[Any]) -> ColumnElement[Any]:
    """A date's month as a number, 202607 for July 2026 (SQLite and PostgreSQL alike)."""
    return extract("year", day) * 100 + extract("month", day)


def _parts(subject: Subject, query: CountQuery) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """What adds up month by month: (numerator, denominator); the denominator is only a share's."""
    rows = func.count(subject.key())
    if query.aggregate == "sum":
        assert query.of is not None
        return func.coalesce(func.sum(subject.fields[query.of]()), 0), rows
    if query.aggregate == "share":
        hit = and_(*[_condition(subject, f) for f in query.share_of]) if query.share_of else literal(True)
        return func.sum(case((hit, 1), else_=0)), rows
    return rows, rows


def _value(subject: Subject, query: CountQuery) -> ColumnElement[Any]:
    value: ColumnElement[Any]
    if query.aggregate == "count":
        value = func.count(subject.key())
    elif query.aggregate == "distinct":
        assert query.of is not None
        value = func.count(subject.fields[query.of]().distinct())
    elif query.aggregate == "sum":
        assert query.of is not None
        value = func.coalesce(func.sum(subject.fields[query.of]()), 0)
    else:
        hit = and_(*[_condition(subject, f) for f in query.share_of]) if query.share_of else literal(True)
        numerator = func.sum(case((hit, 1), else_=0))
        value = func.coalesce(numerator * 1.0 / func.nullif(func.count(subject.key()), 0), 0)
    return value


def items_statement(query: CountQuery, start: date, end: date, area: Area) -> Select[Any]:
    """The keys of the rows a figure counted (for share: the numerator's rows), same bounds."""
    subject = SUBJECTS[query.subject]
    filters = tuple(query.filters) + (query.share_of if query.aggregate == "share" else ())
    key = subject.key()
    assert isinstance(key, ColumnClause)
    return (
        select(key)
        .select_from(subject.source())
        .where(and_(*_bound(subject, filters, start, end, area)))
        .order_by(key)
    )
