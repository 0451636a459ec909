"""Cadences of recurring processes: their wording, the dates they fall on, and the same
rule as an iCalendar ``RRULE``.

:func:`occurrences` is the one source of truth for dates; :func:`rrule` says the same thing
to calendar clients, and ``tests/test_calendar.py`` expands one with the other for a year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_EVERY = {"week": "Every week", "two-weeks": "Every two weeks", "month": "Every month",
          "quarter": "Every quarter"}
#: Where series without a ``starts`` date begin: a Monday, so two-weekly series without an
#: anchor fall on even weeks counted from it.
EPOCH = dt.date(2024, 1, 1)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def weekday(cadence: Mapping[str, Any]) -> int:
    """The weekday (Monday is 0) a cadence falls on: its ``day``; else the weekday of
    ``starts``; else Monday."""
    if cadence.get("day"):
        return WEEKDAYS.index(cadence["day"])
    if cadence.get("starts"):
        return dt.date.fromisoformat(cadence["starts"]).weekday()
    return 0


def describe(cadence: Mapping[str, Any] | None) -> str:
    """``"Every two weeks on Wednesday at 14:00 (Europe/London)"``; ``"On demand"`` if none."""
    if not cadence:
        return "On demand"
    text = _EVERY[cadence["every"]]
    day = WEEKDAYS[weekday(cadence)].capitalize()
    if cadence["every"] in ("month", "quarter"):
        week = cadence.get("week_of_month", "first")
        first = " of the first month" if cadence["every"] == "quarter" else ""
        text += f", on the {week} {day}{first}"
    else:
        text += f" on {day}"
    if cadence.get("time"):
        text += f" at {cadence['time']}"
        if cadence.get("timezone"):
            text += f" ({cadence['timezone']})"
    return text


def _nth_weekday(year: int, month: int, day_of_week: int, which: int) -> dt.date:
    days = [d for d in calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == day_of_week]
    return days[which - 1] if which > 0 else days[-1]


def occurrences(cadence: Mapping[str, Any], start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Dates from ``start`` to ``end`` inclusive on which the cadence falls, in order.

    Nothing falls before ``starts``. Quarterly cadences fall in January, April, July and
    October.
    """
    every = cadence["every"]
    day_of_week = weekday(cadence)
    anchor = dt.date.fromisoformat(cadence["starts"]) if cadence.get("starts") else None
    if every in ("week", "two-weeks"):
        step = 7 if every == "week" else 14
        base = anchor or EPOCH
        base += dt.timedelta(days=(day_of_week - base.weekday()) % 7)
        first = max(start, base)
        offset = (first - base).days % step
        day = first + dt.timedelta(days=(step - offset) % step)
        while day <= end:
            yield day
            day += dt.timedelta(days=step)
        return
    which = ORDINALS[cadence.get("week_of_month", "first")]
    months = 1 if every == "month" else 3
    year, month = start.year, start.month
    if months == 3:
        month -= (month - 1) % 3
    while dt.date(year, month, 1) <= end:
        day = _nth_weekday(year, month, day_of_week, which)
        if start <= day <= end and (anchor is None or day >= anchor):
            yield day
        month += months
        if month > 12:
            year, month = year + 1, month - 12


def first_occurrence(cadence: Mapping[str, Any]) -> dt.date:
    """The first date of the series: the first occurrence on or after ``starts`` (or after
    :data:`EPOCH` when there is none). It is the ``DTSTART`` of the calendar event."""
    start = dt.date.fromisoformat(cadence["starts"]) if cadence.get("starts") else EPOCH
    # Every cadence falls at least once in any 3 months + 1 week.
    return next(occurrences(cadence, start, start + dt.timedelta(days=100)))


def rrule(cadence: Mapping[str, Any]) -> str:
    """The iCalendar (RFC 5545) recurrence rule of a cadence, such as
    ``FREQ=WEEKLY;INTERVAL=2;BYDAY=WE`` or ``FREQ=MONTHLY;INTERVAL=3;BYDAY=1TH``.

    It matches :func:`occurrences` from :func:`first_occurrence` on: the series starts in a
    quarter's first month, so every third month is again one.
    """
    byday = _BYDAY[weekday(cadence)]
    every = cadence["every"]
    if every == "week":
        return f"FREQ=WEEKLY;BYDAY={byday}"
    if every == "two-weeks":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={byday}"
    which = ORDINALS[cadence.get("week_of_month", "first")]
    interval = ";INTERVAL=3" if every == "quarter" else ""
    return f"FREQ=MONTHLY{interval};BYDAY={which}{byday}"
