from __future__ import annotations

import datetime as dt

import pytest

from engine.workdays import (
    ClockState,
    UnknownCalendar,
    add_working_days,
    holidays_in,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before Tết
        (D(2026, 2, 14), False),  # Saturday
        (D(2026, 2, 15), False),  # Sunday
        (D(2026, 2, 16), False),  # Tết holiday (Monday)
        (D(2026, 2, 17), False),  # Mùng 1 Tết
        (D(2026, 2, 20), False),  # last Tết holiday (Friday)
        (D(2026, 2, 23), True),  # back to work
        (D(2026, 4, 30), False),  # Reunification Day
        (D(2026, 9, 2), False),  # National Day
        (D(2026, 5, 22), True),  # an ordinary Friday
        (D(2026, 8, 22), True),  # a Saturday worked in exchange for Monday 31 August
        (D(2026, 8, 31), False),  # the substituted day off
        (D(2025, 4, 26), True),  # worked Saturday for Friday 2 May 2025
        (D(2025, 5, 2), False),
        (D(2026, 8, 29), False),  # an ordinary Saturday
    ],
)
def test_the_vietnamese_calendar_knows_weekends_and_tet(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_the_holidays_package_includes_all_five_days_of_tet_2026() -> None:
    assert {D(2026, 2, d) for d in range(16, 21)} <= holidays_in(2026)


@pytest.mark.parametrize(
    ("start", "n", "calendar", "expected"),
    [
        (D(2026, 2, 13), 1, "vn", D(2026, 2, 23)),  # over a weekend and Tết
        (D(2026, 2, 12), 2, "vn", D(2026, 2, 23)),
        (D(2026, 6, 1), 15, "vn", D(2026, 6, 22)),  # three plain weeks
        (D(2026, 6, 1), 0, "vn", D(2026, 6, 1)),
        (D(2026, 6, 6), 1, "vn", D(2026, 6, 8)),  # from a Saturday
        (D(2026, 2, 23), -1, "vn", D(2026, 2, 13)),  # backwards over Tết
        (D(2026, 2, 13), 1, "calendar", D(2026, 2, 14)),
        (D(2026, 2, 13), 10, "calendar", D(2026, 2, 23)),
    ],
)
def test_adding_working_days(start: dt.date, n: int, calendar: str, expected: dt.date) -> None:
    assert add_working_days(start, n, calendar) == expected


@pytest.mark.parametrize(
    ("a", "b", "calendar", "expected"),
    [
        (D(2026, 2, 13), D(2026, 2, 23), "vn", 1),
        (D(2026, 2, 23), D(2026, 2, 13), "vn", -1),
        (D(2026, 6, 1), D(2026, 6, 22), "vn", 15),
        (D(2026, 6, 1), D(2026, 6, 1), "vn", 0),
        (D(2026, 2, 13), D(2026, 2, 23), "calendar", 10),
        (D(2025, 12, 31), D(2026, 1, 2), "vn", 1),  # New Year's Day across the year end
    ],
)
def test_counting_working_days_between_two_dates(
    a: dt.date, b: dt.date, calendar: str, expected: int
) -> None:
    assert working_days_between(a, b, calendar) == expected


def test_adding_then_counting_round_trips_across_a_year() -> None:
    start = D(2026, 1, 1)
    for n in range(0, 300, 7):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_an_unknown_calendar_name_is_a_clear_error() -> None:
    with pytest.raises(UnknownCalendar, match="unknown working-day calendar 'mars'"):
        add_working_days(D(2026, 1, 1), 3, "mars")


def clock(**kw: object) -> ClockState:
    base: dict[str, object] = {"name": "commune_review", "started_on": D(2026, 6, 1), "days": 15}
    base.update(kw)
    return ClockState(**base)  # type: ignore[arg-type]


def test_a_fifteen_working_day_clock_is_due_three_weeks_later() -> None:
    c = clock()
    assert c.due_date() == D(2026, 6, 22)
    assert c.days_left(D(2026, 6, 1)) == 15
    assert c.days_left(D(2026, 6, 22)) == 0
    assert not c.overdue(D(2026, 6, 22))
    assert c.overdue(D(2026, 6, 23))
    assert c.days_left(D(2026, 6, 23)) == -1


def test_a_clock_over_tet_skips_the_holidays() -> None:
    c = clock(started_on=D(2026, 2, 9), days=15)
    # 9 Feb + 4 working days = 13 Feb; 23 Feb is the 5th; ten more end on 9 Mar
    assert c.due_date() == D(2026, 3, 9)


def test_a_calendar_day_clock_counts_every_day() -> None:
    c = clock(kind="calendar", days=45)
    assert c.due_date() == D(2026, 7, 16)
    assert c.days_left(D(2026, 7, 1)) == 15


def test_paused_time_does_not_count() -> None:
    c = clock()
    paused = c.pause(D(2026, 6, 8))  # Monday, after 5 working days
    assert c.paused_on is None  # immutable: the original is unchanged
    assert paused.days_left(D(2026, 6, 30)) == 10  # frozen while paused
    assert not paused.overdue(D(2026, 7, 30))
    assert paused.due_date(D(2026, 6, 15)) == D(2026, 6, 29)  # a week of pause so far
    resumed = paused.resume(D(2026, 6, 15))
    assert resumed.paused_days == 5
    assert resumed.running
    assert resumed.due_date() == D(2026, 6, 29)
    assert resumed.days_left(D(2026, 6, 15)) == 10


def test_pausing_twice_or_resuming_a_running_clock_changes_nothing() -> None:
    paused = clock().pause(D(2026, 6, 8))
    assert paused.pause(D(2026, 6, 10)) == paused
    assert clock().resume(D(2026, 6, 10)) == clock()


def test_a_stopped_clock_is_never_overdue_and_keeps_its_count() -> None:
    stopped = clock().stop(D(2026, 6, 25))
    assert stopped.days_left(D(2026, 12, 1)) == -3
    assert not stopped.overdue(D(2026, 12, 1))
    assert not stopped.running


def test_stopping_a_paused_clock_ends_the_pause() -> None:
    stopped = clock().pause(D(2026, 6, 8)).stop(D(2026, 6, 15))
    assert stopped.paused_on is None
    assert stopped.paused_days == 5
    assert stopped.stopped_on == D(2026, 6, 15)


def test_a_clock_round_trips_through_a_dict() -> None:
    c = clock().pause(D(2026, 6, 8))
    assert ClockState.from_dict(c.as_dict()) == c


def test_a_clock_dict_with_a_bad_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown clock kind 'weekly'"):
        ClockState.from_dict({**clock().as_dict(), "kind": "weekly"})
