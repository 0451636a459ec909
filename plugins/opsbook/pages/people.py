"""Owners and responsibilities: a page per team and per role, and an index of teams.

Each page gathers, from every playbook, what falls to that team or role: the playbooks it owns,
the launch checklist items assigned to it, the process steps its roles own, the RACI entries
that name it, the processes its roles take part in and the glossary terms it owns. References
in kinds this module does not know (an organisation's own kinds) are listed under "Also named
in", found through the schema's ``team``/``role``/``party`` meanings, so a new kind needs no
Python to show up here. Deprecated playbooks count only as owned: nobody follows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from opsbook.model import Playbook, Role, Team, Term
from opsbook.pages import rituals_calendar
from opsbook.schemas import Shape

if TYPE_CHECKING:
    from opsbook.site import Job, Page, SiteBuilder

#: RACI columns in the order a RACI chart reads, with what each letter means.
RACI_LETTERS = (("responsible", "R", "Responsible: does the work"),
                ("accountable", "A", "Accountable: signs off"),
                ("consulted", "C", "Consulted before"),
                ("informed", "I", "Informed after"))
RACI_MEANING = {letter: meaning for _, letter, meaning in RACI_LETTERS}


@dataclass(frozen=True)
class ItemDuty:
    """A checklist item assigned to a team."""

    checklist: Playbook
    phase: str
    position: tuple[int, int]
    item: dict[str, Any]
    offset: int

    @property
    def tiers(self) -> list[str]:
        """The tier ids the item applies to (every tier when the item names none)."""
        return list(self.item.get("tiers") or [t["id"] for t in self.checklist.data["tiers"]])

    @property
    def all_tiers(self) -> bool:
        return not self.item.get("tiers")

    @property
    def tier_names(self) -> list[str]:
        names = {t["id"]: t["name"] for t in self.checklist.data["tiers"]}
        return [names.get(t, t) for t in self.tiers]


@dataclass(frozen=True)
class StepDuty:
    """A process step owned by a role."""

    process: Playbook
    number: int
    step: dict[str, Any]
    role: str


@dataclass(frozen=True)
class RaciDuty:
    """One RACI row of a process naming a team or role, with the letters it holds there."""

    process: Playbook
    row: int
    activity: str
    party: str
    letters: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """A team or role named in a field this module has no section for."""

    playbook: Playbook
    field: str
    party: str


@dataclass
class Duties:
    """Everything that names one team or role directly (not through its roles)."""

    owns: list[Playbook] = field(default_factory=list)
    items: list[ItemDuty] = field(default_factory=list)
    steps: list[StepDuty] = field(default_factory=list)
    raci: list[RaciDuty] = field(default_factory=list)
    takes_part: list[Playbook] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass(frozen=True)
class Participation:
    """A process some of a team's roles take part in."""

    process: Playbook
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Responsibilities:
    """What falls to a team (itself and its roles) or to a single role, sorted for display."""

    owns: list[Playbook]
    checklists: list[tuple[Playbook, list[ItemDuty]]]
    steps: list[StepDuty]
    raci: list[RaciDuty]
    takes_part: list[Participation]
    terms: list[Term]
    mentions: list[Mention]

    @property
    def item_count(self) -> int:
        return sum(len(items) for _, items in self.checklists)

    @property
    def raci_rows(self) -> int:
        """RACI activities naming the party, each counted once however many letters it holds."""
        return len({(d.process.id, d.row) for d in self.raci})


# Fields each built-in kind shows in its own section, so they are not repeated as mentions.
def _covered(kind: str, path: tuple[str | int, ...]) -> bool:
    if path == ("owner",):
        return True
    if kind == "checklist":
        return len(path) == 5 and path[0] == "phases" and path[-1] == "team"
    if kind == "process":
        return (path[0] in ("raci", "participants")
                or (len(path) == 3 and path[0] == "steps" and path[-1] == "owner"))
    if kind == "glossary":
        return len(path) == 3 and path[0] == "terms" and path[-1] == "owner"
    if kind == "organisation":
        return path[0] in ("teams", "roles")
    return False


def _field_label(builder: SiteBuilder, playbook: Playbook, path: tuple[str | int, ...]) -> str:
    """``Steps › Step owner``: the schema titles along ``path`` (keys where there is none)."""
    shape: Shape | None = builder.handbook.schemas.kinds[playbook.kind].shape
    parts: list[str] = []
    for key in path:
        child = shape.child(key) if shape is not None else None
        if isinstance(key, int):
            if parts:
                parts[-1] = f"{parts[-1]} {key + 1}"
        else:
            parts.append(child.title if child is not None and child.title else key)
        shape = child
    return " › ".join(parts)


def collect(builder: SiteBuilder) -> dict[str, Duties]:
    """Every duty in the handbook, keyed by the team or role id that is named for it."""
    index = builder.index
    out: dict[str, Duties] = {pid: Duties() for pid in (*index.teams, *index.roles)}

    def duties(party: str) -> Duties:
        return out.setdefault(party, Duties())

    for playbook in sorted(builder.handbook.playbooks.values(), key=lambda p: p.id):
        data = playbook.data
        duties(playbook.owner).owns.append(playbook)
        if playbook.status == "deprecated":
            continue  # still owned, but nobody follows it any more
        if playbook.kind == "checklist":
            for p, phase in enumerate(data["phases"]):
                for i, item in enumerate(phase["items"]):
                    duties(item["team"]).items.append(ItemDuty(
                        playbook, phase["title"], (p, i), item, int(item["due"][:-1])))
        elif playbook.kind == "process":
            for n, step in enumerate(data["steps"], start=1):
                duties(step["owner"]).steps.append(StepDuty(playbook, n, step, step["owner"]))
            for role in dict.fromkeys(data["participants"]):
                duties(role).takes_part.append(playbook)
            for r, row in enumerate(data.get("raci", ())):
                letters: dict[str, list[str]] = {}
                for key, letter, _ in RACI_LETTERS:
                    named = row.get(key, [])
                    for party in [named] if isinstance(named, str) else named:
                        letters.setdefault(party, []).append(letter)
                for party, held in letters.items():
                    duties(party).raci.append(
                        RaciDuty(playbook, r, row["activity"], party, tuple(held)))
        for ref in playbook.refs:
            if ref.meaning in ("team", "role", "party") and not _covered(playbook.kind, ref.path):
                duties(ref.target).mentions.append(
                    Mention(playbook, _field_label(builder, playbook, ref.path), ref.target))
    for term in sorted(index.terms.values(), key=lambda t: t.id):
        glossary = index.playbooks[term.glossary]
        if glossary.status == "deprecated":
            continue
        duties(term.owner or glossary.owner).terms.append(term)
    return out


