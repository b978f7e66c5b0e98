"""The rounds a dossier joined and the councils' sittings per round (engine/service/rounds.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.storage import tables as t

Row = dict[str, Any]


class RoundStore:
    connection: Connection

    def join_round(self, dossier_id: int, series: str, year: int, round_id: str, cutoff: dt.date) -> None:
        self.connection.execute(
            insert(t.dossier_rounds).values(
                dossier_id=dossier_id, series=series, year=year, round_id=round_id, cutoff=cutoff
            )
        )

    def rounds_for_dossiers(self, ids: Sequence[int]) -> list[Row]:
        """The dossiers' rounds, each with its sitting's state when seated."""
        r, s = t.dossier_rounds.c, t.sittings.c
        q = (
            select(t.dossier_rounds, s.state.label("sitting_state"))
            .select_from(t.dossier_rounds.outerjoin(t.sittings, r.sitting_id == s.id))
            .where(r.dossier_id.in_(list(ids)))
            .order_by(r.dossier_id, r.cutoff, r.series)
        )
        return [dict(x) for x in self.connection.execute(q).mappings()]

    def sitting_for(self, workflow_id: str, state: str, series: str, year: int, round_id: str,
                    created_at: dt.datetime) -> int:  # fmt: skip
        """The sitting of this council for this round, made the first time a dossier needs it."""
        s = t.sittings.c
        key = and_(s.workflow_id == workflow_id, s.state == state, s.series == series, s.year == year,
                   s.round_id == round_id)  # fmt: skip
        found = self.connection.execute(select(s.id).where(key)).scalar()
        if found is not None:
            return int(found)
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(
                    insert(t.sittings).values(
                        workflow_id=workflow_id,
                        state=state,
                        series=series,
                        year=year,
                        round_id=round_id,
                        created_at=created_at,
                    )
                )
                return int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError:  # another transaction made it meanwhile
            return int(self.connection.execute(select(s.id).where(key)).scalar_one())

    def sitting(self, sitting_id: int) -> Row | None:
        found = self.connection.execute(select(t.sittings).where(t.sittings.c.id == sitting_id)).mappings()
        row = found.first()
        return dict(row) if row is not None else None

    def seat(self, dossier_id: int, series: str, sitting_id: int) -> None:
        r = t.dossier_rounds.c
        q = update(t.dossier_rounds).where(r.dossier_id == dossier_id, r.series == series)
        self.connection.execute(q.values(sitting_id=sitting_id))

    def rounds_in_use(self) -> list[Row]:
        """Every (series, year, round_id) some dossier joined, latest first (the list filter's choices)."""
        r = t.dossier_rounds.c
        q = select(r.series, r.year, r.round_id).distinct().order_by(r.year.desc(), r.series, r.round_id)
        return [dict(x) for x in self.connection.execute(q).mappings()]
