"""The rituals calendar: cadences as dates and as RRULEs, the page for a fixed "today", and
the iCalendar feeds read back with the ``icalendar`` library and expanded with ``dateutil``."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from conftest import ROOT, TODAY, build
from opsbook import ical, rituals
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine, Handbook
from opsbook.pages import rituals_calendar
from opsbook.site import SiteBuilder

SMALL = ROOT / "tests" / "fixtures" / "small"
YEAR = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))

CADENCES: list[dict[str, Any]] = [
    {"every": "week", "day": "wednesday"},
    {"every": "week", "starts": "2026-03-05"},  # no day: the weekday of `starts`
    {"every": "two-weeks", "day": "wednesday", "starts": "2026-01-07"},
    {"every": "two-weeks", "day": "friday", "starts": "2026-01-14"},  # starts on a Wednesday
    {"every": "two-weeks", "day": "monday"},
    {"every": "month", "week_of_month": "first", "day": "monday"},
    {"every": "month", "week_of_month": "last", "day": "friday", "starts": "2026-01-30"},
    {"every": "month", "week_of_month": "third", "day": "sunday", "starts": "2027-05-01"},
    {"every": "quarter", "week_of_month": "first", "day": "thursday", "starts": "2026-04-02"},
    {"every": "quarter", "week_of_month": "last", "day": "tuesday", "starts": "2026-02-10"},
    {"every": "month"},
]


def load(root: Path, today: str, monkeypatch: pytest.MonkeyPatch) -> Handbook:
    monkeypatch.setenv("OPSBOOK_TODAY", today)
    handbook = Engine(settings_for(root, read_options(root / "mkdocs.yml"))).load()
    assert handbook.errors == []
    return handbook


def repo_page(today: str, monkeypatch: pytest.MonkeyPatch) -> str:
    builder = SiteBuilder(load(ROOT, today, monkeypatch))
    pages = {p.src_uri: p.content for p in builder.pages()}
    return pages["rituals.md"]


def feeds(builder: SiteBuilder) -> dict[str, bytes]:
    return {a.path: a.content for a in (job.make() for job in rituals_calendar.assets(builder))}


def expand(event: icalendar.Event, start: dt.date, end: dt.date) -> list[dt.date]:
    """The event's dates from ``start`` to ``end``, by its own DTSTART and RRULE."""
    first = event.decoded("DTSTART")
    if not isinstance(first, dt.datetime):
        first = dt.datetime.combine(first, dt.time())
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=first)
    low = dt.datetime.combine(start, dt.time(), first.tzinfo)
    high = dt.datetime.combine(end, dt.time(23, 59), first.tzinfo)
    return [d.date() for d in rule.between(low, high, inc=True)]


# -- cadences ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cadence", CADENCES, ids=lambda c: "-".join(map(str, c.values())))
def test_the_rrule_says_what_occurrences_computes(cadence: dict[str, Any]) -> None:
    start = dt.datetime.combine(rituals.first_occurrence(cadence), dt.time(10))
    rule = rrulestr(rituals.rrule(cadence), dtstart=start)
    for low, high in (YEAR, (start.date(), start.date() + dt.timedelta(days=366))):
        expanded = [d.date() for d in rule.between(dt.datetime.combine(low, dt.time()),
                                                   dt.datetime.combine(high, dt.time(23)),
                                                   inc=True)]
        assert expanded == list(rituals.occurrences(cadence, low, high))


def test_rrules_are_the_documented_ones() -> None:
    assert rituals.rrule({"every": "week", "day": "wednesday"}) == "FREQ=WEEKLY;BYDAY=WE"
    assert rituals.rrule({"every": "two-weeks", "day": "wednesday"}) == \
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
    assert rituals.rrule({"every": "month", "week_of_month": "first", "day": "monday"}) == \
        "FREQ=MONTHLY;BYDAY=1MO"
    assert rituals.rrule({"every": "month", "week_of_month": "last", "day": "friday"}) == \
        "FREQ=MONTHLY;BYDAY=-1FR"
    assert rituals.rrule({"every": "quarter", "week_of_month": "first", "day": "thursday"}) == \
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TH"


def test_nothing_falls_before_starts_and_quarters_start_in_january() -> None:
    quarterly = {"every": "quarter", "week_of_month": "last", "day": "tuesday",
                 "starts": "2026-02-10"}
    assert rituals.first_occurrence(quarterly) == dt.date(2026, 4, 28)
    assert [d.month for d in rituals.occurrences(quarterly, *YEAR)] == [1, 4, 7, 10]
    fortnightly = {"every": "two-weeks", "day": "friday", "starts": "2026-01-14"}
    assert rituals.first_occurrence(fortnightly) == dt.date(2026, 1, 16)


