"""Macros for hand-written pages: what they show on the built site, links relative to the page
they are on, sanitized text, and mistakes that fail the build with a located message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, TODAY, build, copy_project
from opsbook import rituals
from pagehtml import Node, assert_resolves, load

PLAYBOOKS = {data["id"]: data for data in (
    yaml.safe_load(p.read_text("utf-8")) for p in sorted((ROOT / "playbooks").rglob("*.yaml")))}
CHECKLIST = PLAYBOOKS["launch-checklist"]


def _embeds(page: Node, kind: str) -> list[Node]:
    return page.find_all("div", cls=f"ob-embed--{kind}")


def _links_resolve(site: Path, url: str, block: Node) -> int:
    # The sanitizer keeps a link's text but drops an unsafe href, leaving <a> without one.
    links = [link for link in block.find_all("a") if "href" in link.attrs]
    for link in links:
        assert_resolves(site, url, link.attrs["href"])
    return len(links)


def test_rituals_this_week_on_the_home_page(repo_site: Path) -> None:
    today = dt.date.fromisoformat(TODAY)
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    expected = sorted(
        (day, data.get("cadence", {}).get("time", ""), data["title"].lower(), pid)
        for pid, data in PLAYBOOKS.items() if data.get("cadence")
        and data.get("status") != "deprecated"
        for day in rituals.occurrences(data["cadence"], monday, sunday))
    # The Product Ops week of the article, Monday to Friday (no Thursday ritual this week).
    assert [pid for *_, pid in expected] == ["pm-dashboard-review", "user-research-recruitment",
                                            "sprint-review", "customer-feedback-trends"]
    # The retired demo day would fall on Thursday: deprecated rituals are left out.
    assert list(rituals.occurrences(PLAYBOOKS["release-demo-day"]["cadence"], monday, sunday))
    home = load(repo_site, "")
    [week] = _embeds(home, "week")
    assert week.find("p", cls="ob-embed-title").text() == \
        "Week of Monday 23 November 2026 to Sunday 29 November"
    rows = [row for row in week.find_all("tr") if "data-playbook" in row.attrs]
    assert [row.attrs["data-playbook"] for row in rows] == [pid for *_, pid in expected]
    assert [row.find("time").attrs["datetime"] for row in rows] == \
        [day.isoformat() for day, *_ in expected]
    assert rows[0].find_all("td")[0].text() == "Monday 23 November"
    assert rows[2].find_all("td")[1].text() == "14:00 Europe/London"
    assert _links_resolve(repo_site, "", week) == 2 * len(rows)


def test_the_macros_page_runs_its_own_examples(repo_site: Path) -> None:
    url = "opsbook/macros/"
    page = load(repo_site, url)
    code = " ".join(c.text() for c in page.find_all("code"))
    for example in ("{{ rituals_this_week() }}", "{{ steps('sprint-review') }}",
                    "{{ playbook_list(kind='instance', tag='roadmaps') }}",
                    "{{ checklist_table('launch-checklist', tier='tier-3') }}"):
        assert example in code
    [steps] = _embeds(page, "steps")
    titles = [li.find("strong").text() for li in steps.find_all("li", cls="ob-embed-step")]
    assert titles == [s["title"] for s in PLAYBOOKS["sprint-review"]["steps"]]
    assert steps.find("a").attrs["href"] == "../../playbooks/rituals/sprint-review/"
    # Without details=True the steps' text stays on the process page (and in its search hits).
    assert steps.find_all("div", cls="ob-details") == []
    assert "demoable" not in steps.text()
    [listing] = _embeds(page, "list")
    roadmaps = sorted((d["title"].lower(), pid) for pid, d in PLAYBOOKS.items()
                      if d["kind"] == "instance" and "roadmaps" in d.get("tags", []))
    assert [r.attrs["data-playbook"] for r in listing.find_all("tr") if "data-playbook" in
            r.attrs] == [pid for _, pid in roadmaps]
    [checklist] = _embeds(page, "checklist")
    tier3 = [item["id"] for phase in CHECKLIST["phases"] for item in phase["items"]
             if "tier-3" in item.get("tiers", ["tier-3"])]
    assert [r.attrs["data-item"] for r in checklist.find_all("tr", cls="ob-item")] == tier3
    assert "Tier 3 - improvement" in checklist.find("p", cls="ob-embed-title").text()
    for block in (steps, listing, checklist):
        assert _links_resolve(repo_site, url, block) > 0
    text = page.find("article").text()
    assert f"The handbook has {len(PLAYBOOKS)} playbooks" in text


def _nested_project(tmp_path: Path, directory_urls: bool) -> Path:
    project = copy_project(tmp_path / "project")
    sprint = project / "playbooks/rituals/sprint-review.yaml"
    text = sprint.read_text("utf-8").replace(
        "    details: |\n      Read the sprint goal out loud",
        "    details: |\n      <script>alert('x')</script> [click](javascript:alert(1))\n"
        "      Read the sprint goal out loud", 1)
    sprint.write_text(text, "utf-8")
    (project / "docs/guides/launch").mkdir(parents=True)
    (project / "docs/guides/launch/howto.md").write_text(
        "# How we launch\n\n{{ steps('sprint-review', details=True) }}\n\n"
        "{{ checklist_table('launch-checklist') }}\n\n"
        "{{ playbook_list(owner='data-analytics') }}\n", "utf-8")
    if not directory_urls:
        config = project / "mkdocs.yml"
        config.write_text(config.read_text("utf-8") + "use_directory_urls: false\n", "utf-8")
    return project


@pytest.mark.parametrize("directory_urls", [True, False], ids=["directory-urls", "html-urls"])
def test_links_are_relative_to_a_nested_page_and_text_is_sanitized(
        tmp_path: Path, directory_urls: bool) -> None:
    project = _nested_project(tmp_path, directory_urls)
    site = tmp_path / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    url = "guides/launch/howto/" if directory_urls else "guides/launch/howto.html"
    page = load(site, url)
    blocks = page.find_all("div", cls="ob-embed")
    assert len(blocks) == 3
    assert len(blocks[0].find_all("div", cls="ob-details")) == 6
    assert "demoable" in blocks[0].text()
    linked = sum(_links_resolve(site, url, block) for block in blocks)
    assert linked > 40
    html = (site / (url + "index.html" if directory_urls else url)).read_text("utf-8")
    embeds = html[html.index('class="ob-embed'):]
    assert "<script>alert" not in embeds
    assert "&lt;script&gt;alert" in embeds
    assert "javascript:" not in embeds
    assert "<a>click</a>" in embeds
    listing = [r.attrs["data-playbook"] for r in blocks[2].find_all("tr")
               if "data-playbook" in r.attrs]
    assert listing == sorted((pid for pid, d in PLAYBOOKS.items()
                              if d["owner"] == "data-analytics"),
                             key=lambda pid: PLAYBOOKS[pid]["title"].lower())


MISTAKES: list[tuple[str, str]] = [
    ("{{ stepz('sprint-review') }}",
     "'stepz' is undefined; did you mean 'steps'? Check the spelling of the macro or variable"),
    ("{{ playbookz | length }}",
     "'playbookz' is undefined; did you mean 'playbook'?"),
    ("{{ steps('sprint-reveiw') }}",
     "no playbook has the id 'sprint-reveiw'; did you mean 'sprint-review'?"),
    ("{{ steps('launch-checklist') }}",
     "'launch-checklist' is a checklist, not a process."),
    ("{{ checklist_table('launch-checklist', tier='tier-4') }}",
     "'tier-4' is not a tier of 'launch-checklist'; did you mean 'tier-3'?"),
    ("{{ playbook_list(kind='proces') }}", "'proces' is not a kind; did you mean 'process'?"),
    ("{{ playbook_list(owner='markting') }}",
     "'markting' is not a team; did you mean 'marketing'?"),
    ("{{ playbook_list(tag='ritual') }}",
     "no playbook has the tag 'ritual'; did you mean 'rituals'?"),
]


@pytest.mark.parametrize(("source", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_in_a_macro_fails_the_build(tmp_path: Path, source: str,
                                              message: str) -> None:
    project = copy_project(tmp_path / "project")
    (project / "docs/extra.md").write_text(f"# Extra\n\nSome text.\n\n{source}\n", "utf-8")
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert f"Macro error at docs/extra.md:5: {message}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_records_for_your_own_jinja(repo_site: Path) -> None:
    from opsbook.macros import day_text

    assert day_text(dt.date(2026, 11, 26), year=True) == "Thursday 26 November 2026"
    text = load(repo_site, "opsbook/macros/").find("article").text()
    owner: Any = PLAYBOOKS["sprint-review"]["owner"]
    assert f"the sprint review is owned by {owner}." in text
