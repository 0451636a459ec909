"""The rituals calendar: a page with this week and this month's rituals, and iCalendar feeds.

A ritual is any playbook with a ``cadence`` (processes, and an organisation's own kinds that
borrow the field) that is not deprecated. The page ``rituals.md`` shows the week of "today"
(``Settings.today``, so ``OPSBOOK_TODAY`` pins it), a month grid for this month and the next,
and every ritual with its cadence; it is plain HTML, readable with JavaScript off.

The feeds are ``calendar/handbook.ics`` (every ritual) and ``calendar/<team-id>.ics`` for each
team that owns a ritual or has a role taking part in one (a team whose id is ``handbook`` gets
``calendar/team-handbook.ics``). Each ritual is one recurring event whose ``RRULE`` says what
:func:`opsbook.rituals.occurrences` computes; ``DTSTAMP`` comes from the playbook's last review
so the same handbook gives the same bytes.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opsbook import ical, rituals
from opsbook.model import Playbook

if TYPE_CHECKING:
    from opsbook.site import Asset, Job, Page, SiteBuilder

SRC = "rituals.md"
FEED_DIR = "calendar"
ALL_FEED = "handbook"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: DTSTAMP of a ritual whose playbook has never been reviewed: fixed, never the clock.
NEVER_REVIEWED = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class Ritual:
    """A playbook that recurs on a cadence.

    Attributes:
        playbook: The playbook.
        cadence: Its ``cadence`` mapping, as validated.
        teams: Ids of the teams that own it or have a role taking part, sorted.
    """

    playbook: Playbook
    cadence: Mapping[str, Any]
    teams: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.playbook.id

    @property
    def duration(self) -> int | None:
        value = self.playbook.data.get("duration_minutes")
        return value if isinstance(value, int) else None

    @property
    def start(self) -> dt.time | None:
        text = self.cadence.get("time")
        return dt.time.fromisoformat(text) if text else None

    @property
    def timezone(self) -> str | None:
        return self.cadence.get("timezone") or None

    @property
    def end(self) -> dt.time | None:
        """The end time on the same clock, when the start time and duration are known."""
        if self.start is None or self.duration is None:
            return None
        moment = dt.datetime.combine(dt.date(2000, 1, 1), self.start)
        return (moment + dt.timedelta(minutes=self.duration)).time()

    def sort_key(self) -> tuple[str, str, str]:
        return (self.cadence.get("time", ""), self.playbook.title.lower(), self.id)


@dataclass(frozen=True)
class Day:
    """A calendar day and the rituals that fall on it, in time order."""

    date: dt.date
    rituals: tuple[Ritual, ...]
    in_month: bool = True

    @property
    def label(self) -> str:
        """``Wednesday 25 November 2026``."""
        return f"{DAYS[self.date.weekday()]} {self.date.day} {MONTHS[self.date.month - 1]} " \
               f"{self.date.year}"


@dataclass(frozen=True)
class Month:
    """A month as weeks of seven :class:`Day` (Monday first), with the days around it."""

    year: int
    month: int
    weeks: tuple[tuple[Day, ...], ...]

    @property
    def title(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"


@dataclass(frozen=True)
class Feed:
    """One iCalendar feed: its file, its name, and the rituals in it."""

    path: str
    name: str
    team: str | None
    rituals: tuple[Ritual, ...]


def teams_of(builder: SiteBuilder, playbook: Playbook) -> tuple[str, ...]:
    """The owning team and the teams of the roles taking part, sorted by id."""
    index = builder.index
    found: set[str] = set()
    for party in (playbook.owner, *playbook.data.get("participants", ())):
        if party in index.teams:
            found.add(party)
        elif party in index.roles and index.roles[party].team in index.teams:
            found.add(index.roles[party].team)
    return tuple(sorted(found))


def find_rituals(builder: SiteBuilder) -> list[Ritual]:
    """Every playbook with a cadence that teams still follow, by title."""
    out = []
    for playbook in builder.handbook.playbooks.values():
        cadence = playbook.data.get("cadence")
        if isinstance(cadence, Mapping) and cadence.get("every") and \
                playbook.status != "deprecated":
            out.append(Ritual(playbook, cadence, teams_of(builder, playbook)))
    return sorted(out, key=lambda r: (r.playbook.title.lower(), r.id))


def on_demand(builder: SiteBuilder) -> list[Playbook]:
    """Processes without a cadence (run when needed), by title."""
    return sorted((p for p in builder.handbook.by_kind("process")
                   if not p.data.get("cadence") and p.status != "deprecated"),
                  key=lambda p: (p.title.lower(), p.id))


def by_date(items: Iterable[Ritual], start: dt.date, end: dt.date) -> dict[dt.date, list[Ritual]]:
    """The rituals falling on each date from ``start`` to ``end``, each day in time order."""
    days: dict[dt.date, list[Ritual]] = {}
    for ritual in items:
        for day in rituals.occurrences(ritual.cadence, start, end):
            days.setdefault(day, []).append(ritual)
    return {day: sorted(found, key=Ritual.sort_key) for day, found in sorted(days.items())}


def week_of(items: list[Ritual], today: dt.date) -> list[Day]:
    """Monday to Sunday of the week holding ``today``."""
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    found = by_date(items, monday, sunday)
    return [Day(d, tuple(found.get(d, ()))) for d in
            (monday + dt.timedelta(days=i) for i in range(7))]


def month_of(items: list[Ritual], year: int, month: int) -> Month:
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    found = by_date(items, dt.date(year, month, 1),
                    dt.date(year, month, calendar.monthrange(year, month)[1]))
    return Month(year, month, tuple(
        tuple(Day(d, tuple(found.get(d, ())), d.month == month) for d in week)
        for week in weeks))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def feeds(builder: SiteBuilder, items: list[Ritual]) -> list[Feed]:
    """The all-rituals feed, then one per team with rituals (by team name)."""
    site = builder_site_name(builder)
    out = [Feed(f"{FEED_DIR}/{ALL_FEED}.ics", f"{site}: rituals", None, tuple(items))]
    teams = sorted({t for r in items for t in r.teams},
                   key=lambda t: (builder.index.teams[t].name.lower(), t))
    for team in teams:
        stem = f"team-{team}" if team == ALL_FEED else team
        out.append(Feed(f"{FEED_DIR}/{stem}.ics",
                        f"{site}: {builder.index.teams[team].name} rituals", team,
                        tuple(r for r in items if team in r.teams)))
    return out


def builder_site_name(builder: SiteBuilder) -> str:
    return builder.site_name or "Handbook"


def site_url(builder: SiteBuilder) -> str:
    """The site's absolute address with a trailing slash, or ``""`` when not configured."""
    url = builder.site_url
    return url if not url or url.endswith("/") else url + "/"


