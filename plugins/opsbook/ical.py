"""A small iCalendar (RFC 5545) writer: content lines, text escaping, line folding, and
``VTIMEZONE`` definitions derived from the IANA database.

Only what Opsbook's feeds need, so the package carries no calendar dependency; the tests parse
every feed with the ``icalendar`` library. Output is bytes with CRLF line ends and lines folded
at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Control characters TEXT values may not hold (RFC 5545 3.3.11); tabs and newlines are
#: handled separately.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UTC = dt.UTC
#: Years a VTIMEZONE's rules are checked against (and spelled out for, when no yearly rule
#: fits): from the year before the first event on.
_RULE_YEARS = 20
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped; other control
    characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded so no physical line exceeds 75 octets, CRLF-ended."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    if len(data) == len(line):
        # ASCII, one octet a character, so no character to keep whole: cut every 74 octets
        # after the first 75. Descriptions are long and mostly ASCII.
        out = [data[:75], *(data[i:i + 74] for i in range(75, len(data), 74))]
        return b"\r\n ".join(out) + b"\r\n"
    out = []
    chunk = b""
    limit = 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > limit:
            out.append(chunk)
            chunk = b""
            limit = 74  # a continuation line starts with one space
        chunk += encoded
    out.append(chunk)
    return b"\r\n ".join(out) + b"\r\n"


def utc_stamp(day: dt.date) -> str:
    """``20261007T000000Z``: midnight UTC of ``day``, for DTSTAMP and LAST-MODIFIED."""
    return f"{day:%Y%m%d}T000000Z"


def local_stamp(moment: dt.datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%S}"


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{mins:02d}"


@dataclass(frozen=True)
class _Transition:
    local: dt.datetime  # wall-clock time just before the change, in the old offset
    before: dt.timedelta
    after: dt.timedelta
    dst: bool
    name: str


def zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone named ``tzid``, or None when this system does not know it."""
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def _transitions(tz: ZoneInfo, year: int) -> tuple[_Transition, ...]:
    """Every change of UTC offset in ``year``, found day by day, then to the minute.

    Cached: every feed with a ritual in a zone needs the zone's twenty years, and a large
    handbook has dozens of feeds over a few zones. ``ZoneInfo(key)`` returns the same object
    for the same key, so the cache holds one entry per zone and year.
    """
    def offset(moment: dt.datetime) -> dt.timedelta:
        return moment.astimezone(tz).utcoffset() or dt.timedelta(0)

    out = []
    day = dt.datetime(year, 1, 1, tzinfo=_UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=_UTC)
    while day < end:
        following = day + dt.timedelta(days=1)
        if offset(day) != offset(following):
            low, high = day, following
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    break
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            before, after = offset(low), offset(high)
            local_after = high.astimezone(tz)
            out.append(_Transition((high + before).replace(tzinfo=None), before, after,
                                   bool(local_after.dst()), local_after.tzname() or ""))
        day = following
    return tuple(out)


def _yearly_rules(change: _Transition) -> Iterator[tuple[int, int]]:
    """Candidate (month, which) rules for a transition: last weekday first, then nth."""
    day = change.local.day
    length = calendar.monthrange(change.local.year, change.local.month)[1]
    if day + 7 > length:
        yield change.local.month, -1
    yield change.local.month, (day - 1) // 7 + 1


def _rule_date(year: int, month: int, weekday: int, which: int) -> dt.date:
    days = [d for d in calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == weekday]
    return days[which - 1] if which > 0 else days[-1]


def vtimezone(tzid: str, first_year: int) -> list[str]:
    """The VTIMEZONE component for ``tzid`` covering events from ``first_year`` on.

    Zones with a yearly daylight-saving rule (most of them) get one STANDARD and one DAYLIGHT
    part with a yearly RRULE, the form Outlook reads best; the rule is checked against the
    IANA data for twenty years. Zones without a regular rule get one part per change for
    those years. Zones without changes get a single STANDARD part.
    """
    tz = zone(tzid)
    if tz is None:
        raise ValueError(f"unknown time zone {tzid!r}")
    years = range(first_year - 1, first_year - 1 + _RULE_YEARS)
    by_year = {year: _transitions(tz, year) for year in years}
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    reference = by_year[first_year]
    if not any(by_year.values()):
        moment = dt.datetime(first_year, 1, 1, 12, tzinfo=_UTC).astimezone(tz)
        off = _offset(moment.utcoffset() or dt.timedelta(0))
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{off}",
                  f"TZOFFSETTO:{off}", f"TZNAME:{escape_text(moment.tzname() or tzid)}",
                  "END:STANDARD"]
        return [*lines, "END:VTIMEZONE"]
    parts = _rule_parts(reference, by_year) if len(reference) == 2 else None
    if parts is None:
        # No yearly rule fits: an onset long before the first event, then every change.
        first = next(change for year in years for change in by_year[year])
        steady = _Transition(dt.datetime(1970, 1, 1), first.before, first.before, False, "")
        parts = [_part(steady, "19700101T000000", None)]
        for year in years:
            for change in by_year[year]:
                parts.append(_part(change, local_stamp(change.local), None))
    for part in parts:
        lines += part
    return [*lines, "END:VTIMEZONE"]


def _part(change: _Transition, start: str, rule: str | None) -> list[str]:
    kind = "DAYLIGHT" if change.dst else "STANDARD"
    out = [f"BEGIN:{kind}", f"DTSTART:{start}"]
    if rule:
        out.append(f"RRULE:{rule}")
    out += [f"TZOFFSETFROM:{_offset(change.before)}", f"TZOFFSETTO:{_offset(change.after)}"]
    if change.name:
        out.append(f"TZNAME:{escape_text(change.name)}")
    return [*out, f"END:{kind}"]


def _rule_parts(reference: tuple[_Transition, ...],
                by_year: dict[int, tuple[_Transition, ...]]) -> list[list[str]] | None:
    """STANDARD and DAYLIGHT parts with yearly rules, if rules fit every year checked."""
    parts = []
    for index, change in enumerate(reference):
        weekday = change.local.weekday()
        for month, which in _yearly_rules(change):
            if all(len(changes) == 2
                   and changes[index].local.date() == _rule_date(year, month, weekday, which)
                   and changes[index].local.time() == change.local.time()
                   and changes[index].before == change.before
                   and changes[index].after == change.after
                   for year, changes in by_year.items()):
                break
        else:
            return None
        # Rules start in 1970, as most published VTIMEZONEs do, so that every event falls
        # after the first onset.
        start = dt.datetime.combine(_rule_date(1970, month, weekday, which), change.local.time())
        rule = f"FREQ=YEARLY;BYMONTH={month};BYDAY={which}{_BYDAY[weekday]}"
        parts.append(_part(change, local_stamp(start), rule))
    return parts


def calendar_lines(properties: Iterable[str], components: Iterable[list[str]]) -> bytes:
    """A VCALENDAR object with ``properties`` and ``components`` (already content lines)."""
    lines = ["BEGIN:VCALENDAR", *properties]
    for component in components:
        lines += component
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
