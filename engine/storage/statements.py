"""Statements built once and reused: the hot path skips SQL construction and cache-key work.

SQLAlchemy memoizes the cache key of a statement object, so executing the same
object with new bound values costs little more than the driver call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from engine.storage import tables as t

_cache: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def cached(key: tuple[str, ...], build: Callable[[], Any]) -> Any:
    statement = _cache.get(key)
    if statement is None:
        with _lock:
            statement = _cache.setdefault(key, build())
    return statement


d, fa, ev, ck, ce, ae, ah = (
    t.dossiers.c,
    t.form_answers.c,
    t.evidence.c,
    t.clocks.c,
    t.certificates.c,
    t.audit_events.c,
    t.audit_head.c,
)

DOSSIER = select(t.dossiers).where(d.id == bindparam("b_id"))
FORM_ANSWERS = select(t.form_answers).where(fa.dossier_id == bindparam("b_id"))
EVIDENCE = select(t.evidence).where(ev.dossier_id == bindparam("b_id")).order_by(ev.id)
CLOCKS = select(t.clocks).where(ck.dossier_id == bindparam("b_id")).order_by(ck.id)
CLOCKS_FOR = select(t.clocks).where(ck.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ck.id)
CERTIFICATES = select(t.certificates).where(ce.dossier_id == bindparam("b_id")).order_by(ce.id)
CERTIFICATES_FOR = (
    select(t.certificates).where(ce.dossier_id.in_(bindparam("b_ids", expanding=True))).order_by(ce.id)
)
FIRED = select(ae.actor, ae.payload).where(
    ae.dossier_id == bindparam("b_id"),
    ae.action == "fire",
    ae.to_state.in_(bindparam("b_states", expanding=True)),
)
INSERT_NOTIFICATION = insert(t.notifications)
HEAD = select(ah.seq, ah.hash).where(ah.id == 1)
HEAD_FOR_UPDATE = HEAD.with_for_update()
MOVE_HEAD = update(t.audit_head).where(ah.id == 1).values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
INSERT_EVENT = insert(t.audit_events)


def update_dossier(keys: Iterable[str], *, compare_version: bool) -> Any:
    """UPDATE dossiers SET <keys> WHERE id = :b_id [AND version = :b_version]."""
    names = tuple(sorted(keys))

    def build() -> Any:
        q = update(t.dossiers).where(d.id == bindparam("b_id"))
        if compare_version:
            q = q.where(d.version == bindparam("b_version"))
        return q.values({name: bindparam(name) for name in names})

    return cached(("update_dossier", str(compare_version), *names), build)


def update_clock(keys: Iterable[str]) -> Any:
    names = tuple(sorted(keys))

    def build() -> Any:
        q = update(t.clocks).where(ck.dossier_id == bindparam("b_id"), ck.name == bindparam("b_name"))
        return q.values({name: bindparam(name) for name in names})

    return cached(("update_clock", *names), build)