def test_a_cadence_without_a_day_is_described_with_the_day_it_falls_on() -> None:
    assert rituals.describe({"every": "week", "starts": "2026-03-05"}) == "Every week on Thursday"
    assert rituals.describe({"every": "month"}) == "Every month, on the first Monday"
    assert rituals.describe(None) == "On demand"


# -- the page ---------------------------------------------------------------------------------


def test_the_week_of_today_lists_each_ritual_on_its_day(monkeypatch: pytest.MonkeyPatch) -> None:
    page = repo_page(TODAY, monkeypatch)  # Thursday 26 November 2026
    week = page[page.index("## This week"):page.index("## November 2026")]
    days = re.findall(r'<li class="ob-cal-week-day[^"]*" data-date="([\d-]+)">(.*?)\n</li>',
                      week, re.S)
    found = {day: re.findall(r'data-ritual="([a-z-]+)"', body) for day, body in days}
    assert found == {
        "2026-11-23": ["pm-dashboard-review"],
        "2026-11-24": ["user-research-recruitment"],
        "2026-11-25": ["sprint-review"],
        "2026-11-26": [],
        "2026-11-27": ["customer-feedback-trends"],
        "2026-11-28": [],
        "2026-11-29": [],
    }
    assert 'class="ob-cal-week-day ob-today ob-empty" data-date="2026-11-26"' in week
    entry = re.search(r'<li class="ob-cal-ritual" data-ritual="sprint-review">.*?</li>', week)
    assert entry is not None
    assert 'href="../playbooks/rituals/sprint-review/">Sprint review</a>' in entry.group(0)
    assert "<time>14:00</time>–<time>15:00</time>" in entry.group(0)
    assert "Europe/London" in entry.group(0)
    assert "60 min" in entry.group(0)
    assert 'href="../teams/product-ops/">Product Operations</a>' in entry.group(0)
    # Deprecated rituals are not on the calendar.
    assert "release-demo-day" not in page


def test_this_month_and_the_next_show_every_occurrence(monkeypatch: pytest.MonkeyPatch) -> None:
    page = repo_page(TODAY, monkeypatch)
    headings = re.findall(r"^## (.+)$", page, re.M)
    assert headings == ["This week", "November 2026", "December 2026", "All rituals",
                        "Subscribe"]
    handbook = load(ROOT, TODAY, monkeypatch)
    for month, title in ((11, "November 2026"), (12, "December 2026")):
        start = page.index(f"## {title}")
        grid = page[start:page.index("\n## ", start + 3)]
        cells = dict(re.findall(r'<td class="ob-cal-day[^"]*" data-date="([\d-]+)">(.*?)</td>',
                                grid, re.S))
        last = (dt.date(2026, month + 1, 1) if month < 12 else dt.date(2027, 1, 1)) - \
            dt.timedelta(days=1)
        assert len(cells) == last.day
        for pid in ("pm-dashboard-review", "sprint-review", "customer-feedback-trends",
                    "user-research-recruitment", "quarterly-roadmap-review"):
            cadence = handbook.playbooks[pid].data["cadence"]
            expected = [d.isoformat() for d in
                        rituals.occurrences(cadence, dt.date(2026, month, 1), last)]
            assert [day for day, body in sorted(cells.items())
                    if f'data-ritual="{pid}"' in body] == expected, (pid, title)
    assert 'class="ob-cal-day ob-today" data-date="2026-11-26"' not in page  # no ritual today
    assert 'class="ob-cal-day ob-today ob-empty" data-date="2026-11-26"' in page


def test_the_calendar_turns_the_year(monkeypatch: pytest.MonkeyPatch) -> None:
    page = repo_page("2027-01-01", monkeypatch)
    assert re.findall(r"^## (.+)$", page, re.M)[1:3] == ["January 2027", "February 2027"]
    assert 'data-date="2026-12-28"' in page  # the week starts on Monday 28 December
    january = page[page.index("## January 2027"):page.index("## February 2027")]
    assert re.search(r'data-date="2027-01-07">.*?data-ritual="quarterly-roadmap-review"',
                     january, re.S)


def test_the_page_links_every_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    page = repo_page(TODAY, monkeypatch)
    subscribe = page[page.index("## Subscribe"):]
    links = re.findall(r'<a class="ob-cal-feed" href="([^"]+)">', subscribe)
    assert links[0] == "../calendar/handbook.ics"
    assert "../calendar/product-ops.ics" in links
    assert "../calendar/design.ics" in links
    assert "webcal://" not in subscribe  # no site_url: no absolute address to give
    for client in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert client in subscribe


