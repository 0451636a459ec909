"""Playbook data for hand-written pages, through mkdocs-macros.

Registered by the plugin when the ``macros`` plugin is enabled: a ``playbooks`` variable (every
playbook by id) and functions. The functions that show something return ready, sanitized HTML
in a ``<div class="ob-embed">`` block, with links relative to the page being rendered:

- ``playbook(id)``: one playbook's record (a dict, for your own Jinja);
- ``steps(id, details=False)``: a process's steps with owners and time boxes;
- ``playbook_list(kind=None, owner=None, tag=None)``: a table of playbooks;
- ``checklist_table(id, tier=None)``: a checklist's items by phase, for one tier or all;
- ``rituals_this_week()``: processes (and any playbook with a cadence) that fall in the week
  of "today", as on the rituals calendar.

Wrong arguments raise :class:`MacroError` with a suggestion; with mkdocs-macros'
``on_error_fail: true`` that fails the build, and ``on_undefined: strict`` catches a misspelt
variable or macro name. ``docs/opsbook/macros.md`` documents them with live examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from opsbook import rituals
from opsbook.describe import suggest

if TYPE_CHECKING:
    from opsbook.model import Playbook
    from opsbook.site import SiteBuilder

MACRO_NAMES = ("playbook", "steps", "playbook_list", "checklist_table", "rituals_this_week")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class MacroError(Exception):
    """A macro was called with something the handbook does not have."""


def day_text(day: dt.date, year: bool = False) -> str:
    """``"Monday 23 November"``, in English whatever the machine's locale."""
    text = f"{rituals.WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


