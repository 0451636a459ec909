"""Typed records of a loaded handbook, each carrying its source file and line.

The records are built from data that already passed its schema, so constructors read fields
without re-checking them. ``tests/test_model.py`` fails when a record's fields and its
schema's properties drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opsbook.yamlsrc import Document, Path

WIKI_LINK = re.compile(r"\[\[([a-z0-9]+(?:-[a-z0-9]+)*)\]\]")
#: A Markdown link ``[text](url)``; ``MD_LINK.sub(r"\1", text)`` keeps only its text.
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
REVIEW_MONTHS = {"monthly": 1, "quarterly": 3, "twice-yearly": 6, "yearly": 12}


@dataclass(frozen=True)
class Source:
    """Where a record was written: a path relative to the project root, 1-based line."""

    path: str
    line: int


@dataclass(frozen=True)
class Review:
    last_reviewed: dt.date
    every: str

    @property
    def due(self) -> dt.date:
        """The date the next review falls due (calendar months after the last)."""
        months = REVIEW_MONTHS[self.every]
        year, month0 = divmod(self.last_reviewed.month - 1 + months, 12)
        year += self.last_reviewed.year
        day = self.last_reviewed.day
        while True:
            try:
                return dt.date(year, month0 + 1, day)
            except ValueError:
                day -= 1


@dataclass(frozen=True)
class Freshness:
    """A playbook's review state on a given day."""

    state: str  # "current", "due" or "overdue"
    due: dt.date | None
    days_overdue: int = 0

    @property
    def label(self) -> str:
        return {"current": "Current", "due": "Review due", "overdue": "Overdue",
                "unknown": "Never reviewed"}[self.state]


def freshness(review: Review | None, today: dt.date, grace_days: int) -> Freshness:
    """``due`` from 14 days before the due date; ``overdue`` once ``grace_days`` have passed."""
    if review is None:
        return Freshness("unknown", None)
    due = review.due
    late = (today - due).days
    if late > grace_days:
        return Freshness("overdue", due, late)
    if late >= -14:
        return Freshness("due", due, max(late, 0))
    return Freshness("current", due)


@dataclass(frozen=True)
class Ref:
    """A reference found in a playbook: a team, role, team-or-role, or playbook/term id."""

    path: Path
    meaning: str  # "team", "role", "party", "ref" or "wiki" (a [[id]] in Markdown text)
    target: str


@dataclass(frozen=True)
class Playbook:
    """One validated playbook: the shared envelope as fields, the rest in ``data``."""

    kind: str
    id: str
    title: str
    summary: str
    owner: str
    status: str
    replaced_by: str | None
    tags: tuple[str, ...]
    links: tuple[str, ...]
    review: Review | None
    source: Source
    folder: tuple[str, ...]
    data: Mapping[str, Any] = field(repr=False, compare=False)
    doc: Document = field(repr=False, compare=False)
    refs: tuple[Ref, ...] = field(default=(), repr=False, compare=False)

    def line_of(self, path: Path) -> int:
        return self.doc.locate(path)[0]

    @classmethod
    def from_document(cls, doc: Document, source: Source, folder: tuple[str, ...],
                      refs: tuple[Ref, ...]) -> Playbook:
        data = doc.data
        review = data.get("review")
        return cls(
            kind=data["kind"], id=data["id"], title=data["title"], summary=data["summary"],
            owner=data["owner"], status=data.get("status", "active"),
            replaced_by=data.get("replaced_by"), tags=tuple(data.get("tags", ())),
            links=tuple(data.get("links", ())),
            review=Review(dt.date.fromisoformat(review["last_reviewed"]), review["every"])
            if review else None,
            source=source, folder=folder, data=data, doc=doc, refs=refs)


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    description: str
    contact: str | None
    source: Source


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    team: str
    description: str | None
    source: Source


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    type: str
    definition: str
    formula: str | None
    unit: str | None
    source_text: str | None
    owner: str | None
    aliases: tuple[str, ...]
    not_to_be_confused_with: tuple[str, ...]
    glossary: str
    source: Source

    @property
    def short(self) -> str:
        """The first sentence of the definition, for tooltips, without Markdown links."""
        text = WIKI_LINK.sub(lambda m: m.group(1), " ".join(self.definition.split()))
        text = MD_LINK.sub(r"\1", text)
        end = re.search(r"(?<=[.!?])\s", text)
        return text[: end.start()] if end else text


def teams_of(playbook: Playbook) -> list[Team]:
    out = []
    for index, team in enumerate(playbook.data.get("teams", ())):
        out.append(Team(team["id"], team["name"], team["description"], team.get("contact"),
                        Source(playbook.source.path, playbook.line_of(("teams", index)))))
    return out


def roles_of(playbook: Playbook) -> list[Role]:
    out = []
    for index, role in enumerate(playbook.data.get("roles", ())):
        out.append(Role(role["id"], role["name"], role["team"], role.get("description"),
                        Source(playbook.source.path, playbook.line_of(("roles", index)))))
    return out


def terms_of(playbook: Playbook) -> list[Term]:
    out = []
    for index, term in enumerate(playbook.data.get("terms", ())):
        out.append(Term(
            term["id"], term["term"], term.get("type", "term"), term["definition"],
            term.get("formula"), term.get("unit"), term.get("source"), term.get("owner"),
            tuple(term.get("aliases", ())), tuple(term.get("not_to_be_confused_with", ())),
            playbook.id, Source(playbook.source.path, playbook.line_of(("terms", index)))))
    return out