# -- the feeds --------------------------------------------------------------------------------


def test_feeds_parse_and_expand_like_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    handbook = load(ROOT, TODAY, monkeypatch)
    builder = SiteBuilder(handbook)
    files = feeds(builder)
    calendar = icalendar.Calendar.from_ical(files["calendar/handbook.ics"])
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert sorted(events) == [
        "customer-feedback-trends@handbook", "pm-dashboard-review@handbook",
        "quarterly-roadmap-review@handbook", "sprint-review@handbook",
        "user-research-recruitment@handbook"]
    for uid, event in events.items():
        playbook = handbook.playbooks[uid.split("@")[0]]
        cadence = playbook.data["cadence"]
        start = event.decoded("DTSTART")
        assert isinstance(start, dt.datetime)
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert start.tzinfo is not None
        assert start.utcoffset() == start.replace(tzinfo=ZoneInfo("Europe/London")).utcoffset()
        assert start.strftime("%H:%M") == cadence["time"]
        assert start.date() == rituals.first_occurrence(cadence)
        assert event.decoded("DURATION") == dt.timedelta(minutes=playbook.data["duration_minutes"])
        assert expand(event, *YEAR) == list(rituals.occurrences(cadence, *YEAR)), uid
        assert str(event["SUMMARY"]) == playbook.title
        description = str(event["DESCRIPTION"])
        assert description.startswith(builder.text.plain(playbook.summary))
        assert f"{builder.playbook_url(playbook.id)} in the handbook" in description
        assert event.decoded("DTSTAMP") == dt.datetime.combine(
            playbook.review.last_reviewed, dt.time(), dt.UTC)  # type: ignore[union-attr]
        assert "URL" not in event  # no site_url, no absolute address
    sprint = str(events["sprint-review@handbook"]["RRULE"].to_ical().decode())
    assert sprint == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"