class Macros:
    """The functions and variables a hand-written page can use."""

    def __init__(self, builder: SiteBuilder) -> None:
        self.builder = builder
        self.index = builder.index
        self._plugin: Any = None

    def register(self, macros_plugin: Any) -> None:
        """Hand the variables and macros to a mkdocs-macros plugin instance."""
        self._plugin = macros_plugin
        macros_plugin.register_variables({"playbooks": self.records()})
        macros_plugin.register_macros({
            "playbook": self.playbook,
            "steps": self.steps,
            "playbook_list": self.playbook_list,
            "checklist_table": self.checklist_table,
            "rituals_this_week": self.rituals_this_week,
        })

    # The page being rendered, for relative links: mkdocs-macros sets ``page`` on itself.
    @property
    def _base(self) -> str:
        # mkdocs-macros raises AttributeError before the first page, which getattr absorbs.
        page = getattr(self._plugin, "page", None)
        return str(page.url) if page is not None else ""

    def _get(self, pid: str, kind: str | None = None) -> Playbook:
        playbook = self.index.playbooks.get(pid)
        if playbook is None:
            raise MacroError(f"no playbook has the id {pid!r}"
                             f"{suggest(pid, set(self.index.playbooks)) or '.'}")
        if kind is not None and playbook.kind != kind:
            raise MacroError(f"{pid!r} is a {playbook.kind}, not a {kind}.")
        return playbook

    def records(self) -> dict[str, dict[str, Any]]:
        """Every playbook as a plain dict: envelope fields, ``url`` and the raw ``data``."""
        out = {}
        for pid, pb in sorted(self.index.playbooks.items()):
            out[pid] = {
                "id": pid, "kind": pb.kind, "title": pb.title, "summary": pb.summary,
                "owner": pb.owner, "status": pb.status, "tags": list(pb.tags),
                "links": list(pb.links), "url": self.builder.playbook_url(pid),
                "source": pb.source.path, "data": pb.data,
            }
        return out

    def playbook(self, pid: str) -> dict[str, Any]:
        """``playbook('sprint-review')``: one playbook's record (see :meth:`records`)."""
        self._get(pid)
        return self.records()[pid]

    # -- HTML blocks ---------------------------------------------------------------------

    def _render(self, name: str, css: str, **context: Any) -> Markup:
        """A packaged (or overridden) template rendered for the current page, in a block div.

        The div starts a line, so Markdown passes it through as one raw HTML block up to its
        closing tag; ``markdown="0"`` keeps md_in_html, if enabled, out of it too.
        """
        builder = self.builder
        body = builder.env.get_template(name).render(
            **builder.helpers_at(self._base), handbook=builder.handbook, index=self.index,
            **context)
        return Markup('<div class="ob-embed ob-embed--{}" markdown="0">\n{}</div>').format(
            css, Markup(body))

    def steps(self, pid: str, details: bool = False) -> Markup:
        """``steps('sprint-review')``: the process's steps, in order, with owner and time box,
        each linking to the step on the process page. ``details=True`` adds each step's text;
        it is off by default so a search finds the step on the process page, not on every page
        that lists it."""
        process = self._get(pid, "process")
        return self._render("macro-steps.html.j2", "steps", pb=process, data=process.data,
                            details=bool(details))

    def playbook_list(self, kind: str | None = None, owner: str | None = None,
                      tag: str | None = None) -> Markup:
        """``playbook_list(kind='process', owner='product-ops', tag='rituals')``: a table of the
        playbooks matching every filter given, by title."""
        handbook = self.builder.handbook
        if kind is not None and kind not in handbook.schemas.kinds:
            raise MacroError(f"{kind!r} is not a kind"
                             f"{suggest(kind, set(handbook.schemas.kinds)) or '.'}")
        if owner is not None and owner not in self.index.teams:
            raise MacroError(f"{owner!r} is not a team"
                             f"{suggest(owner, set(self.index.teams)) or '.'}")
        tags = {t for pb in handbook.playbooks.values() for t in pb.tags}
        if tag is not None and tag not in tags:
            raise MacroError(f"no playbook has the tag {tag!r}{suggest(tag, tags) or '.'}")
        chosen = sorted((pb for pb in handbook.playbooks.values()
                         if (kind is None or pb.kind == kind)
                         and (owner is None or pb.owner == owner)
                         and (tag is None or tag in pb.tags)),
                        key=lambda pb: (pb.title.lower(), pb.id))
        return self._render("macro-playbook-list.html.j2", "list", playbooks=chosen)

    def checklist_table(self, pid: str, tier: str | None = None) -> Markup:
        """``checklist_table('launch-checklist', tier='tier-2')``: the items by phase, in the
        order they fall due; only those of ``tier`` when it is given."""
        checklist = self._get(pid, "checklist")
        data = checklist.data
        tier_names = {t["id"]: t["name"] for t in data["tiers"]}
        if tier is not None and tier not in tier_names:
            raise MacroError(f"{tier!r} is not a tier of {pid!r}"
                             f"{suggest(tier, set(tier_names)) or '.'}"
                             f" Its tiers are: {', '.join(tier_names)}.")
        phases = []
        for phase in data["phases"]:
            items = [item for item in phase["items"]
                     if tier is None or tier in item.get("tiers", tier_names)]
            if items:
                phases.append((phase, items))
        return self._render("macro-checklist.html.j2", "checklist", pb=checklist,
                            phases=phases, tier=tier, tier_names=tier_names)

    def rituals_this_week(self) -> Markup:
        """``rituals_this_week()``: every playbook with a cadence that falls between Monday and
        Sunday of the week of "today" (the ``today`` option or ``$OPSBOOK_TODAY``, else the
        build date), by day and time. Deprecated playbooks are left out."""
        today = self.builder.handbook.settings.today
        monday = today - dt.timedelta(days=today.weekday())
        sunday = monday + dt.timedelta(days=6)
        found: list[tuple[dt.date, str, str, str, Playbook]] = []
        for pb in self.builder.handbook.playbooks.values():
            cadence = pb.data.get("cadence")
            # The same rituals as the rituals calendar: any kind may borrow ``cadence``.
            if not isinstance(cadence, Mapping) or not cadence.get("every") \
                    or pb.status == "deprecated":
                continue
            for day in rituals.occurrences(cadence, monday, sunday):
                found.append((day, cadence.get("time", ""), pb.title.lower(), pb.id, pb))
        found.sort(key=lambda entry: entry[:4])
        return self._render(
            "macro-rituals-week.html.j2", "week",
            entries=[(day, time, pb) for day, time, _, _, pb in found],
            monday=monday, sunday=sunday, today=today, day_text=day_text)
