"""Side-by-side comparison of a template's instances: ``compare/<template-id>.md``.

One column per instance (its owner team and period), one row per template field, grouped by the
template's sections, so leadership can read every team's roadmap across rather than down. Short
fields (numbers, choices, dates) are also gathered in an "At a glance" table at the top.
Optional fields an instance leaves out show "—".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from opsbook.model import Playbook

if TYPE_CHECKING:
    from opsbook.site import Job, Page, SiteBuilder

#: Field types short enough to compare in one glance.
GLANCE_TYPES = ("choice", "number", "date")
EMPTY = Markup('<span class="ob-empty-cell" title="Left out (optional)">—</span>')


def src_of(template_id: str) -> str:
    return f"compare/{template_id}.md"


def instances_of(builder: SiteBuilder, template: Playbook) -> list[Playbook]:
    """The template's instances, by owner team name, then period, then id."""
    def key(pb: Playbook) -> tuple[str, str, str]:
        team = builder.index.teams.get(pb.owner)
        return (team.name.lower() if team else pb.owner, str(pb.data.get("period", "")), pb.id)

    return sorted(builder.instances(template.id), key=key)


@dataclass(frozen=True)
class Row:
    """One template field across every instance."""

    section: dict[str, Any]
    spec: dict[str, Any]
    cells: list[Markup]


def rows(builder: SiteBuilder, template: Playbook, instances: list[Playbook],
         src: str) -> list[tuple[dict[str, Any], list[Row]]]:
    """Each template section with one row per field and one rendered cell per instance."""
    helpers = builder.helpers(src)
    md = helpers["md"]

    # One call per instance and field, thousands per build: f-strings over escape() give
    # what Markup.format gives (it escapes format(value, ""), which is str(value)) for less.
    def cell(spec: dict[str, Any], value: Any) -> Markup:
        kind = spec["type"]
        if kind == "text":
            return Markup(f'<div class="ob-cell-text">{md(value)}</div>')
        if kind == "list":
            items = "".join(f"<li>{md(v, inline=True)}</li>" for v in value)
            return Markup(f'<ul class="ob-cell-list">{items}</ul>')
        if kind == "date":
            return Markup(f'<time datetime="{escape(value)}">{escape(value)}</time>')
        if kind == "choice":
            options = spec.get("options", [])
            position = options.index(value) if value in options else -1
            return Markup(f'<span class="ob-choice" data-option="{position}">'
                          f"{escape(value)}</span>")
        return Markup(f'<span class="ob-number">{escape(value)}</span>')

    out = []
    for section in template.data["sections"]:
        section_rows = []
        for spec in section["fields"]:
            cells = []
            for pb in instances:
                values = pb.data["sections"].get(section["id"], {})
                cells.append(cell(spec, values[spec["id"]]) if spec["id"] in values else EMPTY)
            section_rows.append(Row(section, spec, cells))
        out.append((section, section_rows))
    return out


def pages(builder: SiteBuilder) -> Iterator[Job]:
    from opsbook.site import Job

    for template in sorted(builder.handbook.by_kind("template"), key=lambda p: p.id):
        yield Job(src_of(template.id), partial(page, builder, template),
                  partial(_shows, builder, template))


def page(builder: SiteBuilder, template: Playbook) -> Page:
    from opsbook.site import Page

    src = src_of(template.id)
    instances = instances_of(builder, template)
    sections = rows(builder, template, instances, src)
    glance = [row for _, section_rows in sections for row in section_rows
              if row.spec["type"] in GLANCE_TYPES]
    return Page(src, builder.render(
        "compare.md.j2", src, {"title": f"{template.title}: side by side",
                               # The columns need the width more than the site navigation.
                               "hide": ["navigation"]},
        tpl=template, instances=instances, sections=sections, glance=glance))


def _shows(builder: SiteBuilder, template: Playbook) -> set[str]:
    return builder.shown_by([template.id, *(p.id for p in instances_of(builder, template))])


def assets(builder: SiteBuilder) -> list[Job]:
    return []
