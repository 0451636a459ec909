"""The "Needs review" page: playbooks whose review is due or overdue, grouped by owner team,
and every playbook by the date its next review falls due.

Freshness comes from :func:`opsbook.model.freshness` judged on the handbook's ``today`` (the
``today`` option or ``$OPSBOOK_TODAY``), so the page is the same for the same input. Deprecated
playbooks are not reviewed any more (they point to their replacement) and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from opsbook.model import Freshness, Playbook, freshness

if TYPE_CHECKING:
    from opsbook.site import Job, Page, SiteBuilder

SRC = "review.md"
#: States that put a playbook on the page, most urgent first.
NEEDS_REVIEW = ("overdue", "due", "unknown")


@dataclass(frozen=True)
class Entry:
    playbook: Playbook
    fresh: Freshness

    @property
    def urgency(self) -> tuple[int, dt.date, int, str]:
        """Overdue first (longest overdue first), then due by date, then never reviewed."""
        rank = NEEDS_REVIEW.index(self.fresh.state) if self.fresh.state in NEEDS_REVIEW else 3
        return (rank, self.fresh.due or dt.date.max, -self.fresh.days_overdue, self.playbook.id)


def entries(builder: SiteBuilder) -> list[Entry]:
    """Every playbook still followed, with its freshness, by next due date then id."""
    settings = builder.handbook.settings
    out = [Entry(pb, freshness(pb.review, settings.today, settings.review_grace_days))
           for pb in builder.handbook.playbooks.values() if pb.status != "deprecated"]
    return sorted(out, key=lambda e: (e.fresh.due or dt.date.max, e.playbook.id))


def by_owner(builder: SiteBuilder, listed: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """The entries that need review, grouped by owner team (teams by name, most urgent first)."""
    groups: dict[str, list[Entry]] = {}
    for entry in listed:
        if entry.fresh.state in NEEDS_REVIEW:
            groups.setdefault(entry.playbook.owner, []).append(entry)

    def team_key(tid: str) -> tuple[str, str]:
        team = builder.index.teams.get(tid)
        return (team.name.lower() if team else tid, tid)

    return [(tid, sorted(groups[tid], key=lambda e: e.urgency))
            for tid in sorted(groups, key=team_key)]


def pages(builder: SiteBuilder) -> Iterator[Job]:
    from opsbook.site import Job

    yield Job(SRC, partial(page, builder))  # shows every playbook's freshness


def page(builder: SiteBuilder) -> Page:
    from opsbook.site import Page

    listed = entries(builder)
    groups = by_owner(builder, listed)
    settings = builder.handbook.settings
    counts = {state: sum(e.fresh.state == state for e in listed)
              for state in ("overdue", "due", "unknown", "current")}
    return Page(SRC, builder.render(
        "review.md.j2", SRC, {"title": "Needs review"}, groups=groups, listed=listed,
        counts=counts, today=settings.today, grace_days=settings.review_grace_days,
        deprecated=sorted((p for p in builder.handbook.playbooks.values()
                           if p.status == "deprecated"), key=lambda p: p.id)))


def assets(builder: SiteBuilder) -> list[Job]:
    return []
