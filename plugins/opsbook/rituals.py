"""Cadences of recurring processes: their wording, and the dates they fall on."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_EVERY = {"week": "Every week", "two-weeks": "Every two weeks", "month": "Every month",
          "quarter": "Every quarter"}


def describe(cadence: Mapping[str, Any] | None) -> str:
    """``"Every two weeks on Wednesday at 14:00 (Europe/London)"``; ``"On demand"`` if none."""
    if not cadence:
        return "On demand"
    text = _EVERY[cadence["every"]]
    day = cadence.get("day")
    week = cadence.get("week_of_month")
    if day and week and cadence["every"] in ("month", "quarter"):
        first = " of the first month" if cadence["every"] == "quarter" else ""
        text += f", on the {week} {day.capitalize()}{first}"
    elif day:
        text += f" on {day.capitalize()}"
    if cadence.get("time"):
        text += f" at {cadence['time']}"
        if cadence.get("timezone"):
            text += f" ({cadence['timezone']})"
    return text


def _nth_weekday(year: int, month: int, weekday: int, which: int) -> dt.date:
    days = [d for d in calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == weekday]
    return days[which - 1] if which > 0 else days[-1]


def occurrences(cadence: Mapping[str, Any], start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Dates from ``start`` to ``end`` inclusive on which the cadence falls, in order."""
    every = cadence["every"]
    weekday = WEEKDAYS.index(cadence.get("day", "monday"))
    anchor = dt.date.fromisoformat(cadence["starts"]) if cadence.get("starts") else None
    if every in ("week", "two-weeks"):
        step = 7 if every == "week" else 14
        if anchor is None:
            anchor = dt.date(2024, 1, 1)  # a Monday: two-weekly series start on even weeks
        anchor += dt.timedelta(days=(weekday - anchor.weekday()) % 7)
        first = max(start, anchor)
        offset = (first - anchor).days % step
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
        day = _nth_weekday(year, month, weekday, which)
        if start <= day <= end and (anchor is None or day >= anchor):
            yield day
        month += months
        if month > 12:
            year, month = year + 1, month - 12