def _title_key(playbook: Playbook) -> tuple[str, str]:
    return playbook.title.lower(), playbook.id


def responsibilities(builder: SiteBuilder, all_duties: dict[str, Duties],
                     parties: Iterable[str]) -> Responsibilities:
    """The duties of ``parties`` (a team and its roles, or one role), merged and sorted."""
    index = builder.index
    merged = Duties()
    participation: dict[str, list[str]] = {}
    for party in parties:
        found = all_duties.get(party, Duties())
        merged.owns += found.owns
        merged.items += found.items
        merged.steps += found.steps
        merged.raci += found.raci
        merged.terms += found.terms
        merged.mentions += found.mentions
        for process in found.takes_part:
            participation.setdefault(process.id, []).append(party)
    by_checklist: dict[str, list[ItemDuty]] = {}
    for item in merged.items:
        by_checklist.setdefault(item.checklist.id, []).append(item)
    checklists = sorted(
        ((index.playbooks[cid], sorted(items, key=lambda d: (d.offset, d.position)))
         for cid, items in by_checklist.items()), key=lambda pair: _title_key(pair[0]))

    def name(party: str) -> str:
        record = index.teams.get(party) or index.roles.get(party)
        return record.name.lower() if record is not None else party

    return Responsibilities(
        owns=sorted(merged.owns, key=_title_key),
        checklists=checklists,
        steps=sorted(merged.steps, key=lambda d: (*_title_key(d.process), d.number)),
        raci=sorted(merged.raci, key=lambda d: (*_title_key(d.process), d.row, name(d.party))),
        takes_part=sorted((Participation(index.playbooks[pid], tuple(sorted(roles, key=name)))
                           for pid, roles in participation.items()),
                          key=lambda p: _title_key(p.process)),
        terms=sorted(merged.terms, key=lambda t: (t.term.lower(), t.id)),
        mentions=sorted(merged.mentions,
                        key=lambda m: (*_title_key(m.playbook), m.field, name(m.party))),
    )


def roles_of_team(builder: SiteBuilder, tid: str) -> list[Role]:
    return sorted((r for r in builder.index.roles.values() if r.team == tid),
                  key=lambda r: (r.name.lower(), r.id))


def sorted_teams(builder: SiteBuilder) -> list[Team]:
    return sorted(builder.index.teams.values(), key=lambda t: (t.name.lower(), t.id))


def pages(builder: SiteBuilder) -> Iterator[Job]:
    """``teams/index.md``, ``teams/<id>.md`` per team and ``roles/<id>.md`` per role."""
    from opsbook.site import Job, Page

    all_duties = collect(builder)
    team_feeds = {feed.team: feed.path for feed in rituals_calendar.feeds(
        builder, rituals_calendar.find_rituals(builder)) if feed.team}
    summary = []
    for team in sorted_teams(builder):
        roles = roles_of_team(builder, team.id)
        parties = [team.id, *(r.id for r in roles)]
        found = responsibilities(builder, all_duties, parties)
        summary.append((team, roles, found))
        src = f"teams/{team.id}.md"

        def team_page(team: Team = team, roles: list[Role] = roles, found: Responsibilities = found,
                      src: str = src) -> Page:
            return Page(src, builder.render(
                "team.md.j2", src, {"title": team.name}, team=team, roles=roles, duties=found,
                raci_letters=RACI_LETTERS, raci_meaning=RACI_MEANING,
                defined_in=builder.defined_in(team.source.path), feed=team_feeds.get(team.id)),
                team.source.path)

        yield Job(src, team_page, partial(_shows, builder, parties))
    for role in sorted(builder.index.roles.values(), key=lambda r: r.id):
        src = f"roles/{role.id}.md"

        def role_page(role: Role = role, src: str = src) -> Page:
            return Page(src, builder.render(
                "role.md.j2", src, {"title": role.name},
                duties=responsibilities(builder, all_duties, [role.id]), role=role,
                raci_letters=RACI_LETTERS, raci_meaning=RACI_MEANING,
                defined_in=builder.defined_in(role.source.path)),
                role.source.path)

        yield Job(src, role_page, partial(_shows, builder, [role.id]))
    roles = sorted(builder.index.roles.values(), key=lambda r: (r.name.lower(), r.id))
    yield Job("teams/index.md", lambda: Page("teams/index.md", builder.render(
        "teams.md.j2", "teams/index.md", {"title": "Teams and responsibilities"},
        summary=summary, roles=roles)))


def _shows(builder: SiteBuilder, parties: list[str]) -> set[str]:
    """A team or role page shows what the playbooks naming it (or the team's roles) ask."""
    return builder.shown_by(builder.mentioning(parties))


def assets(builder: SiteBuilder) -> list[Job]:
    return []