# -- the page ---------------------------------------------------------------------------------


def pages(builder: SiteBuilder) -> list[Job]:
    from opsbook.site import Job

    def shows() -> set[str]:
        return builder.faces(p.id for p in on_demand(builder)) | _shows(
            builder, find_rituals(builder))

    return [Job(SRC, partial(page, builder), shows)]


#: What the calendar and the feeds show of a ritual besides its face.
RITUAL_FIELDS = ("cadence", "duration_minutes", "participants")


def _shows(builder: SiteBuilder, items: Iterable[Ritual]) -> set[str]:
    ids = [r.id for r in items]
    return builder.faces(ids) | {f"{pid}/{name}" for pid in ids for name in RITUAL_FIELDS}


def page(builder: SiteBuilder) -> Page:
    from opsbook.site import Page

    items = find_rituals(builder)
    today = builder.handbook.settings.today
    year, month = today.year, today.month
    base = site_url(builder)
    content = builder.render(
        "rituals.md.j2", SRC, {"title": "Rituals calendar"},
        rituals=items, today=today, today_label=Day(today, ()).label,
        week=week_of(items, today),
        months=[month_of(items, year, month), month_of(items, *next_month(year, month))],
        next_dates={r.id: next(rituals.occurrences(r.cadence, today,
                                                   today + dt.timedelta(days=400)), None)
                    for r in items},
        feeds=feeds(builder, items), on_demand=on_demand(builder),
        webcal=("webcal://" + base.split("://", 1)[1]) if base.startswith("http") else "",
        day_names=DAYS, day_label=lambda d: Day(d, ()).label)
    return Page(SRC, content)


# -- the feeds ---------------------------------------------------------------------------------


def assets(builder: SiteBuilder) -> list[Job]:
    from opsbook.site import Asset, Job

    def make(feed: Feed) -> Asset:
        return Asset(feed.path, feed_bytes(builder, feed))

    def shows(feed: Feed) -> set[str]:
        return _shows(builder, feed.rituals)

    return [Job(feed.path, partial(make, feed), partial(shows, feed))
            for feed in feeds(builder, find_rituals(builder))]