def test_each_team_gets_the_rituals_it_owns_or_takes_part_in(
        monkeypatch: pytest.MonkeyPatch) -> None:
    handbook = load(ROOT, TODAY, monkeypatch)
    files = feeds(SiteBuilder(handbook))
    index = handbook.index
    expected: dict[str, set[str]] = {}
    for playbook in handbook.playbooks.values():
        if "cadence" not in playbook.data or playbook.status == "deprecated":
            continue
        teams = {playbook.owner} | {index.roles[r].team for r in playbook.data["participants"]}
        for team in teams:
            expected.setdefault(team, set()).add(playbook.id)
    found = {}
    for path, content in files.items():
        if path == "calendar/handbook.ics":
            continue
        calendar = icalendar.Calendar.from_ical(content)
        found[path.removeprefix("calendar/").removesuffix(".ics")] = {
            str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")}
        assert str(calendar["X-WR-CALNAME"]).endswith(
            f"{index.teams[path[9:-4]].name} rituals")
    assert found == expected
    assert found["design"] == {"sprint-review"}


def test_feeds_are_well_formed_icalendar(monkeypatch: pytest.MonkeyPatch) -> None:
    builder = SiteBuilder(load(ROOT, TODAY, monkeypatch))
    for path, content in feeds(builder).items():
        assert content.endswith(b"\r\n"), path
        lines = content.split(b"\r\n")[:-1]
        assert b"\n" not in b"".join(lines), path  # CRLF only
        assert max(len(line) for line in lines) <= 75, path
        assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
        calendar = icalendar.Calendar.from_ical(content)
        assert str(calendar["VERSION"]) == "2.0"
        assert calendar["PRODID"]
        zones = calendar.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    again = feeds(SiteBuilder(load(ROOT, "2030-06-01", monkeypatch)))
    assert again == feeds(builder)  # not tied to the day it is built


@pytest.mark.parametrize("tzid", ["Europe/London", "America/New_York", "Australia/Sydney",
                                  "Asia/Tokyo", "America/Sao_Paulo", "Africa/Casablanca"])
def test_vtimezone_matches_the_iana_data(tzid: str) -> None:
    lines = ical.vtimezone(tzid, 2026)
    text = ical.calendar_lines(["VERSION:2.0", "PRODID:-//test//EN"], [lines])
    parsed = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")[0].to_tz()
    zone = ZoneInfo(tzid)
    moment = dt.datetime(2026, 1, 1, 12)
    while moment.year < 2030:
        assert moment.replace(tzinfo=parsed).utcoffset() == \
            moment.replace(tzinfo=zone).utcoffset(), (tzid, moment)
        moment += dt.timedelta(days=5, hours=7)


def test_text_is_escaped_and_folded_without_splitting_characters() -> None:
    assert ical.escape_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "DESCRIPTION:" + "Zoë’s réunion, ünd 日本語 " * 12
    folded = ical.fold(line)
    physical = folded.split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    for part in physical:
        part.decode("utf-8")  # no character cut in two
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == line + "\r\n"


def _fold_by_character(line: str) -> bytes:
    """Folding as RFC 5545 describes it: a character at a time, a line at most 75 octets
    (74 after the leading space of a continuation)."""
    lines, limit = [b""], 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(lines[-1]) + len(encoded) > limit:
            lines.append(b"")
            limit = 74
        lines[-1] += encoded
    return b"\r\n ".join(lines) + b"\r\n"


@pytest.mark.parametrize("piece", ["a", "é", "日", "😀", "a,é"])
def test_lines_of_every_length_fold_a_character_at_a_time(piece: str) -> None:
    for length in range(400):
        line = ("DESCRIPTION:" + "x" * length)[:length]
        mixed = line[: length // 2] + piece + line[length // 2:]
        for text in (line, mixed):
            assert ical.fold(text) == _fold_by_character(text), text


def _small_copy(tmp_path: Path) -> Path:
    project = tmp_path / "small"
    shutil.copytree(SMALL, project)
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8").replace(
        "../../../schemas", (ROOT / "schemas").as_posix())
    config.write_text("site_url: https://handbook.example.com/ops/\n" + text, encoding="utf-8")
    return project


def test_unknown_zones_float_and_untimed_rituals_last_all_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _small_copy(tmp_path)
    standup = project / "playbooks" / "rituals" / "standup.yaml"
    text = standup.read_text(encoding="utf-8")
    standup.write_text(text.replace("Europe/Paris", "Mars/Olympus_Mons"), encoding="utf-8")
    event = icalendar.Calendar.from_ical(
        feeds(SiteBuilder(load(project, TODAY, monkeypatch)))["calendar/handbook.ics"]
    ).walk("VEVENT")[0]
    assert "TZID" not in event["DTSTART"].params
    assert event.decoded("DTSTART") == dt.datetime(2024, 1, 1, 9, 30)  # floating
    standup.write_text(text.replace('  time: "09:30"\n', ""), encoding="utf-8")
    content = feeds(SiteBuilder(load(project, TODAY, monkeypatch)))["calendar/handbook.ics"]
    calendar = icalendar.Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("DTSTART") == dt.date(2024, 1, 1)
    assert "DURATION" not in event
    assert calendar.walk("VTIMEZONE") == []


@pytest.mark.slow
def test_a_built_site_publishes_feeds_with_absolute_links(tmp_path: Path) -> None:
    project = _small_copy(tmp_path)
    site = tmp_path / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    calendar = icalendar.Calendar.from_ical((site / "calendar" / "handbook.ics").read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Small handbook: rituals"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == "standup@handbook.example.com"
    assert str(event["URL"]) == "https://handbook.example.com/ops/playbooks/rituals/standup/"
    assert str(event["DESCRIPTION"]).endswith(
        "How we run it: https://handbook.example.com/ops/playbooks/rituals/standup/")
    assert (site / "calendar" / "eng.ics").is_file()
    html = (site / "rituals" / "index.html").read_text(encoding="utf-8")
    assert 'href="webcal://handbook.example.com/ops/calendar/handbook.ics"' in html
    assert 'href="../calendar/eng.ics"' in html


def test_a_handbook_without_rituals_says_so(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    project = _small_copy(tmp_path)
    standup = project / "playbooks" / "rituals" / "standup.yaml"
    text = standup.read_text(encoding="utf-8")
    start, end = text.index("cadence:"), text.index("duration_minutes:")
    standup.write_text(text[:start] + text[end:], encoding="utf-8")
    builder = SiteBuilder(load(project, TODAY, monkeypatch))
    page = {p.src_uri: p.content for p in builder.pages()}["rituals.md"]
    assert "No playbook has a cadence yet." in page
    assert "## This week" not in page
    assert "Run when needed" in page and 'href="../playbooks/rituals/standup/"' in page
    files = feeds(builder)
    assert list(files) == ["calendar/handbook.ics"]
    assert icalendar.Calendar.from_ical(files["calendar/handbook.ics"]).walk("VEVENT") == []
