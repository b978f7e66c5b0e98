"""Working-day calendars and deadline clocks. Pure: no IO, no clock reading.

A calendar is named in the workflow (`calendar: vn`): a country code whose
public holidays come from the `holidays` package (Vietnam's includes Tết),
plus Saturdays and Sundays — except a weekend day worked in exchange for a
substituted day off (e.g. Saturday 22 Aug 2026 for Monday 31 Aug 2026). The
name `calendar` means plain calendar days.

Counting convention: `add_working_days(start, n)` is the n-th working day
after `start` (the start day itself is not counted), and
`working_days_between(a, b)` counts the working days d with a < d <= b, so
`working_days_between(a, add_working_days(a, n)) == n`.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

import holidays
from holidays import HolidayBase

PLAIN = "calendar"
ClockKind = Literal["working", "calendar"]


class UnknownCalendar(ValueError):
    """A calendar name the holidays package does not know."""


# The package's calendars fill in years as they are asked for (a dict that grows): one lock
# keeps two threads from filling the same calendar at once. Its `weekend_workdays` are the
# weekend days worked in exchange for a substituted day off (Vietnam does this), so its own
# working-day functions already know them.
_LOCK = threading.Lock()


@lru_cache(maxsize=32)
def _calendar(calendar: str) -> HolidayBase:
    try:
        return holidays.country_holidays(calendar.upper())
    except NotImplementedError as exc:
        raise UnknownCalendar(f"unknown working-day calendar '{calendar}'") from exc


def is_working_day(day: dt.date, calendar: str = "vn") -> bool:
    if calendar == PLAIN:
        return True
    with _LOCK:
        return _calendar(calendar).is_working_day(day)


def holidays_in(year: int, calendar: str = "vn") -> frozenset[dt.date]:
    """Public holidays of one year (weekends not included)."""
    if calendar == PLAIN:
        return frozenset()
    with _LOCK:
        days = _calendar(calendar)
        days.get(dt.date(year, 1, 1))  # fills the year in
        return frozenset(d for d in days if d.year == year)


# Clock arithmetic walks day by day and every dossier snapshot repeats it for the same
# few (start, days) pairs: the two walks below are pure, so their answers are kept.
@lru_cache(maxsize=8192)
def add_working_days(start: dt.date, n: int, calendar: str = "vn") -> dt.date:
    """The n-th working day after `start` (before it when n < 0); n == 0 gives `start`."""
    if calendar == PLAIN or n == 0:
        return start + dt.timedelta(days=n)
    with _LOCK:
        found: dt.date = _calendar(calendar).get_nth_working_day(start, n)
    return found


@lru_cache(maxsize=8192)
def working_days_between(a: dt.date, b: dt.date, calendar: str = "vn") -> int:
    """Working days d with a < d <= b; negative when b is before a."""
    if calendar == PLAIN:
        return (b - a).days
    if b < a:
        return -working_days_between(b, a, calendar)
    if b == a:
        return 0
    with _LOCK:  # the package counts the closed range [start, end]
        count: int = _calendar(calendar).get_working_days_count(a + dt.timedelta(days=1), b)
    return count


@dataclass(frozen=True)
class ClockState:
    """A running deadline: `days` (working or calendar) from `started_on`.

    Paused time does not count: `paused_days` holds the days of finished pauses
    (in the clock's own unit); a clock paused now is frozen at `paused_on`.
    Every change returns a new ClockState.
    """

    name: str
    started_on: dt.date
    days: int
    kind: ClockKind = "working"
    paused_on: dt.date | None = None
    paused_days: int = 0
    stopped_on: dt.date | None = None
    calendar: str = "vn"

    @property
    def _cal(self) -> str:
        return PLAIN if self.kind == "calendar" else self.calendar

    @property
    def running(self) -> bool:
        return self.paused_on is None and self.stopped_on is None

    def due_date(self, today: dt.date | None = None) -> dt.date:
        """The day the time runs out. While paused, the pause so far (up to `today`) pushes it back."""
        extra = self.paused_days
        if self.paused_on is not None and today is not None and today > self.paused_on:
            extra += working_days_between(self.paused_on, today, self._cal)
        return add_working_days(self.started_on, self.days + extra, self._cal)

    def days_left(self, today: dt.date) -> int:
        """Days (in the clock's unit) from today to the due date; negative when overdue.

        Frozen while paused (counted at the pause) and after the clock stopped.
        """
        as_of = self.stopped_on or self.paused_on or today
        return working_days_between(as_of, self.due_date(), self._cal)

    def overdue(self, today: dt.date) -> bool:
        """Past its due date and still open (a stopped clock is never overdue)."""
        return self.stopped_on is None and self.days_left(today) < 0

    def pause(self, day: dt.date) -> ClockState:
        if self.paused_on is not None or self.stopped_on is not None:
            return self
        return replace(self, paused_on=max(day, self.started_on))

    def resume(self, day: dt.date) -> ClockState:
        if self.paused_on is None:
            return self
        gap = working_days_between(self.paused_on, max(day, self.paused_on), self._cal)
        return replace(self, paused_on=None, paused_days=self.paused_days + gap)

    def stop(self, day: dt.date) -> ClockState:
        if self.stopped_on is not None:
            return self
        resumed = self.resume(day)
        return replace(resumed, stopped_on=day)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started_on": self.started_on.isoformat(),
            "days": self.days,
            "kind": self.kind,
            "paused_on": self.paused_on.isoformat() if self.paused_on else None,
            "paused_days": self.paused_days,
            "stopped_on": self.stopped_on.isoformat() if self.stopped_on else None,
            "calendar": self.calendar,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClockState:
        def day(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        kind = data.get("kind", "working")
        if kind not in ("working", "calendar"):
            raise ValueError(f"unknown clock kind '{kind}'")
        started = day(data["started_on"])
        if started is None:
            raise ValueError("a clock needs started_on")
        return cls(
            name=str(data["name"]),
            started_on=started,
            days=int(data["days"]),
            kind=kind,
            paused_on=day(data.get("paused_on")),
            paused_days=int(data.get("paused_days", 0)),
            stopped_on=day(data.get("stopped_on")),
            calendar=str(data.get("calendar", "vn")),
        )