def feed_bytes(builder: SiteBuilder, feed: Feed) -> bytes:
    """The feed as an iCalendar object (RFC 5545): one recurring VEVENT per ritual."""
    zones: dict[str, int] = {}
    for ritual in feed.rituals:
        if ritual.start is not None and ritual.timezone and ical.zone(ritual.timezone):
            year = rituals.first_occurrence(ritual.cadence).year
            zones[ritual.timezone] = min(year, zones.get(ritual.timezone, year))
    properties = [
        "VERSION:2.0",
        "PRODID:-//Opsbook//Rituals calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{ical.escape_text(feed.name)}",
        f"X-WR-CALNAME:{ical.escape_text(feed.name)}",
        # Ask subscribed clients to look for changes daily (RFC 7986, and Outlook's name).
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
    ]
    components = [ical.vtimezone(tzid, year) for tzid, year in sorted(zones.items())]
    components += [event_lines(builder, ritual) for ritual in feed.rituals]
    return ical.calendar_lines(properties, components)


def _uid_domain(builder: SiteBuilder) -> str:
    host = urlsplit(site_url(builder)).hostname
    return host or "handbook"


def event_lines(builder: SiteBuilder, ritual: Ritual) -> list[str]:
    """The VEVENT of one ritual."""
    playbook = ritual.playbook
    first = rituals.first_occurrence(ritual.cadence)
    stamp = ical.utc_stamp(playbook.review.last_reviewed if playbook.review else NEVER_REVIEWED)
    lines = ["BEGIN:VEVENT", f"UID:{ritual.id}@{_uid_domain(builder)}", f"DTSTAMP:{stamp}",
             f"LAST-MODIFIED:{stamp}"]
    if ritual.start is None:
        # No time of day: an all-day event (a date DTSTART lasts one day by default).
        lines.append(f"DTSTART;VALUE=DATE:{first:%Y%m%d}")
    else:
        start = ical.local_stamp(dt.datetime.combine(first, ritual.start))
        if ritual.timezone and ical.zone(ritual.timezone):
            lines.append(f"DTSTART;TZID={ritual.timezone}:{start}")
        else:
            # An unknown zone: "floating" time, the same clock time wherever the reader is.
            lines.append(f"DTSTART:{start}")
        if ritual.duration:
            lines.append(f"DURATION:PT{ritual.duration}M")
    lines.append(f"RRULE:{rituals.rrule(ritual.cadence)}")
    lines.append(f"SUMMARY:{ical.escape_text(playbook.title)}")
    lines.append(f"DESCRIPTION:{ical.escape_text(description(builder, ritual))}")
    url = page_address(builder, playbook.id)
    if url.startswith(("http://", "https://")):
        lines.append(f"URL:{url}")
    lines.append(f"STATUS:{'TENTATIVE' if playbook.status == 'draft' else 'CONFIRMED'}")
    lines.append(f"TRANSP:{'TRANSPARENT' if ritual.start is None else 'OPAQUE'}")
    lines.append("END:VEVENT")
    return lines


def page_address(builder: SiteBuilder, pid: str) -> str:
    """The playbook page's absolute URL, or its path in the site when no site_url is set."""
    return site_url(builder) + builder.playbook_url(pid)


def description(builder: SiteBuilder, ritual: Ritual) -> str:
    """The event's plain-text description: summary, when, owner, participants, address."""
    playbook = ritual.playbook
    index = builder.index
    names = []
    for party in playbook.data.get("participants", ()):
        names.append(index.roles[party].name if party in index.roles else
                     index.teams[party].name if party in index.teams else party)
    owner = index.teams[playbook.owner].name if playbook.owner in index.teams else playbook.owner
    when = rituals.describe(ritual.cadence)
    if ritual.duration:
        when += f", {ritual.duration} minutes"
    parts = [builder.text.plain(playbook.summary), "", f"When: {when}.", f"Owner: {owner}."]
    if names:
        parts.append(f"Participants: {', '.join(names)}.")
    address = page_address(builder, playbook.id)
    parts += ["", f"How we run it: {address}" if site_url(builder)
              else f"How we run it: {address} in the handbook"]
    return "\n".join(parts)
