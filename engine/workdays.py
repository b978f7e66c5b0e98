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
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

import holidays

PLAIN = "calendar"
ClockKind = Literal["working", "calendar"]


class UnknownCalendar(ValueError):
    """A calendar name the holidays package does not know."""


# A day off moved from a weekend day is named "Day off (substituted from MM/DD/YYYY)" in
# the package's English names; that weekend day is then worked (Vietnam does this).
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


@lru_cache(maxsize=256)
def _year(calendar: str, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days worked instead) of one year."""
    code = calendar.upper()
    try:
        days = holidays.country_holidays(code, years=year, language="en_US")
    except NotImplementedError as exc:
        raise UnknownCalendar(f"unknown working-day calendar '{calendar}'") from exc
    worked: set[dt.date] = set()
    for name in days.values():
        for month, day, yr in _SUBSTITUTED.findall(name):
            worked.add(dt.date(int(yr), int(month), int(day)))
    return frozenset(days.keys()), frozenset(worked)


def _holidays(calendar: str, year: int) -> frozenset[dt.date]:
    return _year(calendar, year)[0]


@lru_cache(maxsize=256)
def _worked_weekend_days(calendar: str, year: int) -> frozenset[dt.date]:
    # The substitute day off may fall in the next year (a worked Saturday late in December).
    found = _year(calendar, year)[1] | _year(calendar, year + 1)[1]
    return frozenset(d for d in found if d.year == year)


def is_working_day(day: dt.date, calendar: str = "vn") -> bool:
    if calendar == PLAIN:
        return True
    if day.weekday() >= 5:
        return day in _worked_weekend_days(calendar, day.year)
    return day not in _holidays(calendar, day.year)


def holidays_in(year: int, calendar: str = "vn") -> frozenset[dt.date]:
    """Public holidays of one year (weekends not included)."""
    return frozenset() if calendar == PLAIN else _holidays(calendar, year)


# Clock arithmetic walks day by day and every dossier snapshot repeats it for the same
# few (start, days) pairs: the two walks below are pure, so their answers are kept.
@lru_cache(maxsize=8192)
def add_working_days(start: dt.date, n: int, calendar: str = "vn") -> dt.date:
    """The n-th working day after `start` (before it when n < 0); n == 0 gives `start`."""
    if calendar == PLAIN:
        return start + dt.timedelta(days=n)
    step = dt.timedelta(days=1 if n >= 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day, calendar):
            left -= 1
    return day


@lru_cache(maxsize=8192)
def working_days_between(a: dt.date, b: dt.date, calendar: str = "vn") -> int:
    """Working days d with a < d <= b; negative when b is before a."""
    if calendar == PLAIN:
        return (b - a).days
    if b < a:
        return -working_days_between(b, a, calendar)
    count, day, one = 0, a, dt.timedelta(days=1)
    while day < b:
        day += one
        if is_working_day(day, calendar):
            count += 1
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
