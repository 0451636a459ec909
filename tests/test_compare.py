"""Templates' instances side by side: compare/<template-id>.md, read from the built site."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from markupsafe import Markup

from conftest import ROOT, TODAY, build, copy_project
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.pages import compare
from opsbook.site import SiteBuilder
from pagehtml import Node, assert_resolves, load

PLANNING = ROOT / "playbooks" / "planning"
TEMPLATE = yaml.safe_load((PLANNING / "roadmap-template.yaml").read_text("utf-8"))
ORG = yaml.safe_load((ROOT / "playbooks/organisation/organisation.yaml").read_text("utf-8"))
TEAM_NAMES = {t["id"]: t["name"] for t in ORG["teams"]}


def _instances() -> list[dict[str, Any]]:
    found = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(PLANNING.glob("*.yaml"))]
    mine = [d for d in found if d["kind"] == "instance" and d["template"] == TEMPLATE["id"]]
    return sorted(mine, key=lambda d: (TEAM_NAMES[d["owner"]].lower(), d["period"], d["id"]))


def _cell_text(spec: dict[str, Any], value: Any) -> str:
    """How a value reads in its cell (Markdown and ``[[id]]`` aside)."""
    if spec["type"] == "list":
        return " ".join(value)
    return str(value)


def _table(page: Node, section: str) -> Node:
    return page.find("div", id=f"compare-{section}").find("table")


def test_one_column_per_instance_one_row_per_field(repo_site: Path) -> None:
    instances = _instances()
    assert len(instances) == 3
    page = load(repo_site, "compare/roadmap-template/")
    assert page.find("h1").text() == "Team roadmap template: side by side"
    assert [h.text() for h in page.find_all("h2")] == \
        ["At a glance", *(s["title"] for s in TEMPLATE["sections"])]
    for section in TEMPLATE["sections"]:
        table = _table(page, section["id"])
        heads = table.find("thead").find_all("th")[1:]
        assert [h.attrs["data-instance"] for h in heads] == [d["id"] for d in instances]
        assert [h.text() for h in heads] == \
            [f"{TEAM_NAMES[d['owner']]} {d['period']}" for d in instances]
        for head in heads:
            url = assert_resolves(repo_site, "compare/roadmap-template/",
                                  head.find("a").attrs["href"])
            assert url == f"playbooks/planning/{head.attrs['data-instance']}/"
        rows = table.find("tbody").find_all("tr")
        assert [r.attrs["data-field"] for r in rows] == \
            [f"{section['id']}.{f['id']}" for f in section["fields"]]
        for row, spec in zip(rows, section["fields"], strict=True):
            cells = row.find_all("td")
            assert len(cells) == len(instances)
            assert row.find("th").text().startswith(spec["label"])
            for cell, data in zip(cells, instances, strict=True):
                value = data["sections"].get(section["id"], {}).get(spec["id"])
                if value is None:
                    assert not spec.get("required", True)
                    assert cell.text() == "—"
                elif spec["type"] in ("number", "choice", "date"):
                    assert cell.text() == str(value)
                else:
                    plain = _cell_text(spec, value)
                    assert "[[" in plain or " ".join(plain.split())[:40] in cell.text()


def test_an_optional_field_left_out_shows_a_dash(repo_site: Path) -> None:
    page = load(repo_site, "compare/roadmap-template/")
    row = _table(page, "asks").find("tr", data_field="asks.headcount-ask")
    by_instance = dict(zip([d["id"] for d in _instances()],
                           [c.text() for c in row.find_all("td")], strict=True))
    assert by_instance == {"platform-roadmap": "—", "growth-roadmap": "1",
                           "payments-roadmap": "2"}
    assert "optional" in row.find("th").text()


def test_at_a_glance_gathers_the_short_fields_by_section(repo_site: Path) -> None:
    page = load(repo_site, "compare/roadmap-template/")
    glance = page.find("div", cls="ob-compare-glance").find("tbody")
    short = [(s["title"], f"{s['id']}.{f['id']}") for s in TEMPLATE["sections"]
             for f in s["fields"] if f["type"] in ("number", "choice", "date")]
    assert [r.attrs["data-field"] for r in glance.find_all("tr") if "data-field" in r.attrs] \
        == [field for _, field in short]
    sections = [r.text() for r in glance.find_all("tr", cls="ob-compare-section")]
    assert sections == list(dict.fromkeys(title for title, _ in short))
    confidence = glance.find("tr", data_field="bets.confidence")
    assert [c.text() for c in confidence.find_all("td")] == \
        [d["sections"]["bets"]["confidence"] for d in _instances()]


def test_template_and_instances_link_to_the_comparison(repo_site: Path) -> None:
    pages = ["playbooks/planning/roadmap-template/"] + \
        [f"playbooks/planning/{d['id']}/" for d in _instances()]
    for url in pages:
        links = [a.attrs["href"] for a in load(repo_site, url).find_all("a")
                 if "compare/" in a.attrs.get("href", "")]
        assert links, url
        for href in links:
            assert assert_resolves(repo_site, url, href) == "compare/roadmap-template/"
    template = load(repo_site, "playbooks/planning/roadmap-template/")
    assert template.find("div", cls="ob-compare-link").text() == \
        "Compare the 3 filled-in copies side by side"


def test_a_template_nobody_filled_in_says_so(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    text = (project / "playbooks/planning/roadmap-template.yaml").read_text("utf-8")
    (project / "playbooks/planning/okr-template.yaml").write_text(
        text.replace("id: roadmap-template", "id: okr-template")
            .replace("title: Team roadmap template", "title: OKR template"), "utf-8")
    site = tmp_path / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    page = load(site, "compare/okr-template/")
    assert "No team has filled in this template yet." in page.find("article").text()
    assert load(site, "playbooks/planning/okr-template/").find(
        "div", cls="ob-compare-link").text() == "No team has filled in this template yet."


def _cell_by_format(md: Any, spec: dict[str, Any], value: Any) -> Markup:
    """A cell as it was written with ``Markup.format``, to hold the f-strings against."""
    kind = spec["type"]
    if kind == "text":
        return Markup('<div class="ob-cell-text">{}</div>').format(md(value))
    if kind == "list":
        return Markup('<ul class="ob-cell-list">{}</ul>').format(Markup("").join(
            Markup("<li>{}</li>").format(md(v, inline=True)) for v in value))
    if kind == "date":
        return Markup('<time datetime="{0}">{0}</time>').format(value)
    if kind == "choice":
        options = spec.get("options", [])
        position = options.index(value) if value in options else -1
        return Markup('<span class="ob-choice" data-option="{}">{}</span>').format(
            position, value)
    return Markup('<span class="ob-number">{}</span>').format(value)


#: Values of every field type with something to escape (checks passed or not).
HOSTILE = {"text": '<script>alert("x")</script> & *em* {0}', "list": ["<b>", "a & b {}", "ok"],
           "date": '2026-01-01" onclick="x', "choice": "<i>'quoted'</i> & {}",
           "number": "1 < 2 {0}"}


@pytest.mark.parametrize("numbers", [3, 2.5, -1, True, None, "<b>"])
def test_cells_escape_what_markup_format_escapes(monkeypatch: pytest.MonkeyPatch,
                                                 numbers: object) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    handbook = Engine(settings_for(ROOT, read_options(ROOT / "mkdocs.yml"))).load()
    builder = SiteBuilder(handbook)
    template = handbook.playbooks[TEMPLATE["id"]]
    instances = compare.instances_of(builder, template)
    hostile = SimpleNamespace(data={"sections": {
        section["id"]: {f["id"]: numbers if f["type"] == "number" else HOSTILE[f["type"]]
                        for f in section["fields"]}
        for section in TEMPLATE["sections"]}})
    columns = [*instances, hostile]
    src = compare.src_of(template.id)
    md = builder.helpers(src)["md"]
    cells = 0
    for section, rows in compare.rows(builder, template, columns, src):  # type: ignore[arg-type]
        for row in rows:
            for pb, cell in zip(columns, row.cells, strict=True):
                values = pb.data["sections"].get(section["id"], {})
                expected = _cell_by_format(md, row.spec, values[row.spec["id"]]) \
                    if row.spec["id"] in values else compare.EMPTY
                assert cell == expected
                cells += 1
    assert cells > 50
